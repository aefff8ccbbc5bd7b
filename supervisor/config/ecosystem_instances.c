/* Instances: one app of the file becomes NAME-1..NAME-N, each with its own
 * argv ({instance} substituted) and log paths. */
#include "ecosystem_instances.h"

#include <stdlib.h>

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

static char *log_path(const struct eco_loader *L, const struct eco_app *ra, int which,
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

void eco_instances_expand(struct eco_loader *L, struct eco_app *ra, const char *source,
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
