/* `psup wait [NAME|all] [--timeout DUR]`: blocks until every selected app is
 * completed, errored or stopped; exit 0 only if all completed. The protocol
 * has no streaming wait, so it re-queries `list` with a bounded backoff
 * (50 ms growing to 500 ms): a job's end is seen within half a second, and
 * an idle wait costs the daemon two small requests a second. */
#include "cli_wait.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_client.h"
#include "clock.h"
#include "xalloc.h"

#define WAIT_NAMES_SHOWN 4

static const char *const kind_names[WAIT_KINDS] = {
	"completed", "errored", "stopped", "gone", "running",
};

static void tally_add(struct cli_wait_tally *t, int kind, const char *name, const char *state)
{
	struct cli_buf *b = &t->names[kind];
	if (t->n[kind] < WAIT_NAMES_SHOWN) {
		if (b->len)
			cli_buf_puts(b, ", ");
		cli_buf_puts(b, name);
		/* A running app says what it is doing. */
		if (kind == WAIT_RUNNING && strcmp(state, "online") != 0)
			cli_buf_printf(b, " %s", state);
	} else if (t->n[kind] == WAIT_NAMES_SHOWN) {
		cli_buf_puts(b, ", …");
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
		tally_add(t, kind, names[i], st);
	}
	return t->n[WAIT_RUNNING] == 0;
}

void cli_wait_tally_free(struct cli_wait_tally *t)
{
	for (int k = 0; k < WAIT_KINDS; k++)
		cli_buf_free(&t->names[k]);
}

void cli_wait_summary(const struct cli_wait_tally *t, struct cli_buf *out)
{
	int first = 1;
	for (int k = 0; k < WAIT_KINDS; k++) {
		if (!t->n[k])
			continue;
		cli_buf_printf(out, "%s%d %s", first ? "" : ", ", t->n[k], kind_names[k]);
		if (k != WAIT_COMPLETED)
			cli_buf_printf(out, " (%s)", t->names[k].p);
		first = 0;
	}
	if (first)
		cli_buf_puts(out, "no apps");
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
	if (cli_parse_duration(v, timeout, &why) < 0) {
		cli_usage_error(a, "wait: --timeout '%s': %s", v, why);
		return -1;
	}
	return used;
}

/* The names the selector resolves to (the daemon resolves it). */
static int wait_select(const char *target, char ***names, int *n)
{
	cJSON *req, *reply;
	if (target && strcmp(target, "all") != 0) {
		req = cli_req("describe");
		cJSON_AddStringToObject(req, "target", target);
	} else {
		req = cli_req("list");
	}
	int rc = cli_call(req, 0, 10000, &reply);
	if (rc != CLI_OK)
		return rc;
	const cJSON *apps = cJSON_GetObjectItemCaseSensitive(reply, "apps"), *app;
	*n = 0;
	*names = xcalloc((size_t)cJSON_GetArraySize(apps) + 1, sizeof **names);
	cJSON_ArrayForEach(app, apps)
		(*names)[(*n)++] = xstrdup(cli_json_str(app, "name", "?"));
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
	int n = 0;
	int rc = wait_select(np ? pos[0] : NULL, &names, &n);
	if (rc != CLI_OK)
		return rc;
	if (n == 0) {
		free(names);
		return cli_error(CLI_FAIL, "wait: no apps to wait for");
	}
	long pause_ms = 50;
	struct cli_wait_tally t;
	int timed_out = 0;
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
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc != CLI_OK)
		return rc;

	struct cli_buf out = { 0 };
	char took[32];
	cli_fmt_duration(clock_mono_ms() - t0, took, sizeof took);
	cli_buf_puts(&out, "wait: ");
	if (timed_out)
		cli_buf_printf(&out, "timed out after %s: ", took);
	cli_wait_summary(&t, &out);
	if (!timed_out)
		cli_buf_printf(&out, " (%s)", took);
	int all = t.n[WAIT_COMPLETED] == n;
	printf("%s\n", out.p);
	cli_buf_free(&out);
	cli_wait_tally_free(&t);
	if (timed_out)
		return cli_error(CLI_FAIL, "wait: timed out with apps still running");
	if (!all)
		return cli_error(CLI_FAIL, "wait: not every app completed");
	return CLI_OK;
}
