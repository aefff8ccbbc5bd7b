/* Loads a YAML ecosystem file into resolved app specs, as a transaction:
 * every error is collected with its FILE:LINE:COL and key, and apps are
 * returned only when there was none. Driven by the options table in
 * ecosystem_options.c. Knows nothing of processes. */
#include "ecosystem.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecosystem_check.h"
#include "ecosystem_options.h"
#include "xalloc.h"
#include "yaml_file.h"
#include "yaml_get.h"
#include "yaml_text.h"
#include "yaml_tree.h"

/* Every app of one file after instance expansion: a bound that keeps a
 * hostile file (instances: 1024 on many apps) from exhausting memory. */
#define ECO_MAX_APPS 4096
#define ECO_NAME_MAX 64

struct raw_app {
	const struct ynode *map;
	const struct ynode *val[ECO_ID_COUNT];   /* value given for each option */
	const struct ynode *key[ECO_ID_COUNT];   /* and its key, for messages */
	int errors_before;                        /* error count when the app began */
	struct app_spec t;       /* template: plain fields, cwd, env, log settings */
	char *script, *interpreter;
	char **args, **iargs;
	char *log_pat[3];        /* out, error, combined: given path patterns */
	int log_off[3];          /* that file disabled */
	int disable_logs;
	int instances;
};

struct loader {
	struct ycx cx;
	char *dir;               /* absolute base for relative paths */
	char *log_dir;
	struct raw_app *apps;
	int n_apps;
};

static void raw_free(struct raw_app *ra)
{
	spec_free(&ra->t);
	free(ra->script);
	free(ra->interpreter);
	ystrv_free(ra->args);
	ystrv_free(ra->iargs);
	for (int i = 0; i < 3; i++)
		free(ra->log_pat[i]);
}

static int bool_word(const char *s, int *v)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	for (int i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *v = 1, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *v = 0, 0;
	}
	return -1;
}

static int cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

/* ---- one option of one app ---- */

static int parse_plain(struct loader *L, const struct eco_option *o, const struct ynode *n,
    struct app_spec *t)
{
	char *base = (char *)t + o->offset;
	long long v;
	int b;
	char *s;
	switch (o->type) {
	case ECO_T_BOOL:
		if (yget_bool(&L->cx, n, o->name, &b) < 0)
			return -1;
		*(int *)base = b;
		return 0;
	case ECO_T_INT:
		if (yget_int(&L->cx, n, o->name, o->min, o->max, &v) < 0)
			return -1;
		*(int *)base = (int)v;
		return 0;
	case ECO_T_DURATION:
		return yget_duration(&L->cx, n, o->name, o->min, o->max, (long long *)base);
	case ECO_T_SIZE:
		return yget_size(&L->cx, n, o->name, o->min, o->max, (long long *)base);
	case ECO_T_STRING:
		if (yget_str(&L->cx, n, o->name, &s) < 0)
			return -1;
		free(*(char **)base);
		*(char **)base = s;
		return 0;
	default:
		return -1;
	}
}

