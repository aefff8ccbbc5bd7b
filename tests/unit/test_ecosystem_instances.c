/* Instance expansion, one table of apps expanded one after another into
 * the same list: names (NAME-1..NAME-N only when there are several), group
 * and instance numbers, the origin of each, argv (interpreter and its args
 * first, {instance} substituted in the app's args), and log paths (default
 * under the log folder, patterns with {instance} against the app's cwd, a
 * file or all logs off); and the bound on the apps one file may make. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ecosystem_instances.h"
#include "tap.h"
#include "xalloc.h"

#define LOGS "/var/log/psup"

static const struct {
	const char *name;
	int instances;
	const char *interpreter;
	const char *iargs[3];
	const char *script;
	const char *args[4];
	const char *log_pat[3];          /* out, error, combined */
	int log_off[3];
	int disable_logs;
	int merge_logs;
	int check;                       /* the instance whose spec is checked */
	const char *want_name;
	const char *want_argv;           /* joined by spaces */
	const char *want_log[3];
} rows[] = {
	{ "web", 1, NULL, { NULL }, "/srv/web", { "--port", "80{instance}", NULL },
	  { NULL }, { 0 }, 0, 0, 1, "web", "/srv/web --port 801",
	  { LOGS "/web-out.log", LOGS "/web-error.log", LOGS "/web-combined.log" } },
	{ "chunk", 3, NULL, { NULL }, "/bin/w", { "--chunk", "{instance}", "of", NULL },
	  { NULL }, { 0 }, 0, 0, 2, "chunk-2", "/bin/w --chunk 2 of",
	  { LOGS "/chunk-2-out.log", LOGS "/chunk-2-error.log", LOGS "/chunk-2-combined.log" } },
	{ "js", 2, "/usr/bin/node", { "--max-old-space-size=64", NULL }, "/srv/a.js", { "x", NULL },
	  { NULL }, { 0 }, 0, 0, 1, "js-1", "/usr/bin/node --max-old-space-size=64 /srv/a.js x",
	  { LOGS "/js-1-out.log", LOGS "/js-1-error.log", LOGS "/js-1-combined.log" } },
	{ "bare", 1, NULL, { "--ignored", NULL }, "/bin/b", { NULL },
	  { NULL }, { 0 }, 0, 0, 1, "bare", "/bin/b",
	  { LOGS "/bare-out.log", LOGS "/bare-error.log", LOGS "/bare-combined.log" } },
	{ "pat", 2, NULL, { NULL }, "/bin/p", { NULL },
	  { "logs/{instance}/out.log", NULL, "/abs/../all-{instance}.log" }, { 0, 1, 0 }, 0, 0, 2, "pat-2",
	  "/bin/p", { "/srv/logs/2/out.log", NULL, "/all-2.log" } },
	{ "quiet", 2, NULL, { NULL }, "/bin/q", { NULL },
	  { "out.log", NULL, NULL }, { 0 }, 1, 0, 1, "quiet-1", "/bin/q", { NULL, NULL, NULL } },
	/* pm2: a path given for all instances becomes one per instance, FILE-<from 0>.log
	 * (a -N.log replaced), unless merge_logs; one not ending in .log is shared */
	{ "split", 3, NULL, { NULL }, "/bin/s", { NULL },
	  { "out.log", "logs/err-7.log", "all.txt" }, { 0 }, 0, 0, 2, "split-2", "/bin/s",
	  { "/srv/out-1.log", "/srv/logs/err-1.log", "/srv/all.txt" } },
	{ "merged", 3, NULL, { NULL }, "/bin/m", { NULL },
	  { "out.log", "-1.log", NULL }, { 0 }, 0, 1, 3, "merged-3", "/bin/m",
	  { "/srv/out.log", "/srv/-1.log", LOGS "/merged-3-combined.log" } },
	{ "one", 1, NULL, { NULL }, "/bin/o", { NULL },
	  { "out.log", NULL, NULL }, { 0 }, 0, 0, 1, "one", "/bin/o",
	  { "/srv/out.log", LOGS "/one-error.log", LOGS "/one-combined.log" } },
};

#define NROWS (sizeof rows / sizeof rows[0])

static char *joined(char **v)
{
	struct buf b = { 0 };
	for (size_t i = 0; v && v[i]; i++)
		buf_printf(&b, "%s%s", i ? " " : "", v[i]);
	return buf_take(&b, NULL);
}

static void app_from_row(struct eco_app *ra, size_t r)
{
	memset(ra, 0, sizeof *ra);
	spec_defaults(&ra->t);
	ra->t.name = xstrdup(rows[r].name);
	ra->t.cwd = xstrdup("/srv");
	/* read only by the expansion: the casts drop const for the struct's sake */
	ra->script = (char *)rows[r].script;
	ra->interpreter = (char *)rows[r].interpreter;
	ra->args = (char **)rows[r].args;
	ra->iargs = (char **)rows[r].iargs;
	for (int k = 0; k < 3; k++) {
		ra->log_pat[k] = (char *)rows[r].log_pat[k];
		ra->log_off[k] = rows[r].log_off[k];
	}
	ra->disable_logs = rows[r].disable_logs;
	ra->merge_logs = rows[r].merge_logs;
	ra->instances = rows[r].instances;
}

