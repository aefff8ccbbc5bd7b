/* `psup help options`: the ecosystem file's options from the loader's table. */
#ifndef PSUP_CLI_OPTIONS_H
#define PSUP_CLI_OPTIONS_H

#include "cli.h"

/* a->argv[0] is "options"; an optional "--markdown" follows. */
int cli_help_options(struct cli_args *a);

#endif
