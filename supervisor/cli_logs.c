#include "cli.h"
int cli_cmd_logs(struct cli_args *a) { (void)a; return cli_error(CLI_FAIL, "logs: not yet"); }
