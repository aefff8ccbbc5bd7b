/* `psup describe NAME`: state, pid, uptime, restarts, last exits, logs,
 * progress and config (secrets already masked by the daemon) of each app the
 * selector names. */
#include "cli_describe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_client.h"
#include "cli_status.h"
#include "xalloc.h"

struct kv {
	char *k, *v;
	const char *color;
};

/* The rows of a box: struct kv records one after the other. */
struct kvs {
	struct buf rows;
};

/* Adds a row: k is copied, v (malloc'd) is taken; both are cut to a
 * table cell's width. */
static void kv_add(struct kvs *t, const char *k, const char *color, char *v)
{
	struct kv row = { cli_cell_take(xstrdup(k)), cli_cell_take(v), color };
	buf_add(&t->rows, &row, sizeof row);
}

/* A key/value box like pm2 show's. Frees the rows. */
static void kv_box(struct buf *o, struct kvs *t, int color)
{
	struct kv *e = (struct kv *)(void *)t->rows.p;
	size_t n = t->rows.len / sizeof *e, kw = 0, vw = 0;
	for (size_t i = 0; i < n; i++) {
		size_t a = cli_width(e[i].k), b = cli_width(e[i].v);
		kw = a > kw ? a : kw;
		vw = b > vw ? b : vw;
	}
	buf_puts(o, "┌");
	cli_buf_repeat(o, "─", kw + 2);
	buf_puts(o, "┬");
	cli_buf_repeat(o, "─", vw + 2);
	buf_puts(o, "┐\n");
	for (size_t i = 0; i < n; i++) {
		buf_puts(o, "│ ");
		if (color)
			buf_puts(o, CLI_C_BOLD);
		cli_buf_pad(o, e[i].k, kw);
		if (color)
			buf_puts(o, CLI_C_RESET);
		buf_puts(o, " │ ");
		const char *c = color && e[i].color ? e[i].color : "";
		buf_puts(o, c);
		buf_puts(o, e[i].v);
		if (*c)
			buf_puts(o, CLI_C_RESET);
		cli_buf_pad(o, "", vw - cli_width(e[i].v));
		buf_puts(o, " │\n");
		free(e[i].k);
		free(e[i].v);
	}
	buf_puts(o, "└");
	cli_buf_repeat(o, "─", kw + 2);
	buf_puts(o, "┴");
	cli_buf_repeat(o, "─", vw + 2);
	buf_puts(o, "┘\n");
	buf_free(&t->rows);
}

static char *fmt_time(double ms)
{
	if (ms <= 0)
		return xstrdup("-");
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[64];
	localtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
	return xstrdup(buf);
}

static char *fmt_dur(double ms)
{
	char buf[32];
	units_format_duration((long long)ms, buf, sizeof buf);
	return xstrdup(buf);
}

static char *fmt_size(double b)
{
	char buf[32];
	units_format_size((long long)b, buf, sizeof buf);
	return xstrdup(buf);
}

/* A JSON value as one line of text (strings bare, arrays joined by spaces,
 * objects as compact JSON). */
static char *fmt_value(const cJSON *v)
{
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		return d == floor(d) && fabs(d) < 1e15 ? xasprintf("%.0f", d) : xasprintf("%g", d);
	}
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNull(v))
		return xstrdup("-");
	if (cJSON_IsArray(v)) {
		struct buf b = { 0 };
		const cJSON *e;
		cJSON_ArrayForEach(e, v) {
			char *s = fmt_value(e);
			if (b.len)
				buf_puts(&b, " ");
			buf_puts(&b, s);
			free(s);
		}
		return b.p ? b.p : xstrdup("");
	}
	char *s = cJSON_PrintUnformatted(v);
	char *r = xstrdup(s ? s : "?");
	cJSON_free(s);
	return r;
}

static char *exit_text(double code, const cJSON *sig)
{
	if (cJSON_IsNumber(sig) && sig->valuedouble > 0) {
		const char *n = sigabbrev_np((int)sig->valuedouble);
		return xasprintf("signal %.0f (SIG%s)", sig->valuedouble, n ? n : "?");
	}
	return xasprintf("code %.0f", code);
}

