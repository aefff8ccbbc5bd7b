/* Instances: one app of the file becomes NAME-1..NAME-N, each with its own
 * argv ({instance} substituted) and log paths. */
#include "ecosystem_instances.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecosystem_program.h"
#include "xalloc.h"
#include "yaml_file.h"

static char **build_argv(const struct eco_app *ra, int instance, int substitute)
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

/* The file the app's interpreter runs, for its keeper to check before each
 * start, or NULL: none when there is no interpreter, nor when the last
 * interpreter argument makes the script something else than a file
 * (python3 -m MODULE, bash -c COMMAND, node -e CODE) unless its extension
 * says it is one. */
static char *script_file(const struct eco_app *ra)
{
	static const char *const not_a_file[] = { "-c", "-m", "-e", "-E", "--eval", "-p", "--print" };
	if (!ra->interpreter)
		return NULL;
	size_t n = 0;
	while (ra->iargs && ra->iargs[n])
		n++;
	for (size_t i = 0; n && i < sizeof not_a_file / sizeof *not_a_file; i++)
		if (strcmp(ra->iargs[n - 1], not_a_file[i]) == 0 && !eco_program_interpreter(ra->script))
			return NULL;
	return xstrdup(ra->script);
}

/* pm2 gives each instance its own file of a path given for all: FILE.log
 * (or FILE-N.log) becomes FILE-<instance from 0>.log, unless merge_logs;
 * a path not ending in .log is shared, as in pm2. */
static char *instance_log(char *p, const struct eco_app *ra, int instance)
{
	size_t n = strlen(p);
	if (ra->instances < 2 || ra->merge_logs || n < 4 || strcmp(p + n - 4, ".log") != 0)
		return p;
	size_t stem = n - 4, d = stem;
	while (d > 0 && p[d - 1] >= '0' && p[d - 1] <= '9')
		d--;
	if (d < stem && d > 0 && p[d - 1] == '-')
		stem = d - 1;
	char *q = xasprintf("%.*s-%d.log", (int)stem, p, instance - 1);
	free(p);
	return q;
}

static char *log_path(const struct eco_loader *L, const struct eco_app *ra, int which,
    const char *name, int instance)
{
	static const char *const suffix[] = { "out", "error", "combined" };
	if (ra->disable_logs || ra->log_off[which])
		return NULL;
	if (!ra->log_pat[which]) {
		/* a name's '/' would be a folder (pm2 writes '-' for it) */
		char *p = xasprintf("%s/%s-%s.log", L->log_dir, name, suffix[which]);
		for (char *c = p + strlen(L->log_dir) + 1; *c; c++)
			if (*c == '/')
				*c = '-';
		return p;
	}
	char *pat = ytext_subst_instance(ra->log_pat[which], instance);
	char *p = ypath_resolve(ra->t.cwd, pat);
	int per_instance = strcmp(pat, ra->log_pat[which]) != 0;
	free(pat);
	return per_instance ? p : instance_log(p, ra, instance);
}

/* The longest scalar under n (a key or a value), and the key of the app's
 * map it is under (*opt) and the map key right above it (*key). */
static const struct ynode *longest_scalar(const struct ynode *n, const struct ynode *opt_in,
    const struct ynode *key_in, const struct ynode **opt, const struct ynode **key)
{
	if (n->kind == YNODE_SCALAR) {
		*opt = opt_in;
		*key = key_in;
		return n;
	}
	const struct ynode *best = NULL;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *o2 = NULL, *k2 = NULL, *c;
		if (n->kind == YNODE_MAP) {
			const struct ynode *k = YMAP_KEY(n, i);
			c = longest_scalar(YMAP_VAL(n, i), opt_in ? opt_in : k, k, &o2, &k2);
		} else {
			c = longest_scalar(n->items[i], opt_in, key_in, &o2, &k2);
		}
		if (c && (!best || c->len > best->len)) {
			best = c;
			*opt = o2;
			*key = k2;
		}
	}
	return best;
}

/* A keeper refuses a spec longer than SPEC_PACKED_MAX: refuse it here, at
 * the value that makes it long, rather than when the app starts. */
static int check_packed(struct eco_loader *L, const struct eco_app *ra, const struct app_spec *s)
{
	size_t len;
	free(spec_pack(s, &len));
	if (len <= SPEC_PACKED_MAX)
		return 0;
	const struct ynode *opt = NULL, *key = NULL;
	const struct ynode *big = longest_scalar(ra->map, NULL, NULL, &opt, &key);
	if (!big || !opt) {
		ycx_error(&L->cx, ra->map, "apps", "%s: its settings take %zu bytes, over psup's "
		    "limit of %d bytes per app", s->name, len, SPEC_PACKED_MAX);
		return -1;
	}
	char what[96] = "";
	if (key && key != opt)
		snprintf(what, sizeof what, "%.64s: ", key->str);
	ycx_error(&L->cx, big, opt->str, "%sa value of %zu bytes makes %s's settings %zu bytes, "
	    "over psup's limit of %d bytes per app", what, big->len, s->name, len, SPEC_PACKED_MAX);
	return -1;
}

int eco_instances_expand(struct eco_loader *L, struct eco_app *ra, const char *source,
    struct app_spec **specs, int *n_specs, int **origin, int idx)
{
	int n = ra->instances;
	if (*n_specs + n > ECO_MAX_APPS) {
		if (ra->val[ECO_ID_INSTANCES])
			ycx_error(&L->cx, ra->val[ECO_ID_INSTANCES], "instances", "%d more would make "
			    "%d apps in the file, over psup's limit of %d apps per file (each instance "
			    "counts)", n, *n_specs + n, ECO_MAX_APPS);
		else
			ycx_error(&L->cx, ra->map, "apps", "app %d is over psup's limit of %d apps per "
			    "file (each instance counts)", *n_specs + n, ECO_MAX_APPS);
		return -1;
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
		s->script = script_file(ra);
		s->out_file = log_path(L, ra, 0, s->name, i);
		s->err_file = log_path(L, ra, 1, s->name, i);
		s->combined_file = log_path(L, ra, 2, s->name, i);
		(*origin)[*n_specs] = idx;
		(*n_specs)++;
		if (check_packed(L, ra, s) < 0)
			return 0;
	}
	return 0;
}
