/* `psup status` and `psup jlist`: one list request, the table (or the JSON
 * array) built in memory, one write. */
#include "cli_status.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "cli_client.h"
#include "cli_inspect.h"
#include "jsonraw.h"
#include "xalloc.h"

enum { C_ID, C_NAME, C_PID, C_STATE, C_UPTIME, C_RESTARTS, C_CPU, C_MEM,
	C_BAR, C_COUNT, C_FAILED, C_RATE, C_ETA, N_COLS };

static const char *const heads[N_COLS] = {
	"id", "name", "pid", "state", "uptime", "↺", "cpu", "mem",
	"progress", "done/total", "failed", "rate", "eta",
};

#define BAR_CELLS 10
#define CELL_MAX 128

struct row {
	char cell[N_COLS][CELL_MAX];
	char bar[BAR_CELLS * 3 + 16]; /* UTF-8 bar + percentage, built apart */
	double frac;                  /* < 0: no bar */
	const char *state;            /* for colour; may be "" */
	int summary;
};

/* The members of an app object the table needs, read in one pass over the
 * object (100 apps x 10 lookups by name would cost more than the rest). */
struct app_view {
	const cJSON *obj;
	const char *name, *group, *state;
	double id, pid, uptime_ms, restarts, cpu, memory;
};

static void view_fill(struct app_view *v, const cJSON *app)
{
	static const struct { const char *key; size_t off; } strs[] = {
		{ "name", offsetof(struct app_view, name) },
		{ "group", offsetof(struct app_view, group) },
		{ "state", offsetof(struct app_view, state) },
	}, nums[] = {
		{ "id", offsetof(struct app_view, id) },
		{ "pid", offsetof(struct app_view, pid) },
		{ "uptime_ms", offsetof(struct app_view, uptime_ms) },
		{ "restarts", offsetof(struct app_view, restarts) },
		{ "cpu", offsetof(struct app_view, cpu) },
		{ "memory", offsetof(struct app_view, memory) },
	};
	memset(v, 0, sizeof *v);
	v->obj = app;
	v->name = v->state = "?";
	for (const cJSON *c = app ? app->child : NULL; c; c = c->next) {
		if (!c->string)
			continue;
		if (cJSON_IsString(c)) {
			for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
				if (strcmp(c->string, strs[i].key) == 0)
					*(const char **)((char *)v + strs[i].off) = c->valuestring;
		} else if (cJSON_IsNumber(c)) {
			for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
				if (strcmp(c->string, nums[i].key) == 0)
					*(double *)((char *)v + nums[i].off) = c->valuedouble;
		}
	}
}

const char *cli_app_why(const cJSON *app)
{
	const char *reason = cli_json_str(app, "reason", "");
	if (*reason)
		return reason;
	const char *state = cli_json_str(app, "state", "");
	if (strcmp(state, "online") != 0 && strcmp(state, "launching") != 0)
		return "";
	return cli_json_str(cJSON_GetObjectItemCaseSensitive(app, "progress"), "note", "");
}

int cli_progress_get(const cJSON *app, struct cli_progress *p)
{
	memset(p, 0, sizeof *p);
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(app, "progress");
	if (!cJSON_IsObject(pr))
		return 0;
	p->done = cli_json_num(pr, "done", 0);
	p->failed = cli_json_num(pr, "failed", 0);
	p->have_total = cli_json_has(pr, "total");
	p->total = cli_json_num(pr, "total", 0);
	p->have_rate = cli_json_has(pr, "rate");
	p->rate = cli_json_num(pr, "rate", 0);
	p->have_eta = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(pr, "eta_s"));
	p->eta_s = cli_json_num(pr, "eta_s", 0);
	const cJSON *job = cJSON_GetObjectItemCaseSensitive(pr, "job");
	p->job = cJSON_IsString(job) && job->valuestring[0] ? job->valuestring : NULL;
	return 1;
}