static void describe_main(struct kvs *t, const cJSON *app)
{
	const char *state = cli_json_str(app, "state", "?");
	kv_add(t, "name", NULL, xstrdup(cli_json_str(app, "name", "?")));
	kv_add(t, "id", NULL, xasprintf("%.0f", cli_json_num(app, "id", 0)));
	const char *group = cli_json_str(app, "group", NULL);
	if (group && strcmp(group, cli_json_str(app, "name", "")) != 0)
		kv_add(t, "group", NULL, xasprintf("%s (instance %.0f)", group,
		    cli_json_num(app, "instance", 0)));
	kv_add(t, "state", cli_state_color(state), xstrdup(state));
	const char *reason = cli_json_str(app, "reason", "");
	if (*reason)
		kv_add(t, "reason", NULL, xstrdup(reason));
	double pid = cli_json_num(app, "pid", 0);
	kv_add(t, "pid", NULL, xasprintf("%.0f", pid));
	kv_add(t, "keeper pid", NULL, xasprintf("%.0f", cli_json_num(app, "keeper_pid", 0)));
	kv_add(t, "uptime", NULL, pid > 0 ? fmt_dur(cli_json_num(app, "uptime_ms", 0)) : xstrdup("0"));
	kv_add(t, "started at", NULL, fmt_time(cli_json_num(app, "started_at", 0)));
	kv_add(t, "restarts", NULL, xasprintf("%.0f (unstable %.0f)", cli_json_num(app, "restarts", 0),
	    cli_json_num(app, "unstable", 0)));
	if (cli_json_has(app, "exit_code") || cli_json_has(app, "exit_signal"))
		kv_add(t, "last exit", NULL, exit_text(cli_json_num(app, "exit_code", -1),
		    cJSON_GetObjectItemCaseSensitive(app, "exit_signal")));
	kv_add(t, "cpu (group)", NULL, xasprintf("%.1f%%", cli_json_num(app, "cpu", 0)));
	kv_add(t, "memory (group)", NULL, fmt_size(cli_json_num(app, "memory", 0)));
	if (cli_json_has(app, "processes_by"))
		kv_add(t, "processes found by", NULL, xstrdup(cli_json_str(app, "processes_by", "-")));
	if (*cli_json_str(app, "cgroup", ""))
		kv_add(t, "cgroup", NULL, xstrdup(cli_json_str(app, "cgroup", "")));
	if (*cli_json_str(app, "run_dir", ""))
		kv_add(t, "runtime files", NULL, xstrdup(cli_json_str(app, "run_dir", "")));
	if (cli_json_has(app, "source"))
		kv_add(t, "ecosystem file", NULL, xstrdup(cli_json_str(app, "source", "-")));
}

static void describe_progress(struct kvs *t, const cJSON *app)
{
	struct cli_progress p;
	if (!cli_progress_get(app, &p))
		return;
	char count[64], rate[32], eta[32];
	cli_progress_cells(&p, count, sizeof count, rate, sizeof rate, eta, sizeof eta);
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(app, "progress");
	struct buf b = { 0 };
	if (p.have_total && p.total > 0) {
		cli_fmt_bar(&b, p.done / p.total, 20);
		buf_printf(&b, " %.0f%% ", floor(p.done * 100 / p.total));
	}
	buf_puts(&b, count);
	kv_add(t, "progress", NULL, b.p);
	kv_add(t, "failed", NULL, xasprintf("%.0f", p.failed));
	if (cli_json_has(pr, "inflight"))
		kv_add(t, "in flight", NULL, xasprintf("%.0f", cli_json_num(pr, "inflight", 0)));
	if (*rate)
		kv_add(t, "rate", NULL, xstrdup(rate));
	if (*eta)
		kv_add(t, "eta", NULL, xstrdup(eta));
	if (cli_json_has(pr, "at"))
		kv_add(t, "reported at", NULL, fmt_time(cli_json_num(pr, "at", 0)));
}

/* Log paths, with their sizes when the daemon sent them: either
 * `log_sizes` {out,error,combined} or {path,size} objects in `log_files`;
 * then lost lines and the last write error, when there are any. */
static void describe_logs(struct kvs *t, const cJSON *app)
{
	static const char *const keys[] = { "out", "error", "combined" };
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(app, "log_files");
	const cJSON *sizes = cJSON_GetObjectItemCaseSensitive(app, "log_sizes");
	for (int i = 0; i < 3; i++) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(files, keys[i]);
		const char *path = NULL;
		double size = -1;
		if (cJSON_IsString(f)) {
			path = f->valuestring;
		} else if (cJSON_IsObject(f)) {
			path = cli_json_str(f, "path", NULL);
			size = cli_json_num(f, "size", -1);
		}
		if (cJSON_IsObject(sizes))
			size = cli_json_num(sizes, keys[i], size);
		char label[32];
		snprintf(label, sizeof label, "%s log", keys[i]);
		if (!path) {
			kv_add(t, label, NULL, xstrdup("-"));
			continue;
		}
		if (size >= 0) {
			char sz[32];
			units_format_size((long long)size, sz, sizeof sz);
			kv_add(t, label, NULL, xasprintf("%s (%s)", path, sz));
		} else {
			kv_add(t, label, NULL, xstrdup(path));
		}
	}
	/* lines a failed write cost (the log file says so too), and why */
	double lost = cli_json_num(app, "lines_dropped", 0);
	const char *why = cli_json_str(app, "log_error", "");
	if (lost > 0 || *why)
		kv_add(t, "log lines lost", lost > 0 ? CLI_C_RED : NULL, xasprintf("%.0f", lost));
	if (*why)
		kv_add(t, "log error", NULL, xstrdup(why));
}

