/* One app of an ecosystem file, read key by key (see ecosystem_app.h). */
#include "ecosystem_app.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ecosystem_program.h"
#include "xalloc.h"
#include "yaml_file.h"

#define ECO_NAME_MAX 64

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

static int parse_plain(struct eco_loader *L, const struct eco_option *o, const struct ynode *n,
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

static int parse_name(struct eco_loader *L, const struct ynode *n, char **out)
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

/* Sets NAME=value in a NULL-terminated "NAME=value" vector (which may be
 * NULL), replacing an entry of the same name. */
static char **env_set(char **env, const char *k, const char *v)
{
	size_t n = 0, kl = strlen(k);
	for (; env && env[n]; n++) {
		if (strncmp(env[n], k, kl) == 0 && env[n][kl] == '=') {
			free(env[n]);
			env[n] = xasprintf("%s=%s", k, v);
			return env;
		}
	}
	env = xreallocarray(env, n + 2, sizeof *env);
	env[n] = xasprintf("%s=%s", k, v);
	env[n + 1] = NULL;
	return env;
}

/* env, then env_NAME over it (pm2's --env NAME): key names the map. */
static int parse_env(struct eco_loader *L, const struct ynode *n, const char *key,
    struct app_spec *t)
{
	char **k, **v;
	int count;
	if (yget_strmap(&L->cx, n, key, &k, &v, &count) < 0)
		return -1;
	int bad = 0;
	for (int i = 0; i < count; i++)
		if (!k[i][0] || strchr(k[i], '=')) {
			ycx_error(&L->cx, YMAP_KEY(n, (size_t)i), key,
			    "'%s' is not a variable name (empty or holds '=')", k[i]);
			bad = 1;
		}
	for (int i = 0; !bad && i < count; i++)
		t->env = env_set(t->env, k[i], v[i]);
	ystrv_free(k);
	ystrv_free(v);
	return bad ? -1 : 0;
}

static int parse_instances(struct eco_loader *L, const struct eco_option *o, const struct ynode *n,
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

static int parse_autorestart(struct eco_loader *L, const struct ynode *n, enum autorestart *out)
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

static int parse_signal(struct eco_loader *L, const char *key, const struct ynode *n, int *out)
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

static int parse_exit_codes(struct eco_loader *L, const struct eco_option *o, const struct ynode *n,
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
static int parse_log_path(struct eco_loader *L, struct eco_app *ra, int which, const char *key,
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

static void parse_option(struct eco_loader *L, struct eco_app *ra, const struct eco_option *o,
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
	case ECO_ID_INTERPRETER_ARGS:
		/* kept as words: each instance's argv is built from them */
		yget_strlist(&L->cx, n, o->name, YSPLIT_SHELL,
		    o->id == ECO_ID_ARGS ? &ra->args : &ra->iargs, &v);
		break;
	case ECO_ID_INTERPRETER:
	case ECO_ID_CWD:
		/* kept as written: resolved once every option is read */
		yget_str(&L->cx, n, o->name, o->id == ECO_ID_CWD ? &t->cwd : &ra->interpreter);
		break;
	case ECO_ID_ENV:
		parse_env(L, n, o->name, t);
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
static void scan_keys(struct eco_loader *L, struct eco_app *ra)
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
			/* pm2's environments: only the one --env names is read */
			if (L->env_name && strcmp(k->str + 4, L->env_name) == 0) {
				ra->env_sel = v;
				ra->env_sel_key = k;
			}
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

void eco_app_load(struct eco_loader *L, struct eco_app *ra)
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
	if (ra->env_sel)
		parse_env(L, ra->env_sel, ra->env_sel_key->str, &ra->t);
	else if (L->env_name)
		ycx_warn(&L->cx, ra->map, "env_", "environment %s is not defined for this app "
		    "(no env_%s): env alone is used", L->env_name, L->env_name);
	if (yerrs_count(&L->cx.errs) > ra->errors_before)
		return;

	/* resolve what depends on other options */
	char *cwd = ra->t.cwd ? ypath_resolve(L->dir, ra->t.cwd) : xstrdup(L->dir);
	free(ra->t.cwd);
	ra->t.cwd = cwd;
	const char *interp = ra->interpreter;
	if (!interp)
		interp = eco_program_interpreter(ra->script);
	else if (strcasecmp(interp, "none") == 0)
		interp = NULL;
	char *script = eco_program_resolve(cwd, ra->script, 1);
	free(ra->script);
	ra->script = script;
	if (interp) {
		char *ip = eco_program_resolve(cwd, interp, 0);
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

void eco_app_free(struct eco_app *ra)
{
	spec_free(&ra->t);
	free(ra->script);
	free(ra->interpreter);
	ystrv_free(ra->args);
	ystrv_free(ra->iargs);
	for (int i = 0; i < 3; i++)
		free(ra->log_pat[i]);
}