static void fmt_rate(double r, char *buf, size_t n)
{
	if (r >= 100)
		snprintf(buf, n, "%.0f/s", r);
	else
		snprintf(buf, n, "%.1f/s", r);
}

void cli_progress_cells(const struct cli_progress *p, char *count, size_t ncount,
    char *rate, size_t nrate, char *eta, size_t neta)
{
	if (p->have_total)
		snprintf(count, ncount, "%.0f/%.0f", p->done, p->total);
	else
		snprintf(count, ncount, "%.0f", p->done);
	if (p->have_rate)
		fmt_rate(p->rate, rate, nrate);
	else
		snprintf(rate, nrate, "%s", "");
	if (p->have_total && p->done >= p->total)
		snprintf(eta, neta, "%s", "done");
	else if (p->have_eta)
		units_format_duration((long long)(p->eta_s * 1000), eta, neta);
	else
		snprintf(eta, neta, "%s", "");
}

static void row_progress(struct row *r, const struct cli_progress *p)
{
	cli_progress_cells(p, r->cell[C_COUNT], CELL_MAX, r->cell[C_RATE], CELL_MAX,
	    r->cell[C_ETA], CELL_MAX);
	snprintf(r->cell[C_FAILED], CELL_MAX, "%.0f", p->failed);
	r->frac = p->have_total && p->total > 0 ? p->done / p->total : -1;
	if (p->have_total && p->total == 0)
		r->frac = 1;
}

/* The progress cell: a bar and the percentage, or (bar 0) the percentage
 * alone. */
static void row_bar(struct row *r, int bar)
{
	struct buf b = { 0 };
	if (r->frac >= 0) {
		if (bar) {
			cli_fmt_bar(&b, r->frac, BAR_CELLS);
			buf_puts(&b, " ");
		}
		buf_printf(&b, "%3.0f%%", floor(r->frac * 100));
	}
	snprintf(r->cell[C_BAR], CELL_MAX, "%s", b.p ? b.p : "");
	buf_free(&b);
}

static void row_app(struct row *r, const struct app_view *v)
{
	memset(r, 0, sizeof *r);
	r->frac = -1;
	snprintf(r->cell[C_ID], CELL_MAX, "%lld", (long long)v->id);
	cli_cell_copy(r->cell[C_NAME], CELL_MAX, v->name, CLI_CELL_COLS);
	snprintf(r->cell[C_PID], CELL_MAX, "%lld", (long long)v->pid);
	r->state = v->state;
	snprintf(r->cell[C_STATE], CELL_MAX, "%s", r->state);
	if (v->pid > 0)
		units_format_duration((long long)v->uptime_ms, r->cell[C_UPTIME], CELL_MAX);
	else
		snprintf(r->cell[C_UPTIME], CELL_MAX, "0");
	snprintf(r->cell[C_RESTARTS], CELL_MAX, "%lld", (long long)v->restarts);
	snprintf(r->cell[C_CPU], CELL_MAX, v->cpu < 10 ? "%.1f%%" : "%.0f%%", v->cpu);
	units_format_size((long long)v->memory, r->cell[C_MEM], CELL_MAX);
	struct cli_progress p;
	if (cli_progress_get(v->obj, &p))
		row_progress(r, &p);
}

/* The summed row of an instances group: members are the apps whose group is
 * group. */
