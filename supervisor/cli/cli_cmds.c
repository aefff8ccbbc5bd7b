/* The one-request commands: start, stop, restart, delete, flush, signal,
 * save, resurrect, ping. Each sends one request and prints what was
 * done; commands that change apps then show the table, as pm2 does. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_client.h"
#include "cli_fmt.h"
#include "cli_signal.h"
#include "cli_target.h"
#include "xalloc.h"

/* Names listed by cli_print_names(); more are only counted. */
#define NAMES_SHOWN 12

int cli_print_names(const char *label, const cJSON *arr)
{
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return 0;
	int total = cJSON_GetArraySize(arr), i = 0;
	if (total > NAMES_SHOWN) {
		if (strchr(label, ' '))
			printf("%s %d apps\n", label, total);
		else
			printf("%d %s\n", total, label);
		return total;
	}
	const cJSON *n;
	printf("%s: ", label);
	cJSON_ArrayForEach(n, arr) {
		const char *s = cJSON_IsString(n) ? n->valuestring
		    : cli_json_str(n, "name", "?");
		printf("%s%s", i ? ", " : "", s);
		i++;
	}
	putchar('\n');
	return total;
}

int cli_show_table(int named)
{
	/* a change of more apps than a list shows is a fleet's, whose
	 * table is `psup status` */
	if (named > NAMES_SHOWN)
		return CLI_OK;
	struct cli_args none = { .argc = 0, .argv = NULL, .cmd = "status" };
	fflush(stdout);
	return cli_cmd_status(&none);
}

/* The request cmd on the selectors a names (optional: none means all), or
 * NULL after a usage error. */
static cJSON *target_req(struct cli_args *a, const char *cmd, int optional)
{
	char **pos = xcalloc((size_t)a->argc + 1, sizeof *pos);
	int n = cli_split(a, pos, a->argc, NULL, NULL);
	if (n < 0 || (n == 0 && !optional)) {
		if (n == 0)
			cli_usage_error(a, "%s: which app?", a->cmd);
		free(pos);
		return NULL;
	}
	cJSON *req = cli_req(cmd);
	if (n)
		cli_target_add(req, pos, n);
	free(pos);
	return req;
}

int cli_call_names(cJSON *req, const char *label, int *named)
{
	cJSON *reply;
	int rc = cli_call(req, 0, CLI_WAIT_OP, &reply);
	if (rc != CLI_OK)
		return rc;
	int n = cli_print_names(label, cJSON_GetObjectItemCaseSensitive(reply, "apps"));
	if (named)
		*named += n;
	cJSON_Delete(reply);
	return CLI_OK;
}

/* flush, and reloadLogs (the same request shape: reopen instead of empty) */
int cli_cmd_flush(struct cli_args *a)
{
	int reopen = strcmp(a->cmd, "flush") != 0;
	cJSON *req = target_req(a, reopen ? "reloadLogs" : "flush", 1);
	if (!req)
		return CLI_USAGE;
	return cli_call_names(req, reopen ? "reopened the logs of" : "flushed the logs of", NULL);
}

/* scale NAME N|+N|-N: the group's size now comes from the list. */
int cli_cmd_scale(struct cli_args *a)
{
	/* by hand: -N is a number here, not an option */
	if (a->argc != 2)
		return cli_usage_error(a, "scale: needs an app and a number of instances");
	char **pos = a->argv;
	char *end;
	long want = strtol(pos[1], &end, 10);
	if (end == pos[1] || *end)
		return cli_usage_error(a, "scale: '%s' is not a number (N, +N or -N)", pos[1]);
	if (pos[1][0] == '+' || pos[1][0] == '-') {
		cJSON *reply;
		const cJSON *apps, *app;
		int rc = cli_call_apps("all", &reply, &apps);
		if (rc != CLI_OK)
			return rc;
		long now = 0;
		cJSON_ArrayForEach(app, apps)
			now += strcmp(cli_json_str(app, "group", ""), pos[0]) == 0;
		cJSON_Delete(reply);
		want += now;
	}
	if (want < 1 || want > 1024)
		return cli_usage_error(a, "scale: %ld instances: give 1 to 1024", want);
	cJSON *req = cli_req("scale"), *reply;
	cJSON_AddStringToObject(req, "target", pos[0]);
	cJSON_AddNumberToObject(req, "instances", (double)want);
	int rc = cli_call(req, 0, CLI_WAIT_OP, &reply);
	if (rc != CLI_OK)
		return rc;
	int named = cli_print_names("started", cJSON_GetObjectItemCaseSensitive(reply, "started"));
	named += cli_print_names("deleted", cJSON_GetObjectItemCaseSensitive(reply, "deleted"));
	cJSON_Delete(reply);
	return cli_show_table(named);
}