static int parse_name(struct loader *L, const struct ynode *n, char **out)
{
	char *s;
	if (yget_str(&L->cx, n, "name", &s) < 0)
		return -1;
	size_t len = strlen(s), digits = 0;
	const char *why = NULL;
	for (size_t i = 0; i < len && !why; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			digits++;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
		    c == '-'))
			why = "may hold only letters, digits, '.', '_' and '-'";
	}
	if (!why && len == 0)
		why = "is empty";
	else if (!why && len > ECO_NAME_MAX)
		why = "is longer than 64 characters";
	else if (!why && digits == len)
		why = "is only digits, which psup would take for an app id";
	else if (!why && (strcmp(s, "all") == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0))
		why = "is reserved";
	if (why) {
		ycx_error(&L->cx, n, "name", "'%s' %s", s, why);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static int parse_env(struct loader *L, const struct ynode *n, struct app_spec *t)
{
	char **k, **v;
	int count;
	if (yget_strmap(&L->cx, n, "env", &k, &v, &count) < 0)
		return -1;
	int bad = 0;
	for (int i = 0; i < count; i++)
		if (!k[i][0] || strchr(k[i], '=')) {
			ycx_error(&L->cx, YMAP_KEY(n, (size_t)i), "env",
			    "'%s' is not a variable name (empty or holds '=')", k[i]);
			bad = 1;
		}
	if (!bad && count) {
		t->env = xcalloc((size_t)count + 1, sizeof *t->env);
		for (int i = 0; i < count; i++)
			t->env[i] = xasprintf("%s=%s", k[i], v[i]);
	}
	ystrv_free(k);
	ystrv_free(v);
	return bad ? -1 : 0;
}

static int parse_instances(struct loader *L, const struct eco_option *o, const struct ynode *n,
    int *out)
{
	long long v;
	if (n->kind == YNODE_SCALAR && strcasecmp(n->str, "max") == 0) {
		*out = cpu_count();
		return 0;
	}
	if (n->kind != YNODE_SCALAR || ynode_is_null(n)) {
		ycx_error(&L->cx, n, o->name, "expected a number or max, got %s", ynode_what(n));
		return -1;
	}
	if (yget_int(&L->cx, n, o->name, o->min, o->max, &v) < 0)
		return -1;
	/* pm2: 0 means one per CPU, -1 one per CPU but one */
	*out = v == 0 ? cpu_count() : v == -1 ? (cpu_count() > 1 ? cpu_count() - 1 : 1) : (int)v;
	return 0;
}

static int parse_autorestart(struct loader *L, const struct ynode *n, enum autorestart *out)
{
	static const char *const names[] = { "always", "on-failure", "on_failure", "never" };
	static const enum autorestart values[] = { AUTORESTART_ALWAYS, AUTORESTART_ON_FAILURE,
		AUTORESTART_ON_FAILURE, AUTORESTART_NEVER };
	int b, idx;
	if (n->kind == YNODE_SCALAR && bool_word(n->str, &b) == 0) {
		*out = b ? AUTORESTART_ALWAYS : AUTORESTART_NEVER;
		return 0;
	}
	if (yget_enum(&L->cx, n, "autorestart", names, 4, &idx) < 0)
		return -1;
	*out = values[idx];
	return 0;
}

static int parse_signal(struct loader *L, const char *key, const struct ynode *n, int *out)
{
	char *s;
	if (yget_str(&L->cx, n, key, &s) < 0)
		return -1;
	int sig = eco_signal_parse(s);
	if (sig < 0)
		ycx_error(&L->cx, n, key, "'%s' is not a signal (e.g. SIGTERM, INT or 15)", s);
	free(s);
	if (sig < 0)
		return -1;
	*out = sig;
	return 0;
}

static int parse_exit_codes(struct loader *L, const struct eco_option *o, const struct ynode *n,
    struct app_spec *t)
{
	const struct ynode *one[1] = { n };
	const struct ynode *const *items = one;
	size_t count = 1;
	if (n->kind == YNODE_SEQ) {
		items = (const struct ynode *const *)n->items;
		count = n->n;
	}
	if (count > SPEC_MAX_EXIT_CODES) {
		ycx_error(&L->cx, n, o->name, "more than %d codes", SPEC_MAX_EXIT_CODES);
		return -1;
	}
	int bad = 0;
	t->n_stop_exit_codes = 0;
	for (size_t i = 0; i < count; i++) {
		long long v;
		if (yget_int(&L->cx, items[i], o->name, o->min, o->max, &v) < 0)
			bad = 1;
		else
			t->stop_exit_codes[t->n_stop_exit_codes++] = (int)v;
	}
	return bad ? -1 : 0;
}

/* out_file, error_file, log_file: a path pattern, or off. */
static int parse_log_path(struct loader *L, struct raw_app *ra, int which, const char *key,
    const struct ynode *n)
{
	int b;
	if (n->kind == YNODE_SCALAR && n->plain && bool_word(n->str, &b) == 0) {
		ra->log_off[which] = !b;
		return 0;
	}
	char *s;
	if (yget_str(&L->cx, n, key, &s) < 0)
		return -1;
	if (strcmp(s, "/dev/null") == 0 || !*s) {
		ra->log_off[which] = 1;
		free(s);
		return 0;
	}
	free(ra->log_pat[which]);
	ra->log_pat[which] = s;
	return 0;
}

static void parse_option(struct loader *L, struct raw_app *ra, const struct eco_option *o,
    const struct ynode *n)
{
	struct app_spec *t = &ra->t;
	int v;
	switch (o->id) {
	case ECO_ID_NAME:
		parse_name(L, n, &t->name);
		break;
	case ECO_ID_SCRIPT:
		if (yget_str(&L->cx, n, o->name, &ra->script) == 0 && !ra->script[0]) {
			ycx_error(&L->cx, n, o->name, "is empty");
		}
		break;
	case ECO_ID_ARGS:
		yget_strlist(&L->cx, n, o->name, YSPLIT_SHELL, &ra->args, &v);
		break;
	case ECO_ID_INTERPRETER:
		yget_str(&L->cx, n, o->name, &ra->interpreter);
		break;
	case ECO_ID_INTERPRETER_ARGS:
		yget_strlist(&L->cx, n, o->name, YSPLIT_SHELL, &ra->iargs, &v);
		break;
	case ECO_ID_CWD:
		yget_str(&L->cx, n, o->name, &t->cwd);
		break;
	case ECO_ID_ENV:
		parse_env(L, n, t);
		break;
	case ECO_ID_INSTANCES:
		parse_instances(L, o, n, &ra->instances);
		break;
	case ECO_ID_EXEC_MODE: {
		static const char *const modes[] = { "fork", "fork_mode", "cluster", "cluster_mode" };
		if (yget_enum(&L->cx, n, o->name, modes, 4, &v) == 0 && v >= 2)
			ycx_warn(&L->cx, n, o->name, "cluster mode is not supported: each instance "
			    "runs as its own process (fork mode)");
		break;
	}
	case ECO_ID_AUTORESTART:
		parse_autorestart(L, n, &t->autorestart);
		break;
	case ECO_ID_STOP_EXIT_CODES:
		parse_exit_codes(L, o, n, t);
		break;
	case ECO_ID_STOP_SIGNAL:
		parse_signal(L, ra->key[o->id] ? ra->key[o->id]->str : o->name, n, &t->stop_signal);
		break;
	case ECO_ID_OUT_FILE:
	case ECO_ID_ERROR_FILE:
	case ECO_ID_LOG_FILE:
		parse_log_path(L, ra, o->id - ECO_ID_OUT_FILE,
		    ra->key[o->id] ? ra->key[o->id]->str : o->name, n);
		break;
	case ECO_ID_DISABLE_LOGS:
		yget_bool(&L->cx, n, o->name, &ra->disable_logs);
		break;
	case ECO_ID_AFTER:
		yget_strlist(&L->cx, n, o->name, YSPLIT_SPACES, &t->after, &v);
		if (t->after && !t->after[0]) {
			free(t->after);
			t->after = NULL;
		}
		break;
	case ECO_ID_LOG_DATE_FORMAT:
		if (parse_plain(L, o, n, t) == 0 && !strchr(t->log_date_format, '%'))
			ycx_warn(&L->cx, n, o->name, "'%s' has no %% conversion: psup takes a "
			    "strftime(3) format such as %%Y-%%m-%%d %%H:%%M:%%S, not pm2's day.js tokens",
			    t->log_date_format);
		break;
	default:
		parse_plain(L, o, n, t);
		break;
	}
}

/* ---- one app ---- */

/* Records which options the app gives: unknown keys are errors (with a
 * suggestion), pm2-only ones warnings, an option given twice (through an
 * alias) an error. */
static void scan_keys(struct loader *L, struct raw_app *ra)
{
	size_t nopts;
	const struct eco_option *opts = eco_options(&nopts);
	const char **cands = xcalloc(nopts, sizeof *cands);
	size_t nc = 0;
	for (size_t i = 0; i < nopts; i++)
		if (opts[i].kind == ECO_OPT_APP || opts[i].kind == ECO_OPT_IGNORED ||
		    opts[i].kind == ECO_OPT_UNSUPPORTED)
			cands[nc++] = opts[i].name;

	for (size_t i = 0; i < ra->map->n; i++) {
		const struct ynode *k = YMAP_KEY(ra->map, i), *v = YMAP_VAL(ra->map, i);
		const struct eco_option *o = eco_option_find(k->str);
		int off = ynode_is_null(v) || (v->kind == YNODE_SCALAR && v->plain &&
		    strcasecmp(v->str, "false") == 0);
		if (o && (o->kind == ECO_OPT_TOP || o->kind == ECO_OPT_TOP_UNSUPPORTED))
			o = NULL;
		if (!o && strncmp(k->str, "env_", 4) == 0) {
			if (!off)
				ycx_warn(&L->cx, k, k->str, "pm2 environments (env_NAME) are not "
				    "supported, ignored; put the variables in env");
			continue;
		}
		if (!o) {
			const char *hint = ytext_suggest(k->str, cands, nc);
			if (hint)
				ycx_error(&L->cx, k, k->str, "unknown option (did you mean %s?)", hint);
			else if (strcmp(k->str, "log_dir") == 0)
				ycx_error(&L->cx, k, k->str, "unknown app option: log_dir is a top-level "
				    "key, beside apps:");
			else
				ycx_error(&L->cx, k, k->str, "unknown option");
			continue;
		}
		if (o->kind == ECO_OPT_UNSUPPORTED) {
			if (!off)
				ycx_warn(&L->cx, k, k->str, "pm2 option not supported, ignored");
			continue;
		}
		if (o->kind == ECO_OPT_IGNORED) {
			int b;
			if (!ynode_is_null(v))
				yget_bool(&L->cx, v, k->str, &b);
			continue;
		}
		const struct eco_option *c = eco_option_canonical(o);
		if (ra->val[c->id]) {
			const struct ynode *pk = ra->key[c->id];
			ycx_error(&L->cx, k, k->str, "already given as %s at line %d, column %d; "
			    "give only one", pk->str, pk->line, pk->col);
			continue;
		}
		ra->val[c->id] = v;
		ra->key[c->id] = k;
	}
	free(cands);
}

static int is_regular_exec(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* A bare program name as execvp would find it, or NULL. */
static char *which(const char *name)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *e = strchr(path, ':');
		size_t l = e ? (size_t)(e - path) : strlen(path);
		char *cand = l ? xasprintf("%.*s/%s", (int)l, path, name) : xasprintf("./%s", name);
		if (is_regular_exec(cand))
			return cand;
		free(cand);
		path += l;
		if (*path == ':')
			path++;
	}
	return NULL;
}