static void row_group(struct row *r, const struct app_view *views, int n_views, const char *group)
{
	/* States from the most to the least pressing, for a mixed group. */
	static const char *const order[] = { "errored", "waiting", "launching", "stopping",
		"online", "stopped", "completed" };
	int n = 0, nprog = 0, counts[7] = { 0 }, all_total = 1, all_eta = 1, any_rate = 0;
	double restarts = 0, cpu = 0, mem = 0;
	/* Members that report on one shared job (chunk workers over one queue)
	 * each carry the whole job's numbers: the group shows the most advanced
	 * report, not the sum. Members with their own work are added up. */
	struct cli_progress sum = { 0 }, most = { 0 };
	const char *first = NULL, *job = NULL;
	int same = 1, one_job = 1;

	memset(r, 0, sizeof *r);
	r->summary = 1;
	r->frac = -1;
	for (int k = 0; k < n_views; k++) {
		const struct app_view *v = &views[k];
		if (!v->group || strcmp(v->group, group) != 0)
			continue;
		const char *st = v->state;
		n++;
		if (!first)
			first = st;
		else if (strcmp(first, st) != 0)
			same = 0;
		for (int i = 0; i < 7; i++)
			if (strcmp(st, order[i]) == 0)
				counts[i]++;
		restarts += v->restarts;
		cpu += v->cpu;
		mem += v->memory;
		struct cli_progress p;
		if (cli_progress_get(v->obj, &p)) {
			if (!p.job || (job && strcmp(job, p.job) != 0))
				one_job = 0;
			job = p.job;
			if (nprog == 0 || p.done + p.failed > most.done + most.failed ||
			    (p.done + p.failed == most.done + most.failed && p.rate > most.rate))
				most = p;
			nprog++;
			sum.done += p.done;
			sum.failed += p.failed;
			sum.total += p.total;
			sum.rate += p.rate;
			any_rate |= p.have_rate;
			all_total &= p.have_total;
			all_eta &= p.have_eta || (p.have_total && p.done >= p.total);
		}
	}
	snprintf(r->cell[C_NAME], CELL_MAX, "%s (%d)", group, n);
	if (same && first) {
		r->state = first;
		snprintf(r->cell[C_STATE], CELL_MAX, "%s", first);
	} else {
		/* Mixed: the most pressing state present, as "k/n state". */
		int best = 0;
		while (best < 6 && counts[best] == 0)
			best++;
		r->state = order[best];
		snprintf(r->cell[C_STATE], CELL_MAX, "%d/%d %s", counts[best], n, order[best]);
	}
	snprintf(r->cell[C_RESTARTS], CELL_MAX, "%.0f", restarts);
	snprintf(r->cell[C_CPU], CELL_MAX, cpu < 10 ? "%.1f%%" : "%.0f%%", cpu);
	units_format_size((long long)mem, r->cell[C_MEM], CELL_MAX);
	if (nprog && one_job) {
		row_progress(r, &most);
	} else if (nprog) {
		sum.have_total = all_total;
		sum.have_rate = any_rate;
		if (all_total && sum.rate > 0 && all_eta) {
			sum.have_eta = 1;
			sum.eta_s = (sum.total - sum.done) / sum.rate;
		}
		row_progress(r, &sum);
	}
}

static int cmp_by_group(const void *x, const void *y)
{
	const struct app_view *a = *(const struct app_view *const *)x;
	const struct app_view *b = *(const struct app_view *const *)y;
	int c = !a->group || !b->group ? (a->group != NULL) - (b->group != NULL) :
	    strcmp(a->group, b->group);
	return c ? c : (a > b) - (a < b);
}

/* Where each group's summed row goes: after its last member, for groups of
 * more than one app. Sets after[i] to 1 for each view i that is such a last
 * member and returns how many there are. One sort by group, not a pass
 * over every view for each (a group of 1,000 instances). */
static int group_rows_after(const struct app_view *views, int n, char *after)
{
	const struct app_view **by = xcalloc((size_t)(n ? n : 1), sizeof *by);
	int rows = 0;
	for (int i = 0; i < n; i++)
		by[i] = &views[i];
	qsort(by, (size_t)n, sizeof *by, cmp_by_group);
	for (int a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && by[a]->group && by[b]->group &&
		    strcmp(by[a]->group, by[b]->group) == 0; b++)
			;
		const struct app_view *last = by[b - 1];
		if (b - a > 1 && last->group && strcmp(last->group, last->name) != 0) {
			after[last - views] = 1;
			rows++;
		}
	}
	free(by);
	return rows;
}