static void test_expand(struct eco_loader *L)
{
	struct app_spec *specs = NULL;
	int *origin = NULL, n = 0;
	for (size_t r = 0; r < NROWS; r++) {
		struct eco_app ra;
		app_from_row(&ra, r);
		int first = n;
		eco_instances_expand(L, &ra, "/srv/eco.yaml", &specs, &n, &origin, (int)r);
		spec_free(&ra.t);
		is_int(n - first, rows[r].instances, "%s: %d spec(s)", rows[r].name, rows[r].instances);
		if (n - first != rows[r].instances)
			continue;
		int from_row = 1, numbered = 1;
		for (int i = first; i < n; i++) {
			from_row &= origin[i] == (int)r && strcmp(specs[i].group, rows[r].name) == 0 &&
			    specs[i].instances == rows[r].instances &&
			    strcmp(specs[i].source, "/srv/eco.yaml") == 0 && strcmp(specs[i].cwd, "/srv") == 0;
			numbered &= specs[i].instance == i - first + 1;
		}
		ok(from_row, "%s: origin, group, instances, source and cwd of each", rows[r].name);
		ok(numbered, "%s: instances numbered from 1", rows[r].name);

		const struct app_spec *s = &specs[first + rows[r].check - 1];
		is_str(s->name, rows[r].want_name, "%s: named %s", rows[r].name, rows[r].want_name);
		char *argv = joined(s->argv);
		is_str(argv, rows[r].want_argv, "%s: argv", s->name);
		free(argv);
		is_str(s->out_file, rows[r].want_log[0], "%s: out log", s->name);
		is_str(s->err_file, rows[r].want_log[1], "%s: error log", s->name);
		is_str(s->combined_file, rows[r].want_log[2], "%s: combined log", s->name);
	}
	for (int i = 0; i < n; i++)
		spec_free(&specs[i]);
	free(specs);
	free(origin);
}

/* Past ECO_MAX_APPS the file is refused at its instances: value, or at
 * the app when instances was not given; the message names the limit. */
static void test_bound(struct eco_loader *L)
{
	struct ynode inst = { .kind = YNODE_SCALAR, .line = 7, .col = 16, .plain = 1 };
	struct ynode map = { .kind = YNODE_MAP, .line = 5, .col = 5 };
	static const struct {
		int already, instances, given;
		const char *err;
	} t[] = {
		{ ECO_MAX_APPS - 3, 4, 1, "eco.yaml:7:16: instances: 4 more would make 4097 apps in the "
		  "file, over psup's limit of 4096 apps per file (each instance counts)" },
		{ ECO_MAX_APPS, 1, 0, "eco.yaml:5:5: apps: app 4097 is over psup's limit of 4096 apps per "
		  "file (each instance counts)" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct eco_app ra;
		app_from_row(&ra, 0);
		ra.instances = t[i].instances;
		ra.map = &map;
		ra.val[ECO_ID_INSTANCES] = t[i].given ? &inst : NULL;
		struct app_spec *specs = NULL;
		int *origin = NULL, n = t[i].already;
		eco_instances_expand(L, &ra, NULL, &specs, &n, &origin, 0);
		ok(n == t[i].already && specs == NULL && origin == NULL, "bound %zu: nothing appended", i);
		is_int(L->cx.errs.n, 1, "bound %zu: one error", i);
		is_str(L->cx.errs.n ? L->cx.errs.v[0] : NULL, t[i].err, "bound %zu: the message", i);
		yerrs_free(&L->cx.errs);
		spec_free(&ra.t);
	}
	struct eco_app ra;
	app_from_row(&ra, 0);
	struct app_spec *specs = NULL;
	int *origin = NULL, n = ECO_MAX_APPS - 1;
	eco_instances_expand(L, &ra, NULL, &specs, &n, &origin, 0);
	ok(n == ECO_MAX_APPS && L->cx.errs.n == 0 && specs && specs[n - 1].source == NULL,
	    "up to the bound: appended, no error, no source");
	if (specs)
		spec_free(&specs[n - 1]);
	free(specs);
	free(origin);
	spec_free(&ra.t);
}

int main(void)
{
	struct eco_loader L = { .cx = { .file = "eco.yaml" }, .log_dir = (char *)LOGS };
	test_expand(&L);
	is_int(L.cx.errs.n, 0, "no errors from the table");
	test_bound(&L);
	ycx_free(&L.cx);
	return done_testing();
}