/* script and interpreter to absolute paths where possible: relative to
 * cwd when they hold a '/' or exist there, else found in PATH; a bare
 * name that is nowhere stays bare (the keeper reports it missing). */
static char *resolve_program(const char *cwd, const char *prog, int look_in_cwd)
{
	if (strchr(prog, '/') || prog[0] == '~')
		return ypath_resolve(cwd, prog);
	if (look_in_cwd) {
		char *p = ypath_resolve(cwd, prog);
		struct stat st;
		if (stat(p, &st) == 0)
			return p;
		free(p);
	}
	char *w = which(prog);
	return w ? w : xstrdup(prog);
}

static const char *interpreter_by_extension(const char *script)
{
	const char *dot = strrchr(script, '.');
	if (!dot || strchr(dot, '/'))
		return NULL;
	if (strcmp(dot, ".js") == 0 || strcmp(dot, ".mjs") == 0 || strcmp(dot, ".cjs") == 0)
		return "node";
	if (strcmp(dot, ".py") == 0)
		return "python3";
	return NULL;
}

static void load_app(struct loader *L, struct raw_app *ra)
{
	size_t nopts;
	const struct eco_option *opts = eco_options(&nopts);
	struct ynode fake;

	ra->errors_before = yerrs_count(&L->cx.errs);
	memset(&ra->t, 0, sizeof ra->t);
	ra->instances = 1;
	scan_keys(L, ra);
	for (size_t i = 0; i < nopts; i++) {
		const struct eco_option *o = &opts[i];
		if (o->kind != ECO_OPT_APP || o->alias_of || o->id == ECO_ID_NONE)
			continue;
		const struct ynode *n = ra->val[o->id];
		if (n && ynode_is_null(n)) {
			if (o->required) {
				ycx_error(&L->cx, n, o->name, "has no value");
				continue;
			}
			n = NULL;
		}
		if (!n && o->required) {
			ycx_error(&L->cx, ra->map, o->name, "missing (every app needs a %s)", o->name);
			continue;
		}
		if (!n) {
			if (!o->def || o->def[0] == '(')
				continue;
			n = yget_default_node(&fake, o->def);
		}
		parse_option(L, ra, o, n);
	}
	if (yerrs_count(&L->cx.errs) > ra->errors_before)
		return;

	/* resolve what depends on other options */
	char *cwd = ra->t.cwd ? ypath_resolve(L->dir, ra->t.cwd) : xstrdup(L->dir);
	free(ra->t.cwd);
	ra->t.cwd = cwd;
	const char *interp = ra->interpreter;
	if (!interp)
		interp = interpreter_by_extension(ra->script);
	else if (strcasecmp(interp, "none") == 0)
		interp = NULL;
	char *script = resolve_program(cwd, ra->script, 1);
	free(ra->script);
	ra->script = script;
	if (interp) {
		char *ip = resolve_program(cwd, interp, 0);
		free(ra->interpreter);
		ra->interpreter = ip;
	} else {
		free(ra->interpreter);
		ra->interpreter = NULL;
	}
	if (ra->interpreter && ra->iargs && ra->iargs[0] == NULL) {
		ystrv_free(ra->iargs);
		ra->iargs = NULL;
	}
	if (!ra->interpreter && ra->iargs && ra->iargs[0])
		ycx_warn(&L->cx, ra->val[ECO_ID_INTERPRETER_ARGS], ra->key[ECO_ID_INTERPRETER_ARGS]->str,
		    "ignored: the script runs without an interpreter");
}

