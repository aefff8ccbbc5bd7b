/* The one-request commands: start, stop, restart, delete, jlist, flush,
 * signal, save, resurrect, ping. Each sends one request and prints what was
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

/* Prints "label: a, b, c" when arr has names. */
static void print_names(const char *label, const cJSON *arr)
{
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return;
	const cJSON *n;
	int first = 1;
	printf("%s: ", label);
	cJSON_ArrayForEach(n, arr) {
		const char *s = cJSON_IsString(n) ? n->valuestring
		    : cli_json_str(n, "name", "?");
		printf("%s%s", first ? "" : ", ", s);
		first = 0;
	}
	putchar('\n');
}

static void print_lines(FILE *f, const cJSON *arr)
{
	const cJSON *n;
	cJSON_ArrayForEach(n, arr)
		if (cJSON_IsString(n))
			fprintf(f, "%s\n", n->valuestring);
}

/* The table after a change, as pm2 shows it. */
static int show_table(void)
{
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
	int rc = cli_call(req, CLI_RQ_RAW, -1, &reply);
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
	print_names("started", cJSON_GetObjectItemCaseSensitive(reply, "started"));
	print_names("restarted", cJSON_GetObjectItemCaseSensitive(reply, "restarted"));
	print_names("unchanged", cJSON_GetObjectItemCaseSensitive(reply, "unchanged"));
	print_names("started", cJSON_GetObjectItemCaseSensitive(reply, "apps"));
	cJSON_Delete(reply);
	return show_table();
}

int cli_cmd_action(struct cli_args *a)
{
	const char *target;
	if (one_target(a, &target, 0) < 0)
		return CLI_USAGE;
	cJSON *req = cli_req(a->cmd);
	cJSON_AddStringToObject(req, "target", target);
	cJSON *reply;
	int rc = cli_call(req, 0, -1, &reply);
	if (rc != CLI_OK)
		return rc;
	const char *done = strcmp(a->cmd, "stop") == 0 ? "stopped"
	    : strcmp(a->cmd, "restart") == 0 ? "restarted" : "deleted";
	print_names(done, cJSON_GetObjectItemCaseSensitive(reply, "apps"));
	cJSON_Delete(reply);
	return show_table();
}

int cli_cmd_jlist(struct cli_args *a)
{
	char *pos[1];
	if (cli_split(a, pos, 0, NULL, NULL) < 0)
		return CLI_USAGE;
	cJSON *reply;
	int rc = cli_call(cli_req("list"), 0, 10000, &reply);
	if (rc != CLI_OK)
		return rc;
	const cJSON *apps = cJSON_GetObjectItemCaseSensitive(reply, "apps");
	char *s = cJSON_IsArray(apps) ? cJSON_PrintUnformatted(apps) : NULL;
	cJSON_Delete(reply);
	if (!s)
		return cli_error(CLI_DAEMON, "malformed list reply from the daemon (no apps array)");
	struct buf out = { 0 };
	buf_puts(&out, s);
	buf_puts(&out, "\n");
	cJSON_free(s);
	fflush(stdout);
	rc = cli_buf_write(&out, STDOUT_FILENO) < 0 ? cli_error(CLI_FAIL, "cannot write: %s",
	    strerror(errno)) : CLI_OK;
	buf_free(&out);
	return rc;
}

int cli_cmd_flush(struct cli_args *a)
{
	const char *target;
	if (one_target(a, &target, 1) < 0)
		return CLI_USAGE;
	cJSON *req = cli_req("flush");
	if (target)
		cJSON_AddStringToObject(req, "target", target);
	cJSON *reply;
	int rc = cli_call(req, 0, -1, &reply);
	if (rc != CLI_OK)
		return rc;
	print_names("flushed the logs of", cJSON_GetObjectItemCaseSensitive(reply, "apps"));
	cJSON_Delete(reply);
	return CLI_OK;
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
	cJSON *reply;
	int rc = cli_call(req, 0, -1, &reply);
	if (rc != CLI_OK)
		return rc;
	char label[64];
	snprintf(label, sizeof label, "sent SIG%s to", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	print_names(label, cJSON_GetObjectItemCaseSensitive(reply, "apps"));
	cJSON_Delete(reply);
	return CLI_OK;
}

int cli_cmd_save(struct cli_args *a)
{
	char *pos[1];
	if (cli_split(a, pos, 0, NULL, NULL) < 0)
		return CLI_USAGE;
	cJSON *reply;
	int rc = cli_call(cli_req("save"), 0, -1, &reply);
	if (rc != CLI_OK)
		return rc;
	const cJSON *apps = cJSON_GetObjectItemCaseSensitive(reply, "apps");
	printf("saved %d apps to %s\n", cJSON_GetArraySize(apps), cli_json_str(reply, "path", "?"));
	cJSON_Delete(reply);
	return CLI_OK;
}

int cli_cmd_resurrect(struct cli_args *a)
{
	char *pos[1];
	if (cli_split(a, pos, 0, NULL, NULL) < 0)
		return CLI_USAGE;
	cJSON *reply;
	int rc = cli_call(cli_req("resurrect"), 0, -1, &reply);
	if (rc != CLI_OK)
		return rc;
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(reply, "started");
	if (cJSON_GetArraySize(st) == 0)
		printf("nothing to resurrect\n");
	print_names("resurrected", st);
	cJSON_Delete(reply);
	return show_table();
}

int cli_cmd_ping(struct cli_args *a)
{
	char *pos[1];
	if (cli_split(a, pos, 0, NULL, NULL) < 0)
		return CLI_USAGE;
	cJSON *reply;
	int rc = cli_call(cli_req("ping"), 0, 10000, &reply);
	if (rc != CLI_OK)
		return rc;
	printf("pong: daemon pid %.0f, version %s, home %s\n", cli_json_num(reply, "pid", 0),
	    cli_json_str(reply, "version", "?"), cli_json_str(reply, "home", cli_home()));
	cJSON_Delete(reply);
	return CLI_OK;
}