int cli_cmd_reset(struct cli_args *a)
{
	cJSON *req = target_req(a, "reset", 0);
	if (!req)
		return CLI_USAGE;
	int named = 0;
	int rc = cli_call_names(req, "reset the restart count of", &named);
	return rc == CLI_OK ? cli_show_table(named) : rc;
}

int cli_cmd_signal(struct cli_args *a)
{
	char **pos = xcalloc((size_t)a->argc + 1, sizeof *pos);
	int n = cli_split(a, pos, a->argc, NULL, NULL);
	int sig = n >= 2 ? cli_signal_parse(pos[0]) : 0;
	if (n < 0 || n < 2 || sig <= 0) {
		int rc = n < 0 ? CLI_USAGE : n < 2 ? cli_usage_error(a, "signal: needs a signal and an app")
		    : cli_usage_error(a, "signal: unknown signal '%s'", pos[0]);
		free(pos);
		return rc;
	}
	cJSON *req = cli_req("signal");
	cli_target_add(req, pos + 1, n - 1);
	free(pos);
	cJSON_AddNumberToObject(req, "signal", sig);
	char label[64];
	snprintf(label, sizeof label, "sent SIG%s to", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	return cli_call_names(req, label, NULL);
}

static int force_opt_cb(struct cli_args *a, int i, void *ctx)
{
	if (strcmp(a->argv[i], "--force") != 0 && strcmp(a->argv[i], "-f") != 0)
		return 0;
	*(int *)ctx = 1;
	return 1;
}

/* save [--force]: as pm2's, a save of no apps is skipped unless forced
 * (the dump would hold nothing to resurrect). cleardump: a save of no
 * apps, whatever runs (pm2's; the dump before it stays as the backup). */
int cli_cmd_save(struct cli_args *a)
{
	int force = 0, clear = strcmp(a->cmd, "cleardump") == 0;
	if (cli_split(a, NULL, 0, clear ? NULL : force_opt_cb, &force) < 0)
		return CLI_USAGE;
	cJSON *req = cli_req("save"), *reply;
	if (force)
		cJSON_AddBoolToObject(req, "force", 1);
	if (clear)
		cJSON_AddBoolToObject(req, "clear", 1);
	int rc = cli_call(req, 0, CLI_WAIT_OP, &reply);
	if (rc != CLI_OK)
		return rc;
	const char *path = cli_json_str(reply, "path", "?");
	if (clear) {
		char *bak = xasprintf("%s.bak", path);
		printf("wrote an empty dump to %s: resurrect starts nothing", path);
		if (access(bak, F_OK) == 0)
			printf(" (the last save is %s)", bak);
		putchar('\n');
		free(bak);
	} else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "skipped"))) {
		fprintf(stderr, "psup: no apps: nothing saved, the last save is kept (psup save --force "
		    "saves an empty list)\n");
	} else {
		printf("saved %d apps to %s\n", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(reply,
		    "apps")), path);
	}
	cJSON_Delete(reply);
	return CLI_OK;
}

static int show_resurrected(const cJSON *reply)
{
	const cJSON *w;
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(reply, "warnings"))
		if (cJSON_IsString(w))
			fprintf(stderr, "psup: %s\n", w->valuestring);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(reply, "started");
	if (cJSON_GetArraySize(st) == 0)
		printf("nothing to resurrect\n");
	return cli_show_table(cli_print_names("resurrected", st));
}

static int show_pong(const cJSON *reply)
{
	printf("pong: daemon pid %.0f, version %s, home %s\n", cli_json_num(reply, "pid", 0),
	    cli_json_str(reply, "version", "?"), cli_json_str(reply, "home", cli_home()));
	return CLI_OK;
}

int cli_cmd_bare(struct cli_args *a)
{
	/* the command (its request has the same name), how long to wait for the
	 * reply, and how to show it */
	static const struct {
		const char *cmd;
		int timeout_ms;
		int (*show)(const cJSON *reply);
	} bare[] = {
		{ "resurrect", CLI_WAIT_OP, show_resurrected },
		{ "ping", 10000, show_pong },
	};
	for (size_t i = 0; i < sizeof bare / sizeof *bare; i++) {
		if (strcmp(a->cmd, bare[i].cmd) != 0)
			continue;
		cJSON *reply;
		int rc = cli_call_bare(a, bare[i].cmd, bare[i].timeout_ms, &reply);
		if (rc != CLI_OK)
			return rc;
		rc = bare[i].show(reply);
		cJSON_Delete(reply);
		return rc;
	}
	return cli_error(CLI_USAGE, "unknown command '%s'", a->cmd);
}