/* ---- instances ---- */

static char **build_argv(const struct raw_app *ra, int instance, int substitute)
{
	size_t n = 1 + (ra->interpreter ? 1 : 0);
	for (char **p = ra->iargs; ra->interpreter && p && *p; p++)
		n++;
	for (char **p = ra->args; p && *p; p++)
		n++;
	char **argv = xcalloc(n + 1, sizeof *argv);
	size_t i = 0;
	if (ra->interpreter) {
		argv[i++] = xstrdup(ra->interpreter);
		for (char **p = ra->iargs; p && *p; p++)
			argv[i++] = xstrdup(*p);
	}
	argv[i++] = xstrdup(ra->script);
	for (char **p = ra->args; p && *p; p++)
		argv[i++] = substitute ? ytext_subst_instance(*p, instance) : xstrdup(*p);
	return argv;
}

static char *log_path(const struct loader *L, const struct raw_app *ra, int which,
    const char *name, int instance)
{
	static const char *const suffix[] = { "out", "error", "combined" };
	if (ra->disable_logs || ra->log_off[which])
		return NULL;
	if (!ra->log_pat[which])
		return xasprintf("%s/%s-%s.log", L->log_dir, name, suffix[which]);
	char *pat = ytext_subst_instance(ra->log_pat[which], instance);
	char *p = ypath_resolve(ra->t.cwd, pat);
	free(pat);
	return p;
}