/* The columns shown, in order. */
struct cols {
	int c[N_COLS];
	int n;
};

static void rule(struct buf *o, const size_t *w, const struct cols *cs, const char *l,
    const char *m, const char *r)
{
	buf_puts(o, l);
	for (int k = 0; k < cs->n; k++) {
		cli_buf_repeat(o, "─", w[cs->c[k]] + 2);
		buf_puts(o, k + 1 < cs->n ? m : r);
	}
	buf_puts(o, "\n");
}

static void line(struct buf *o, const struct row *r, const char *const *cells,
    const size_t *w, const struct cols *cs, int color, int head)
{
	for (int k = 0; k < cs->n; k++) {
		int c = cs->c[k];
		buf_puts(o, "│ ");
		const char *on = "";
		if (color && head)
			on = CLI_C_BOLD CLI_C_CYAN;
		else if (color && c == C_STATE && r && r->state)
			on = cli_state_color(r->state);
		else if (color && r && r->summary && c == C_NAME)
			on = CLI_C_BOLD;
		else if (color && c == C_BAR && r && r->frac >= 0)
			on = r->frac >= 1 ? CLI_C_GREEN : CLI_C_CYAN;
		if (*on) {
			buf_puts(o, on);
			buf_puts(o, cells[c]);
			buf_puts(o, CLI_C_RESET);
			size_t cw = cli_width(cells[c]);
			cli_buf_pad(o, "", w[c] > cw ? w[c] - cw : 0);
		} else {
			cli_buf_pad(o, cells[c], w[c]);
		}
		buf_puts(o, " ");
	}
	buf_puts(o, "│\n");
}

/* What goes from a table too wide for the terminal, the first first:
 * columns, and (BAR_OFF) the progress bar, its percentage staying. Name,
 * state and the percentage always stay. */
#define BAR_OFF (-1)
static const int drop_order[] = { C_PID, C_UPTIME, C_RATE, C_RESTARTS, C_CPU, C_MEM, C_ID,
	BAR_OFF, C_COUNT, C_ETA, C_FAILED };

/* The table's width in terminal columns: each column is "│ cell " and
 * the last "│". */
static size_t table_width(const size_t *w, const struct cols *cs)
{
	size_t t = 1;
	for (int k = 0; k < cs->n; k++)
		t += w[cs->c[k]] + 3;
	return t;
}

static size_t column_width(const struct row *rows, int nrows, int c)
{
	size_t w = cli_width(heads[c]);
	for (int i = 0; i < nrows; i++) {
		size_t cw = cli_width(rows[i].cell[c]);
		if (cw > w)
			w = cw;
	}
	return w;
}

/* Sets each row's progress cell, each column's width (w), and the first
 * ncols columns less what goes until the table is at most width wide
 * (0: no limit). */
static void columns_fit(struct row *rows, int nrows, int ncols, int width, size_t *w,
    struct cols *cs)
{
	int out[N_COLS] = { 0 };
	for (int i = 0; i < nrows; i++)
		row_bar(&rows[i], 1);
	for (int c = 0; c < ncols; c++)
		w[c] = column_width(rows, nrows, c);
	for (size_t d = 0;; d++) {
		cs->n = 0;
		for (int c = 0; c < ncols; c++)
			if (!out[c])
				cs->c[cs->n++] = c;
		if (!width || table_width(w, cs) <= (size_t)width ||
		    d == sizeof drop_order / sizeof *drop_order)
			return;
		if (drop_order[d] >= ncols)
			continue;
		if (drop_order[d] != BAR_OFF) {
			out[drop_order[d]] = 1;
			continue;
		}
		for (int i = 0; i < nrows; i++)
			row_bar(&rows[i], 0);
		w[C_BAR] = column_width(rows, nrows, C_BAR);
	}
}

int cli_status_width(void)
{
	struct winsize ws;
	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		return 0;
	return ws.ws_col;
}

