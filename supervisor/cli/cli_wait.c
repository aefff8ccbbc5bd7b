/* `psup wait [NAME|all] [--timeout DUR]`: blocks until every selected app is
 * completed, errored or stopped; exit 0 only if all completed. It asks the
 * daemon's `wait` command, which replies when the apps got there (no
 * polling). A daemon without it is re-queried with `list` under a bounded
 * backoff (50 ms growing to 500 ms). */
#include "cli_wait.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_client.h"
#include "clock.h"
#include "xalloc.h"

#define WAIT_NAMES_SHOWN 4
#define WAIT_MARGIN_MS 5000

static const char *const kind_names[WAIT_KINDS] = {
	"completed", "errored", "stopped", "gone", "running",
};

static void tally_add(struct cli_wait_tally *t, int kind, const char *name, const char *state)
{
	struct buf *b = &t->names[kind];
	if (t->n[kind] < WAIT_NAMES_SHOWN) {
		if (b->len)
			buf_puts(b, ", ");
		buf_puts(b, name);
		/* A running app says what it is doing. */
		if (kind == WAIT_RUNNING && strcmp(state, "online") != 0)
			buf_printf(b, " %s", state);
	} else if (t->n[kind] == WAIT_NAMES_SHOWN) {
		buf_puts(b, ", …");
	}
	t->n[kind]++;
}

int cli_wait_tally(const cJSON *apps, char *const *names, int n, struct cli_wait_tally *t)
{
	memset(t, 0, sizeof *t);
	for (int i = 0; i < n; i++) {
		const cJSON *app, *found = NULL;
		cJSON_ArrayForEach(app, apps) {
			if (strcmp(cli_json_str(app, "name", ""), names[i]) == 0) {
				found = app;
				break;
			}
		}
		if (!found) {
			tally_add(t, WAIT_GONE, names[i], "");
			continue;
		}
		const char *st = cli_json_str(found, "state", "?");
		int kind = strcmp(st, "completed") == 0 ? WAIT_COMPLETED
		    : strcmp(st, "errored") == 0 ? WAIT_ERRORED
		    : strcmp(st, "stopped") == 0 ? WAIT_STOPPED : WAIT_RUNNING;
		const char *why = cli_json_str(found, "reason", "");
		if (kind == WAIT_ERRORED && *why && t->n[kind] < WAIT_NAMES_SHOWN)
			buf_printf(&t->why, "%s errored: %s\n", names[i], why);
		tally_add(t, kind, names[i], st);
	}
	return t->n[WAIT_RUNNING] == 0;
}

void cli_wait_tally_free(struct cli_wait_tally *t)
{
	for (int k = 0; k < WAIT_KINDS; k++)
		buf_free(&t->names[k]);
	buf_free(&t->why);
}

void cli_wait_summary(const struct cli_wait_tally *t, struct buf *out)
{
	int first = 1;
	for (int k = 0; k < WAIT_KINDS; k++) {
		if (!t->n[k])
			continue;
		buf_printf(out, "%s%d %s", first ? "" : ", ", t->n[k], kind_names[k]);
		if (k != WAIT_COMPLETED)
			buf_printf(out, " (%s)", t->names[k].p);
		first = 0;
	}
	if (first)
		buf_puts(out, "no apps");
}

static int wait_opt_cb(struct cli_args *a, int i, void *ctx)
{
	long long *timeout = ctx;
	const char *v, *why;
	if (strncmp(a->argv[i], "--timeout", 9) != 0 || (a->argv[i][9] && a->argv[i][9] != '='))
		return 0;
	int used = cli_opt_value(a, i, "--timeout", &v);
	if (used < 0)
		return -1;
	if (units_parse_duration_ms(v, timeout, &why) < 0) {
		cli_usage_error(a, "wait: --timeout '%s': %s", v, why);
		return -1;
	}
	return used;
}

/* The names of the apps in arr (a malloc'd array of malloc'd strings). */
static char **names_of(const cJSON *arr, int *n)
{
	const cJSON *app;
	char **names = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *names);
	*n = 0;
	cJSON_ArrayForEach(app, arr)
		names[(*n)++] = xstrdup(cli_json_str(app, "name", "?"));
	return names;
}