static void expand(struct loader *L, struct raw_app *ra, const char *source,
    struct app_spec **specs, int *n_specs, int **origin, int idx)
{
	int n = ra->instances;
	if (*n_specs + n > ECO_MAX_APPS) {
		ycx_error(&L->cx, ra->val[ECO_ID_INSTANCES] ? ra->val[ECO_ID_INSTANCES] : ra->map,
		    "instances", "the file would make more than %d apps", ECO_MAX_APPS);
		return;
	}
	*specs = xreallocarray(*specs, (size_t)(*n_specs + n), sizeof **specs);
	*origin = xreallocarray(*origin, (size_t)(*n_specs + n), sizeof **origin);
	for (int i = 1; i <= n; i++) {
		struct app_spec *s = &(*specs)[*n_specs];
		spec_copy(s, &ra->t);
		free(s->name);
		s->name = n > 1 ? xasprintf("%s-%d", ra->t.name, i) : xstrdup(ra->t.name);
		s->group = xstrdup(ra->t.name);
		s->source = source ? xstrdup(source) : NULL;
		s->instance = i;
		s->instances = n;
		s->argv = build_argv(ra, i, 1);
		s->out_file = log_path(L, ra, 0, s->name, i);
		s->err_file = log_path(L, ra, 1, s->name, i);
		s->combined_file = log_path(L, ra, 2, s->name, i);
		(*origin)[*n_specs] = idx;
		(*n_specs)++;
	}
}

