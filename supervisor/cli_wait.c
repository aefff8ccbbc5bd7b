#include "cli.h"
int cli_cmd_wait(struct cli_args *a) { (void)a; return cli_error(CLI_FAIL, "wait: not yet"); }