static void describe_exits(struct buf *o, const cJSON *app, int color)
{
	const cJSON *exits = cJSON_GetObjectItemCaseSensitive(app, "exits");
	if (!cJSON_IsArray(exits) || cJSON_GetArraySize(exits) == 0)
		return;
	struct kvs t = { 0 };
	const cJSON *e;
	cJSON_ArrayForEach(e, exits) {
		double at = cli_json_num(e, "at", cli_json_num(e, "at_ms", 0));
		char *when = fmt_time(at);
		char *how = exit_text(cli_json_num(e, "code", -1),
		    cJSON_GetObjectItemCaseSensitive(e, "signal"));
		char rt[32];
		double ms = cli_json_num(e, "runtime_ms", 0);
		if (ms < 1000)
			snprintf(rt, sizeof rt, "%.0fms", ms);
		else
			units_format_duration((long long)ms, rt, sizeof rt);
		kv_add(&t, when, NULL, xasprintf("%s after %s", how, rt));
		free(when);
		free(how);
	}
	buf_puts(o, "Last exits (newest first):\n");
	kv_box(o, &t, color);
}

static void describe_config(struct buf *o, const cJSON *app, int color)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(app, "config");
	if (!cJSON_IsObject(cfg))
		return;
	struct kvs t = { 0 };
	const cJSON *e;
	cJSON_ArrayForEach(e, cfg) {
		if (!e->string)
			continue;
		if (strcmp(e->string, "env") == 0 && (cJSON_IsObject(e) || cJSON_IsArray(e))) {
			const cJSON *v;
			cJSON_ArrayForEach(v, e) {
				char *val = fmt_value(v);
				if (cJSON_IsObject(e))
					kv_add(&t, "env", NULL, xasprintf("%s=%s", v->string, val));
				else
					kv_add(&t, "env", NULL, xstrdup(val));
				free(val);
			}
			continue;
		}
		kv_add(&t, e->string, NULL, fmt_value(e));
	}
	if (!t.rows.len)
		return;
	buf_puts(o, "Config:\n");
	kv_box(o, &t, color);
}

void cli_describe_format(const cJSON *app, int color, struct buf *out)
{
	struct kvs t = { 0 };
	buf_printf(out, "Describing %s%s%s\n", color ? CLI_C_BOLD : "",
	    cli_json_str(app, "name", "?"), color ? CLI_C_RESET : "");
	describe_main(&t, app);
	describe_progress(&t, app);
	describe_logs(&t, app);
	kv_box(out, &t, color);
	describe_exits(out, app, color);
	describe_config(out, app, color);
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(app, "config"))) {
		buf_puts(out, "# As a process file (secret values masked):\n");
		cli_describe_yaml(app, out);
	}
}

int cli_cmd_describe(struct cli_args *a)
{
	const char *target;
	int rc = cli_one_app(a, &target);
	if (rc != CLI_OK)
		return rc;
	cJSON *req = cli_req("describe"), *reply;
	cJSON_AddStringToObject(req, "target", target);
	rc = cli_call(req, 0, 10000, &reply);
	if (rc != CLI_OK)
		return rc;
	const cJSON *apps = cJSON_GetObjectItemCaseSensitive(reply, "apps"), *app;
	if (!cJSON_IsArray(apps)) {
		cJSON_Delete(reply);
		return cli_error(CLI_DAEMON, "malformed describe reply from the daemon");
	}
	struct buf out = { 0 };
	int color = cli_use_color(stdout), first = 1;
	cJSON_ArrayForEach(app, apps) {
		if (!first)
			buf_puts(&out, "\n");
		first = 0;
		cli_describe_format(app, color, &out);
	}
	cJSON_Delete(reply);
	fflush(stdout);
	rc = cli_buf_write(&out, STDOUT_FILENO) < 0 ? CLI_FAIL : CLI_OK;
	buf_free(&out);
	return rc;
}