/* ---- the file ---- */

static void load_apps_list(struct loader *L, const struct ynode *list)
{
	if (list->kind != YNODE_SEQ) {
		ycx_error(&L->cx, list, "apps", "expected a list of apps, got %s", ynode_what(list));
		return;
	}
	if (list->n == 0) {
		ycx_error(&L->cx, list, "apps", "the list is empty");
		return;
	}
	L->apps = xcalloc(list->n, sizeof *L->apps);
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *m = list->items[i];
		if (m->kind != YNODE_MAP) {
			ycx_error(&L->cx, m, "apps", "each app must be a map of options, got %s",
			    ynode_what(m));
			continue;
		}
		struct raw_app *ra = &L->apps[L->n_apps++];
		ra->map = m;
		load_app(L, ra);
	}
}

static void load_top(struct loader *L, const struct ynode *root)
{
	const struct ynode *apps = NULL;
	if (!root) {
		yerrs_add(&L->cx.errs, L->cx.file, 1, 1, "apps", "the file is empty (expected apps:, "
		    "a list of apps)");
		return;
	}
	if (root->kind == YNODE_SEQ) {
		apps = root;
	} else if (root->kind != YNODE_MAP) {
		ycx_error(&L->cx, root, NULL, "expected apps: (a list of apps), got %s",
		    ynode_what(root));
		return;
	} else {
		static const char *const tops[] = { "apps", "log_dir", "deploy" };
		for (size_t i = 0; i < root->n; i++) {
			const struct ynode *k = YMAP_KEY(root, i), *v = YMAP_VAL(root, i);
			if (strcmp(k->str, "apps") == 0) {
				apps = v;
			} else if (strcmp(k->str, "log_dir") == 0) {
				char *s;
				if (yget_str(&L->cx, v, "log_dir", &s) == 0) {
					free(L->log_dir);
					L->log_dir = ypath_resolve(L->dir, s);
					free(s);
				}
			} else if (strncmp(k->str, "x-", 2) == 0) {
				/* ignored: a place for YAML anchors, as in compose files */
			} else if (strcmp(k->str, "deploy") == 0) {
				ycx_warn(&L->cx, k, k->str, "pm2 option not supported, ignored");
			} else {
				const char *hint = ytext_suggest(k->str, tops, 3);
				const struct eco_option *o = eco_option_find(k->str);
				if (hint)
					ycx_error(&L->cx, k, k->str, "unknown top-level key (did you mean %s?)",
					    hint);
				else if (o && o->kind != ECO_OPT_TOP)
					ycx_error(&L->cx, k, k->str, "an app option at the top level; put each "
					    "app in the list under apps:");
				else
					ycx_error(&L->cx, k, k->str, "unknown top-level key (expected apps, "
					    "log_dir)");
			}
		}
		if (!apps) {
			ycx_error(&L->cx, root, "apps", "missing (the list of apps)");
			return;
		}
	}
	load_apps_list(L, apps);
}

