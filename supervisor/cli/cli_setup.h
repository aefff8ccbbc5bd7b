/* Setting psup up: a first ecosystem file (init), and a systemd unit that
 * resurrects the saved apps at boot (startup, unstartup). */
#ifndef PSUP_CLI_SETUP_H
#define PSUP_CLI_SETUP_H

#include "cli.h"

/* The skeleton `psup init` writes: every line loads as is. */
extern const char cli_setup_skeleton[];

int cli_cmd_init(struct cli_args *a);
/* startup and unstartup (by a->cmd) */
int cli_cmd_startup(struct cli_args *a);

#endif
