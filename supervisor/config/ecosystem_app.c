/* One app of an ecosystem file, read key by key (see ecosystem_app.h). */
#include "ecosystem_app.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecosystem_env.h"
#include "ecosystem_program.h"
#include "ecosystem_value.h"
#include "xalloc.h"
#include "yaml_file.h"

const struct ynode *const *eco_items(const struct ynode *const *np, size_t *count)
{
	if ((*np)->kind == YNODE_SEQ) {
		*count = (*np)->n;
		return (const struct ynode *const *)(*np)->items;
	}
	*count = 1;
	return np;
}

/* ---- one app ---- */

/* pm2's name for an app without one: the script's base name without its
 * extension ("api" for ./src/api.js); what a name may not hold becomes '-'. */
static char *default_name(const char *script)
{
	const char *b = strrchr(script, '/');
	b = b ? b + 1 : script;
	const char *dot = strrchr(b, '.');
	size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	if (n > ECO_NAME_MAX)
		n = ECO_NAME_MAX;
	char *s = xstrndup(b, n);
	int digits = 1;
	for (char *p = s; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '-';
		if (*p < '0' || *p > '9')
			digits = 0;
	}
	if (!*s || digits || strcmp(s, "all") == 0) {
		char *t = xasprintf("app-%s", s);
		free(s);
		s = t;
	}
	return s;
}

/* pm2: a script with spaces that names no file (in the app's cwd) is a
 * command line, run with bash -c; any args follow it as $1... ($0 is
 * "bash"). Without a name, the app is named after its first word. */
static void command_line(struct eco_app *ra)
{
	if (ra->interpreter || !strpbrk(ra->script, " \t"))
		return;
	char *path = ypath_resolve(ra->t.cwd, ra->script);
	struct stat st;
	int file = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	if (file)
		return;
	size_t n = 0;
	while (ra->args && ra->args[n])
		n++;
	char **argv = xcalloc(n + 4, sizeof *argv);
	argv[0] = xstrdup("-c");
	argv[1] = ra->script;
	if (n) {
		argv[2] = xstrdup("bash");
		for (size_t i = 0; i < n; i++)
			argv[3 + i] = ra->args[i];
	}
	free(ra->args);
	ra->args = argv;
	if (!ra->t.name) {
		const char *w = argv[1] + strspn(argv[1], " \t");
		char *first = xstrndup(w, strcspn(w, " \t"));
		ra->t.name = default_name(first);
		free(first);
	}
	ra->script = xstrdup("bash");
}

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
		eco_value_parse(L, ra, o, n);
	}
	if (ra->env_sel)
		eco_env_parse(L, ra, ra->env_sel, ra->env_sel_key->str);
	else if (L->env_name) {
		char *key = xasprintf("env_%s", L->env_name);
		ycx_warn(&L->cx, ra->map, key, "not in this app: --env %s sets only its env",
		    L->env_name);
		free(key);
	}
	if (yerrs_count(&L->cx.errs) > ra->errors_before)
		return;

	/* resolve what depends on other options */
	char *cwd = ra->t.cwd ? ypath_resolve(L->dir, ra->t.cwd) : xstrdup(L->dir);
	free(ra->t.cwd);
	ra->t.cwd = cwd;
	command_line(ra);
	if (!ra->t.name)
		ra->t.name = default_name(ra->script);
	if (ra->append_env && L->env_name) {
		char *named = xasprintf("%s-%s", ra->t.name, L->env_name);
		free(ra->t.name);
		ra->t.name = named;
	}
	eco_env_build(L, ra);
	/* pm2: a date format alone stamps the lines */
	if (ra->val[ECO_ID_LOG_DATE_FORMAT] && !ra->val[ECO_ID_TIME])
		ra->t.time = 1;
	if (ra->watch_cwd || ra->watch) {
		size_t n = 0;
		while (ra->watch && ra->watch[n])
			n++;
		ra->t.watch = xcalloc(n + 2, sizeof *ra->t.watch);
		if (ra->watch_cwd)
			ra->t.watch[0] = xstrdup(cwd);
		for (size_t i = 0; i < n; i++)
			ra->t.watch[i + (ra->watch_cwd ? 1 : 0)] = ypath_resolve(cwd, ra->watch[i]);
	}
	if (ra->pid_file)
		ra->t.pid_file = ypath_resolve(cwd, ra->pid_file);
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
		strv_free(ra->iargs);
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
	strv_free(ra->args);
	strv_free(ra->iargs);
	strv_free(ra->env_keys);
	strv_free(ra->env_vals);
	free(ra->env_file);
	strv_free(ra->watch);
	free(ra->pid_file);
	for (int i = 0; i < 3; i++)
		free(ra->log_pat[i]);
}
