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
#include "xalloc.h"

/* Names listed by print_names(); more are only counted. */
#define NAMES_SHOWN 12

/* Prints "label: a, b, c" when arr has names; past NAMES_SHOWN, the count
 * alone: "300 stopped" (a label of one word) or "sent SIGUSR1 to 300
 * apps". Returns how many names arr has. */
static int print_names(const char *label, const cJSON *arr)
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

static void print_lines(FILE *f, const cJSON *arr)
{
	const cJSON *n;
	cJSON_ArrayForEach(n, arr)
		if (cJSON_IsString(n))
			fprintf(f, "%s\n", n->valuestring);
}

/* The table after a change, as pm2 shows it; not after a change of more
 * apps than print_names() lists (a fleet's table is `psup status`). */
static int show_table(int napps)
{
	if (napps > NAMES_SHOWN)
		return CLI_OK;
	struct cli_args none = { .argc = 0, .argv = NULL, .cmd = "status" };
	fflush(stdout);
	return cli_cmd_status(&none);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), m = strlen(suffix);
	return l >= m && strcmp(s + l - m, suffix) == 0;
}

/* An argument names a file when it exists as one or looks like one. */
static int is_file_arg(const char *s)
{
	struct stat st;
	if (stat(s, &st) == 0 && S_ISREG(st.st_mode))
		return 1;
	return ends_with(s, ".yaml") || ends_with(s, ".yml") || ends_with(s, ".json");
}

static int one_target(struct cli_args *a, const char **target, int optional)
{
	char *pos[1];
	int n = cli_split(a, pos, 1, NULL, NULL);
	if (n < 0)
		return -1;
	if (n == 0 && !optional) {
		cli_usage_error(a, "%s: which app?", a->cmd);
		return -1;
	}
	*target = n ? pos[0] : NULL;
	return 0;
}

int cli_cmd_start(struct cli_args *a)
{
	const char *arg;
	if (one_target(a, &arg, 0) < 0)
		return CLI_USAGE;
	cJSON *req = cli_req("start");
	int file = is_file_arg(arg);
	if (file) {
		char *abs = realpath(arg, NULL);
		if (!abs) {
			cJSON_Delete(req);
			return cli_error(CLI_BADFILE, "%s: %s", arg, strerror(errno));
		}
		cJSON_AddStringToObject(req, "file", abs);
		free(abs);
	} else {
		cJSON_AddStringToObject(req, "target", arg);
	}
	cJSON *reply;
	int rc = cli_call(req, CLI_RQ_RAW, CLI_WAIT_OP, &reply);
	if (rc != CLI_OK)
		return rc;
	print_lines(stderr, cJSON_GetObjectItemCaseSensitive(reply, "warnings"));
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		const cJSON *errs = cJSON_GetObjectItemCaseSensitive(reply, "errors");
		int bad = file && cJSON_IsArray(errs) && cJSON_GetArraySize(errs) > 0;
		fflush(stdout);
		print_lines(stderr, errs);
		rc = cli_error(bad ? CLI_BADFILE : CLI_FAIL, "%s",
		    cli_json_str(reply, "error", "start failed"));
		cJSON_Delete(reply);
		return rc;
	}
	int napps = print_names("started", cJSON_GetObjectItemCaseSensitive(reply, "started"));
	napps += print_names("restarted", cJSON_GetObjectItemCaseSensitive(reply, "restarted"));
	napps += print_names("unchanged", cJSON_GetObjectItemCaseSensitive(reply, "unchanged"));
	napps += print_names("started", cJSON_GetObjectItemCaseSensitive(reply, "apps"));
	cJSON_Delete(reply);
	return show_table(napps);
}

/* The request cmd on the one app selector a names (optional: none means
 * all), or NULL after a usage error. */
static cJSON *target_req(struct cli_args *a, const char *cmd, int optional)
{
	const char *target;
	if (one_target(a, &target, optional) < 0)
		return NULL;
	cJSON *req = cli_req(cmd);
	if (target)
		cJSON_AddStringToObject(req, "target", target);
	return req;
}

/* Sends req (consumed), then prints "label: a, b" for the apps the daemon
 * acted on (how many in *napps when not NULL). Returns CLI_OK or the exit
 * code. */
static int call_and_name(cJSON *req, const char *label, int *napps)
{
	cJSON *reply;
	int rc = cli_call(req, 0, CLI_WAIT_OP, &reply);
	if (rc != CLI_OK)
		return rc;
	int n = print_names(label, cJSON_GetObjectItemCaseSensitive(reply, "apps"));
	if (napps)
		*napps = n;
	cJSON_Delete(reply);
	return CLI_OK;
}

int cli_cmd_action(struct cli_args *a)
{
	cJSON *req = target_req(a, a->cmd, 0);
	if (!req)
		return CLI_USAGE;
	const char *done = strcmp(a->cmd, "stop") == 0 ? "stopped"
	    : strcmp(a->cmd, "restart") == 0 ? "restarted" : "deleted";
	int napps = 0;
	int rc = call_and_name(req, done, &napps);
	return rc == CLI_OK ? show_table(napps) : rc;
}

int cli_cmd_flush(struct cli_args *a)
{
	cJSON *req = target_req(a, "flush", 1);
	if (!req)
		return CLI_USAGE;
	return call_and_name(req, "flushed the logs of", NULL);
}

int cli_cmd_signal(struct cli_args *a)
{
	char *pos[2];
	int n = cli_split(a, pos, 2, NULL, NULL);
	if (n < 0)
		return CLI_USAGE;
	if (n < 2)
		return cli_usage_error(a, "signal: needs a signal and an app");
	int sig = cli_signal_parse(pos[0]);
	if (sig <= 0)
		return cli_usage_error(a, "signal: unknown signal '%s'", pos[0]);
	cJSON *req = cli_req("signal");
	cJSON_AddStringToObject(req, "target", pos[1]);
	cJSON_AddNumberToObject(req, "signal", sig);
	char label[64];
	snprintf(label, sizeof label, "sent SIG%s to", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	return call_and_name(req, label, NULL);
}

static int show_saved(const cJSON *reply)
{
	printf("saved %d apps to %s\n", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(reply,
	    "apps")), cli_json_str(reply, "path", "?"));
	return CLI_OK;
}

static int show_resurrected(const cJSON *reply)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(reply, "started");
	if (cJSON_GetArraySize(st) == 0)
		printf("nothing to resurrect\n");
	return show_table(print_names("resurrected", st));
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
		{ "save", CLI_WAIT_OP, show_saved },
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
