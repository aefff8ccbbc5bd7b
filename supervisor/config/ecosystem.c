/* Loads a YAML ecosystem file into resolved app specs, as a transaction:
 * every error is collected with its FILE:LINE:COL and key, and apps are
 * returned only when there was none. Driven by the options table in
 * ecosystem_options.c. Knows nothing of processes. */
#include "ecosystem.h"

#include <stdlib.h>
#include <string.h>

#include "ecosystem_app.h"
#include "ecosystem_check.h"
#include "ecosystem_instances.h"
#include "xalloc.h"
#include "yaml_file.h"

static void load_apps_list(struct eco_loader *L, const struct ynode *list)
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
		struct eco_app *ra = &L->apps[L->n_apps++];
		ra->map = m;
		eco_app_load(L, ra);
	}
}

static void load_top(struct eco_loader *L, const struct ynode *root)
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

static void publish(struct eco_loader *L, struct eco *e)
{
	e->errors = yerrs_take(&L->cx.errs, &e->n_errors);
	e->warnings = yerrs_take(&L->cx.warns, &e->n_warnings);
}

/* name is shown in messages, abs is the file's absolute path (the apps'
 * source), dir the base of relative paths. */
static int load(const char *name, const char *abs, const char *dir, const char *buf,
    size_t len, const char *env_name, struct eco *e)
{
	struct eco_loader L = { .env_name = env_name };
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
			if (eco_instances_expand(&L, &L.apps[i], e->path, &specs, &n_specs, &origin, i) < 0)
				break;
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
		eco_app_free(&L.apps[i]);
	free(L.apps);
	free(L.dir);
	free(L.log_dir);
	ydoc_free(&doc);
	ycx_free(&L.cx);
	return e->n_errors ? -1 : 0;
}

int eco_load_buffer(const char *name, const char *dir, const char *buf, size_t len, struct eco *e)
{
	return load(name, NULL, dir, buf, len, NULL, e);
}

int eco_load_buffer_env(const char *name, const char *dir, const char *buf, size_t len,
    const char *env_name, struct eco *e)
{
	return load(name, NULL, dir, buf, len, env_name, e);
}

int eco_load(const char *path, struct eco *e)
{
	return eco_load_env(path, NULL, e);
}

int eco_load_env(const char *path, const char *env_name, struct eco *e)
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
	int r = load(path, abs, dir, buf, len, env_name, e);
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