static void publish(struct loader *L, struct eco *e)
{
	e->errors = yerrs_take(&L->cx.errs, &e->n_errors);
	e->warnings = yerrs_take(&L->cx.warns, &e->n_warnings);
}

/* name is shown in messages, abs is the file's absolute path (the apps'
 * source), dir the base of relative paths. */
static int load(const char *name, const char *abs, const char *dir, const char *buf,
    size_t len, struct eco *e)
{
	struct loader L = { 0 };
	struct ydoc doc = { 0 };
	struct app_spec *specs = NULL;
	int n_specs = 0, *origin = NULL;

	memset(e, 0, sizeof *e);
	L.cx.file = name;
	L.dir = ypath_resolve(NULL, dir ? dir : ".");
	L.log_dir = xasprintf("%s/logs", strcmp(L.dir, "/") == 0 ? "" : L.dir);
	e->path = abs ? xstrdup(abs) : ypath_resolve(L.dir, name);

	if (ydoc_load(name, buf, len, &doc, &L.cx.errs) == 0)
		load_top(&L, doc.root);
	if (yerrs_count(&L.cx.errs) == 0) {
		for (int i = 0; i < L.n_apps; i++)
			expand(&L, &L.apps[i], e->path, &specs, &n_specs, &origin, i);
	}
	if (yerrs_count(&L.cx.errs) == 0) {
		struct eco_check_app *ca = xcalloc((size_t)L.n_apps, sizeof *ca);
		for (int i = 0; i < L.n_apps; i++) {
			ca[i].name = L.apps[i].t.name;
			ca[i].name_node = L.apps[i].val[ECO_ID_NAME];
			ca[i].after = L.apps[i].t.after;
			ca[i].after_node = L.apps[i].val[ECO_ID_AFTER];
		}
		eco_check(&L.cx, ca, L.n_apps, specs, origin, n_specs);
		free(ca);
	}
	if (yerrs_count(&L.cx.errs) == 0) {
		e->apps = specs;
		e->n_apps = n_specs;
		specs = NULL;
		n_specs = 0;
		e->log_dir = L.log_dir;
		L.log_dir = NULL;
	}
	publish(&L, e);
	for (int i = 0; i < n_specs; i++)
		spec_free(&specs[i]);
	free(specs);
	free(origin);
	for (int i = 0; i < L.n_apps; i++)
		raw_free(&L.apps[i]);
	free(L.apps);
	free(L.dir);
	free(L.log_dir);
	ydoc_free(&doc);
	ycx_free(&L.cx);
	return e->n_errors ? -1 : 0;
}

int eco_load_buffer(const char *name, const char *dir, const char *buf, size_t len, struct eco *e)
{
	return load(name, NULL, dir, buf, len, e);
}

int eco_load(const char *path, struct eco *e)
{
	char *buf, *cause;
	size_t len;
	if (yfile_read(path, &buf, &len, &cause) < 0) {
		memset(e, 0, sizeof *e);
		e->path = ypath_resolve(NULL, path);
		e->errors = xcalloc(1, sizeof *e->errors);
		e->errors[0] = cause;
		e->n_errors = 1;
		return -1;
	}
	char *abs = ypath_resolve(NULL, path);
	char *dir = ypath_dir(abs);
	/* messages name the file as the user wrote it; e->path is absolute */
	int r = load(path, abs, dir, buf, len, e);
	free(abs);
	free(dir);
	free(buf);
	return r;
}

void eco_free(struct eco *e)
{
	free(e->path);
	free(e->log_dir);
	for (int i = 0; i < e->n_apps; i++)
		spec_free(&e->apps[i]);
	free(e->apps);
	for (int i = 0; i < e->n_warnings; i++)
		free(e->warnings[i]);
	free(e->warnings);
	for (int i = 0; i < e->n_errors; i++)
		free(e->errors[i]);
	free(e->errors);
	memset(e, 0, sizeof *e);
}