void cli_status_format(const cJSON *apps, int color, int width, struct buf *out)
{
	int napps = cJSON_GetArraySize(apps), nrows = 0, progress = 0;
	if (napps == 0) {
		buf_puts(out, "No apps. Start some with: psup start ecosystem.yaml\n");
		return;
	}
	struct app_view *views = xcalloc((size_t)napps, sizeof *views);
	const cJSON *app;
	int nv = 0, ngroups = 0;
	cJSON_ArrayForEach(app, apps)
		view_fill(&views[nv++], app);
	char *after = xcalloc((size_t)napps, 1);
	ngroups = group_rows_after(views, nv, after);
	struct row *rows = xmalloc((size_t)(nv + ngroups) * sizeof *rows);
	for (int i = 0; i < nv; i++) {
		row_app(&rows[nrows], &views[i]);
		if (rows[nrows].frac >= 0 || rows[nrows].cell[C_COUNT][0])
			progress = 1;
		nrows++;
		if (after[i]) {
			row_group(&rows[nrows], views, nv, views[i].group);
			nrows++;
		}
	}
	free(after);
	size_t w[N_COLS];
	struct cols cs;
	columns_fit(rows, nrows, progress ? N_COLS : C_BAR, width, w, &cs);
	rule(out, w, &cs, "┌", "┬", "┐");
	line(out, NULL, heads, w, &cs, color, 1);
	rule(out, w, &cs, "├", "┼", "┤");
	for (int i = 0; i < nrows; i++) {
		const char *cells[N_COLS];
		for (int c = 0; c < N_COLS; c++)
			cells[c] = rows[i].cell[c];
		line(out, &rows[i], cells, w, &cs, color, 0);
	}
	rule(out, w, &cs, "└", "┴", "┘");
	free(rows);

	/* Why an app is errored or waiting, or what a running one says it
	 * waits for (its progress note): one line each under the table. */
	for (int i = 0; i < nv; i++) {
		const struct app_view *v = &views[i];
		const char *why = cli_app_why(v->obj);
		if (!*why)
			continue;
		buf_printf(out, "%s %s%s%s: %s\n", v->name, color ? cli_state_color(v->state) : "",
		    v->state, color ? CLI_C_RESET : "", why);
	}
	free(views);
}

/* ls --sort FIELD[:asc|desc], pm2's: the fields and the app members they
 * sort by. */
static const struct { const char *field, *key; int num; } sorts[] = {
	{ "name", "name", 0 }, { "id", "id", 1 }, { "cpu", "cpu", 1 },
	{ "mem", "memory", 1 }, { "memory", "memory", 1 }, { "uptime", "uptime_ms", 1 },
	{ "restarts", "restarts", 1 }, { "pid", "pid", 1 },
};

struct sort_by {
	const char *key;
	int num, desc;
};

static struct sort_by sort_by_now;

static int sort_cmp(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
	const struct sort_by *s = &sort_by_now;
	int r;
	if (s->num) {
		double p = cli_json_num(a, s->key, 0), q = cli_json_num(b, s->key, 0);
		r = p < q ? -1 : p > q;
	} else {
		r = strcmp(cli_json_str(a, s->key, ""), cli_json_str(b, s->key, ""));
	}
	if (r == 0)   /* ties in id order */
		r = cli_json_num(a, "id", 0) < cli_json_num(b, "id", 0) ? -1 : 1;
	return s->desc ? -r : r;
}

/* Reorders the array apps by spec ("cpu", "name:desc"). -1 for an unknown
 * field. */
