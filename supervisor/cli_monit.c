#include "cli.h"
int cli_cmd_monit(struct cli_args *a) { (void)a; return cli_error(CLI_FAIL, "monit: not yet"); }