static void names_free(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Prints the one-line summary; frees t. */
static int wait_report(struct cli_wait_tally *t, int n, int timed_out, int64_t t0)
{
	struct buf out = { 0 };
	if (n == 0) {
		cli_wait_tally_free(t);
		return cli_error(CLI_FAIL, "wait: no apps to wait for");
	}
	char took[32];
	int64_t ms = clock_mono_ms() - t0;
	if (ms < 60000)
		snprintf(took, sizeof took, "%.1fs", (double)ms / 1000);
	else
		units_format_duration(ms, took, sizeof took);
	buf_puts(&out, "wait: ");
	if (timed_out)
		buf_printf(&out, "timed out after %s: ", took);
	cli_wait_summary(t, &out);
	if (!timed_out)
		buf_printf(&out, " (%s)", took);
	int all = t->n[WAIT_COMPLETED] == n;
	printf("%s\n%s", out.p, t->why.len ? t->why.p : "");
	buf_free(&out);
	cli_wait_tally_free(t);
	if (timed_out)
		return cli_error(CLI_FAIL, "wait: timed out with apps still running");
	if (!all)
		return cli_error(CLI_FAIL, "wait: not every app completed");
	return CLI_OK;
}

/* The names the selector resolves to (the daemon resolves it). */
static int wait_select(const char *target, char ***names, int *n)
{
	cJSON *reply;
	const cJSON *apps;
	int rc = cli_call_apps(target, &reply, &apps);
	if (rc != CLI_OK)
		return rc;
	*names = names_of(apps, n);
	cJSON_Delete(reply);
	return CLI_OK;
}

/* The daemon's wait command. Returns CLI_OK with *t filled (and *timed_out),
 * -1 when the daemon does not know the command, or an exit code. */
static int wait_daemon(const char *target, long long timeout, struct cli_wait_tally *t,
    int *timed_out, int *n)
{
	cJSON *req = cli_req("wait"), *reply;
	if (target && strcmp(target, "all") != 0)
		cJSON_AddStringToObject(req, "target", target);
	/* The protocol reads 0 as "no limit"; --timeout 0 means "check now". */
	if (timeout >= 0)
		cJSON_AddNumberToObject(req, "timeout_ms", timeout > 0 ? (double)timeout : 1);
	/* the daemon answers at the timeout: a silent one past it is stuck */
	int bound = timeout < 0 ? CLI_WAIT_LIVE
	    : timeout > INT_MAX - WAIT_MARGIN_MS ? INT_MAX : (int)timeout + WAIT_MARGIN_MS;
	int rc = cli_call(req, CLI_RQ_RAW, bound, &reply);
	if (rc != CLI_OK)
		return rc;
	const cJSON *apps = cJSON_GetObjectItemCaseSensitive(reply, "apps");
	int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"));
	if (!ok && !cJSON_GetObjectItemCaseSensitive(reply, "completed")) {
		const char *e = cli_json_str(reply, "error", "wait refused");
		if (strstr(e, "unknown cmd") || strstr(e, "unknown command")) {
			cJSON_Delete(reply);
			return -1;
		}
		rc = cli_error(CLI_FAIL, "wait: %s", e);
		cJSON_Delete(reply);
		return rc;
	}
	*timed_out = !ok;
	char **names = names_of(apps, n);
	cli_wait_tally(apps, names, *n, t);
	names_free(names, *n);
	cJSON_Delete(reply);
	return CLI_OK;
}

int cli_cmd_wait(struct cli_args *a)
{
	long long timeout = -1;
	char *pos[1];
	int np = cli_split(a, pos, 1, wait_opt_cb, &timeout);
	if (np < 0)
		return CLI_USAGE;
	int64_t t0 = clock_mono_ms();
	char **names = NULL;
	int n = 0, timed_out = 0;
	struct cli_wait_tally t;
	int rc = wait_daemon(np ? pos[0] : NULL, timeout, &t, &timed_out, &n);
	if (rc == CLI_OK)
		return wait_report(&t, n, timed_out, t0);
	if (rc > 0)
		return rc;
	rc = wait_select(np ? pos[0] : NULL, &names, &n);
	if (rc != CLI_OK)
		return rc;
	long pause_ms = 50;
	for (;;) {
		cJSON *reply;
		rc = cli_call(cli_req("list"), 0, 10000, &reply);
		if (rc != CLI_OK)
			break;
		int done = cli_wait_tally(cJSON_GetObjectItemCaseSensitive(reply, "apps"), names, n, &t);
		cJSON_Delete(reply);
		if (done)
			break;
		int64_t now = clock_mono_ms();
		if (timeout >= 0 && now - t0 >= timeout) {
			timed_out = 1;
			break;
		}
		cli_wait_tally_free(&t);
		long long nap = pause_ms;
		if (timeout >= 0 && t0 + timeout - now < nap)
			nap = t0 + timeout - now;
		struct timespec ts = { nap / 1000, (nap % 1000) * 1000000 };
		nanosleep(&ts, NULL);
		if (pause_ms < 500)
			pause_ms = pause_ms * 3 / 2;
	}
	names_free(names, n);
	if (rc != CLI_OK)
		return rc;
	return wait_report(&t, n, timed_out, t0);
}