static int apps_sort(cJSON *apps, const char *spec)
{
	size_t fl = strcspn(spec, ":");
	const char *dir = spec[fl] == ':' ? spec + fl + 1 : "asc";
	size_t i;
	for (i = 0; i < sizeof sorts / sizeof *sorts; i++)
		if (strlen(sorts[i].field) == fl && strncmp(sorts[i].field, spec, fl) == 0)
			break;
	if (i == sizeof sorts / sizeof *sorts || (strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0))
		return -1;
	sort_by_now = (struct sort_by){ sorts[i].key, sorts[i].num, strcmp(dir, "desc") == 0 };
	int n = cJSON_GetArraySize(apps);
	cJSON **v = xcalloc((size_t)(n ? n : 1), sizeof *v);
	for (int k = 0; k < n; k++)
		v[k] = cJSON_DetachItemFromArray(apps, 0);
	qsort(v, (size_t)n, sizeof *v, sort_cmp);
	for (int k = 0; k < n; k++)
		cJSON_AddItemToArray(apps, v[k]);
	free(v);
	return 0;
}

/* ls -m: pm2's mini list, "key : value" lines per app, for reading
 * without a table (grep -A). apps are describe's app objects (their config
 * holds the namespace, watch and pid_file). */
static void mini_format(const cJSON *apps, struct buf *out)
{
	const cJSON *app;
	cJSON_ArrayForEach(app, apps) {
		const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(app, "config");
		const cJSON *logs = cJSON_GetObjectItemCaseSensitive(app, "log_files");
		const char *state = cli_json_str(app, "state", "?");
		char up[32] = "0", mem[32];
		if (strcmp(state, "online") == 0)
			units_format_duration((long long)cli_json_num(app, "uptime_ms", 0), up, sizeof up);
		units_format_size((long long)cli_json_num(app, "memory", 0), mem, sizeof mem);
		const cJSON *watch = cJSON_GetObjectItemCaseSensitive(cfg, "watch");
		buf_printf(out, "+--- %s\n", cli_json_str(app, "name", "?"));
		buf_printf(out, "namespace : %s\n", cli_json_str(cfg, "namespace", "default"));
		buf_printf(out, "pid : %.0f\n", cli_json_num(app, "pid", 0));
		buf_printf(out, "psup id : %.0f\n", cli_json_num(app, "id", 0));
		buf_printf(out, "status : %s\n", state);
		buf_printf(out, "mode : fork\n");
		buf_printf(out, "restarted : %.0f\n", cli_json_num(app, "restarts", 0));
		buf_printf(out, "uptime : %s\n", up);
		buf_printf(out, "memory usage : %s\n", mem);
		struct cli_progress p;
		if (cli_progress_get(app, &p)) {
			char count[64], rate[32], eta[32];
			cli_progress_cells(&p, count, sizeof count, rate, sizeof rate, eta, sizeof eta);
			buf_printf(out, "progress : %s, %.0f failed%s%s%s%s\n", count, p.failed,
			    *rate ? ", " : "", rate, *eta ? ", eta " : "", eta);
		}
		buf_printf(out, "out log : %s\n", cli_json_str(logs, "out", "none"));
		buf_printf(out, "error log : %s\n", cli_json_str(logs, "error", "none"));
		buf_printf(out, "watching : %s\n", cJSON_GetArraySize(watch) > 0 ? "yes" : "no");
		buf_printf(out, "PID file : %s\n\n", cli_json_str(cfg, "pid_file", "none"));
	}
}

struct list_opts {
	const char *sort;
	int mini;
};

static int list_opt_cb(struct cli_args *a, int i, void *ctx)
{
	struct list_opts *o = ctx;
	const char *w = a->argv[i];
	if (strcmp(w, "-m") == 0 || strcmp(w, "--mini-list") == 0) {
		o->mini = 1;
		return 1;
	}
	if (strncmp(w, "--sort", 6) != 0 || (w[6] && w[6] != '='))
		return 0;
	return cli_opt_value(a, i, "--sort", &o->sort);
}

/* prettylist: pm2's own list, laid out as pm2 prints it (node's
 * util.inspect): each app's pid, name, pm2_env, pm_id and monit, so that
 * scripts grepping `pm2 prettylist` for `status: 'online'` count each app
 * once (psup's own keys, `state` among them, are in jlist). The keys are
 * moved out of apps. */
