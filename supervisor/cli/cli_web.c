/* `psup web`: runs psup-web, the dashboard and /metrics server, in the
 * foreground by exec. It is a separate program so that the CLI does not
 * link an HTTP server; run in the foreground, its life is the user's to
 * choose (a terminal, an SSH session, systemd, or an app under psup
 * itself) and no hidden background server is left to find and stop. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "selfexe.h"
#include "xalloc.h"

int cli_cmd_web(struct cli_args *a)
{
	/* psup-web sits beside psup; PSUP_WEB names another (tests). */
	const char *env = getenv("PSUP_WEB");
	char *prog = env && *env ? xstrdup(env) : selfexe_sibling("psup-web");
	char **argv = xcalloc((size_t)a->argc + 2, sizeof *argv);
	argv[0] = prog;
	for (int i = 0; i < a->argc; i++)
		argv[i + 1] = a->argv[i];
	fflush(stdout);
	execvp(prog, argv);     /* a bare name (no /proc): from PATH */
	int e = errno;
	free(argv);
	int rc = cli_error(CLI_FAIL, "web: cannot run %s: %s", prog, strerror(e));
	free(prog);
	return rc;
}
