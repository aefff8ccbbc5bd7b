/* `psup daemon` (run the daemon in the foreground) and `psup kill` (stop
 * every app, then the daemon, and wait until it is gone). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_client.h"
#include "daemon.h"
#include "xalloc.h"

static int background_opt_cb(struct cli_args *a, int i, void *ctx)
{
	if (strcmp(a->argv[i], "--background") != 0)
		return 0;
	*(int *)ctx = 1;
	return 1;
}

int cli_cmd_daemon(struct cli_args *a)
{
	int background = 0;
	if (cli_split(a, NULL, 0, background_opt_cb, &background) < 0)
		return CLI_USAGE;
	char *cause = NULL;
	/* --background: started by a CLI (daemon_spawn), already detached. */
	if (daemon_run(cli_home(), !background, &cause) < 0) {
		int rc = cli_error(CLI_DAEMON, "daemon: %s", cause ? cause : "failed");
		free(cause);
		return rc;
	}
	return CLI_OK;
}

/* 1 when keepers may be running without a daemon: apps/ has entries. */
static int home_has_apps(void)
{
	char *p = xasprintf("%s/apps", cli_home());
	DIR *d = opendir(p);
	free(p);
	if (!d)
		return 0;
	int any = 0;
	struct dirent *e;
	while (!any && (e = readdir(d)))
		any = e->d_name[0] != '.';
	closedir(d);
	return any;
}

int cli_cmd_kill(struct cli_args *a)
{
	if (cli_no_args(a) < 0)
		return CLI_USAGE;
	/* No daemon and no keeper: nothing to do. Keepers left by a lost
	 * daemon: start one so it re-attaches and stops them. */
	unsigned flags = home_has_apps() ? 0 : CLI_RQ_NOSTART;
	struct cli_conn c;
	char *cause = NULL;
	if (cli_conn_open(&c, flags, &cause) < 0) {
		cli_conn_close(&c);
		if (flags & CLI_RQ_NOSTART) {
			free(cause);
			printf("daemon not running\n");
			return CLI_OK;
		}
		int rc = cli_error(CLI_DAEMON, "%s", cause);
		free(cause);
		return rc;
	}
	cJSON *req = cli_req("kill"), *reply = NULL;
	int rc = CLI_OK;
	if (cli_conn_send(&c, req, &cause) < 0 || cli_conn_recv(&c, -1, &reply, &cause) < 0) {
		rc = cli_error(CLI_DAEMON, "%s", cause);
	} else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(reply, "error");
		rc = cli_error(CLI_FAIL, "kill: %s", cJSON_IsString(e) ? e->valuestring : "refused");
	} else {
		/* The daemon exits after its reply: wait for the connection to
		 * close so the next command cannot reach a daemon on its way
		 * out. */
		cJSON *more = NULL;
		free(cause);
		cause = NULL;
		while (cli_conn_recv(&c, 10000, &more, &cause) == 0) {
			cJSON_Delete(more);
			more = NULL;
		}
		if (cause && strstr(cause, "no reply"))
			rc = cli_error(CLI_DAEMON, "kill: the daemon did not exit within 10 s");
		else
			printf("daemon stopped\n");
	}
	free(cause);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	cli_conn_close(&c);
	return rc;
}