static void pretty(cJSON *apps, struct buf *out)
{
	static const char *const keys[] = { "pid", "name", "pm2_env", "pm_id", "monit" };
	cJSON *list = cJSON_CreateArray();
	cJSON *a;
	cJSON_ArrayForEach(a, apps) {
		cJSON *o = cJSON_CreateObject();
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(a, keys[k]);
			if (v)
				cJSON_AddItemToObject(o, keys[k], v);
		}
		cJSON_AddItemToArray(list, o);
	}
	cli_inspect(list, out);
	buf_puts(out, "\n");
	cJSON_Delete(list);
}

/* jlist and prettylist: the apps with pm2's keys too, for scripts written
 * for pm2's jlist. jlist prints the daemon's apps array as it came, not
 * parsed and printed again (for a thousand apps, that was most of the
 * command's time). */
static int list_json(int indent)
{
	char *line;
	size_t n;
	cJSON *req = cli_req("list");
	cJSON_AddBoolToObject(req, "pm2", 1);
	int rc = cli_call_raw(req, 10000, &line, &n);
	if (rc != CLI_OK)
		return rc;
	struct jsonraw reply = { line, n }, ok, apps;
	struct buf out = { 0 };
	cJSON *parsed = NULL;
	if (jsonraw_member(reply, "ok", 2, &ok) != 1 || ok.n != 4 || memcmp(ok.p, "true", 4) != 0) {
		cJSON *j = cJSON_ParseWithLength(line, n);
		rc = cli_error(CLI_FAIL, "%s", cli_json_str(j, "error", "the daemon refused the request"));
		cJSON_Delete(j);
	} else if (jsonraw_member(reply, "apps", 4, &apps) != 1 || apps.p[0] != '[' ||
	    (indent && !(parsed = cJSON_ParseWithLength(apps.p, apps.n)))) {
		rc = cli_error(CLI_DAEMON, "malformed list reply from the daemon (no apps array)");
	} else if (indent) {
		pretty(parsed, &out);
		rc = cli_print(&out, NULL);
	} else {
		/* moved to the front of the reply's own buffer (a megabyte for a
		 * thousand apps: no second copy); the reply, an object around the
		 * array, has room for the newline and the NUL */
		memmove(line, apps.p, apps.n);
		line[apps.n] = '\n';
		line[apps.n + 1] = '\0';
		out = (struct buf){ line, apps.n + 1, n + 1 };
		line = NULL;
		rc = cli_print(&out, NULL);
	}
	cJSON_Delete(parsed);
	free(line);
	return rc;
}

/* status (ls --sort FIELD, ls -m): the table, or pm2's mini list. */
static int list_show(struct cli_args *a)
{
	cJSON *reply;
	const cJSON *apps;
	struct list_opts o = { 0 };
	if (cli_split(a, NULL, 0, list_opt_cb, &o) < 0)
		return CLI_USAGE;
	int rc = o.mini ? cli_call_described("all", &reply, &apps) : cli_call_apps(NULL, &reply, &apps);
	if (rc != CLI_OK)
		return rc;
	if (o.sort && apps_sort((cJSON *)apps, o.sort) < 0) {
		cJSON_Delete(reply);
		return cli_usage_error(a, "status: cannot sort by '%s' (name, id, cpu, mem, uptime, "
		    "restarts or pid, then :asc or :desc)", o.sort);
	}
	struct buf out = { 0 };
	if (o.mini)
		mini_format(apps, &out);
	else
		cli_status_format(apps, cli_use_color(stdout), cli_status_width(), &out);
	cJSON_Delete(reply);
	return cli_print(&out, "the table");
}

int cli_cmd_status(struct cli_args *a)
{
	return list_show(a);
}

int cli_cmd_jlist(struct cli_args *a)
{
	if (cli_split(a, NULL, 0, NULL, NULL) < 0)
		return CLI_USAGE;
	return list_json(strcmp(a->cmd, "prettylist") == 0);
}
