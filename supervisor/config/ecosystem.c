/* Loads a YAML ecosystem file into resolved app specs, as a transaction:
 * every error is collected with its FILE:LINE:COL and key, and apps are
 * returned only when there was none. Driven by the options table in
 * ecosystem_options.c. Knows nothing of processes. */
#include "ecosystem.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ecosystem_app.h"
#include "ecosystem_check.h"
#include "ecosystem_instances.h"
#include "ecosystem_js.h"
#include "xalloc.h"
#include "yaml_file.h"

/* An app is a map of options; a list of them, or one map, is the apps. */
static void load_apps(struct eco_loader *L, const struct ynode *list, const char *key)
{
	size_t n;
	const struct ynode *const *items = eco_items(&list, &n);
	if (list->kind != YNODE_SEQ && list->kind != YNODE_MAP) {
		ycx_error(&L->cx, list, key, "expected a list of apps, got %s", ynode_what(list));
		return;
	}
	if (n == 0) {
		ycx_error(&L->cx, list, key, "the list is empty");
		return;
	}
	L->apps = xcalloc(n, sizeof *L->apps);
	for (size_t i = 0; i < n; i++) {
		const struct ynode *m = items[i];
		if (m->kind != YNODE_MAP) {
			ycx_error(&L->cx, m, key, "each app must be a map of options, got %s",
			    ynode_what(m));
			continue;
		}
		struct eco_app *ra = &L->apps[L->n_apps++];
		ra->map = m;
		eco_app_load(L, ra);
	}
}

/* A file that is one app's options (pm2 takes it so): no apps: key, and
 * some key is an app option. */
static int is_one_app(const struct ynode *root)
{
	int app_keys = 0;
	for (size_t i = 0; i < root->n; i++) {
		const char *k = YMAP_KEY(root, i)->str;
		const struct eco_option *o = eco_option_find(k);
		if (strcmp(k, "apps") == 0 || strcmp(k, "pm2") == 0)
			return 0;
		if ((o && o->kind != ECO_OPT_TOP && o->kind != ECO_OPT_TOP_UNSUPPORTED) ||
		    strncmp(k, "env_", 4) == 0)
			app_keys++;
	}
	return app_keys > 0;
}

static void load_top(struct eco_loader *L, const struct ynode *root)
{
	const struct ynode *apps = NULL, *apps_key = NULL;
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
	} else if (is_one_app(root)) {
		apps = root;
	} else {
		static const char *const tops[] = { "apps", "log_dir", "deploy", "pm2" };
		for (size_t i = 0; i < root->n; i++) {
			const struct ynode *k = YMAP_KEY(root, i), *v = YMAP_VAL(root, i);
			if (strcmp(k->str, "apps") == 0 || strcmp(k->str, "pm2") == 0) {
				/* pm2 reads a pm2: list as apps: */
				if (apps_key)
					ycx_error(&L->cx, k, k->str, "the apps are already given under %s "
					    "(line %d); give only one list", apps_key->str, apps_key->line);
				else {
					apps = v;
					apps_key = k;
				}
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
				const char *hint = ytext_suggest(k->str, tops, 4);
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
	load_apps(L, apps, apps_key ? apps_key->str : "apps");
}

/* The last line any node under n starts on. */
static int last_line(const struct ynode *n)
{
	int last = n->line;
	size_t count = n->kind == YNODE_MAP ? 2 * n->n : n->kind == YNODE_SEQ ? n->n : 0;
	for (size_t i = 0; i < count; i++) {
		int l = last_line(n->items[i]);
		if (l > last)
			last = l;
	}
	return last;
}

/* The app (index in the list) whose map spans line, or -1. */
static int app_at(const struct eco_loader *L, long line)
{
	for (int k = 0; k < L->n_apps; k++)
		if (L->apps[k].map->line <= line && line <= last_line(L->apps[k].map))
			return k;
	return -1;
}

/* text with each "line N, column M" it mentions (another place of the
 * JSON) written as the app there, "apps[I]"; malloc'd. */
static char *relocate_refs(const struct eco_loader *L, const char *text)
{
	struct buf b = { 0 };
	const char *p = text, *at;
	while ((at = strstr(p, "line ")) != NULL) {
		char *end;
		long line = strtol(at + 5, &end, 10);
		int app = end > at + 5 ? app_at(L, line) : -1;
		if (app >= 0 && strncmp(end, ", column ", 9) == 0) {
			(void)strtol(end + 9, &end, 10);
			buf_add(&b, p, (size_t)(at - p));
			buf_printf(&b, "apps[%d]", app);
		} else {
			end = (char *)at + 5;
			buf_add(&b, p, (size_t)(end - p));
		}
		p = end;
	}
	buf_puts(&b, p);
	return buf_take(&b, NULL);
}

/* Messages about text the user never saw (JSON node printed for a file,
 * apps psup wrote from the command line) name the app by its index in
 * the list rather than by a line of that text: "FILE:LINE:COL: rest"
 * becomes "FILE: apps[I] (NAME): rest", or "FILE: rest" when there was
 * no list either (bare). */
static void relocate(struct eco_loader *L, struct yerrs *errs, int bare)
{
	size_t fl = strlen(L->cx.file);
	for (int i = 0; i < errs->n; i++) {
		char *m = errs->v[i], *end;
		if (strncmp(m, L->cx.file, fl) != 0 || m[fl] != ':')
			continue;
		long line = strtol(m + fl + 1, &end, 10);
		if (end == m + fl + 1 || *end != ':')
			continue;
		(void)strtol(end + 1, &end, 10);
		if (strncmp(end, ": ", 2) != 0)
			continue;
		int app = app_at(L, line);
		char *rest = relocate_refs(L, end + 2), *n;
		if (app < 0 || bare)
			n = xasprintf("%s: %s", L->cx.file, rest);
		else if (L->apps[app].t.name)
			n = xasprintf("%s: apps[%d] (%s): %s", L->cx.file, app, L->apps[app].t.name, rest);
		else
			n = xasprintf("%s: apps[%d]: %s", L->cx.file, app, rest);
		free(rest);
		free(m);
		errs->v[i] = n;
	}
}

static void publish(struct eco_loader *L, struct eco *e)
{
	e->errors = yerrs_take(&L->cx.errs, &e->n_errors);
	e->warnings = yerrs_take(&L->cx.warns, &e->n_warnings);
}

/* Whose text a load reads, which says what its positions mean. */
enum src_text {
	SRC_USER,                /* the user's file: lines and columns */
	SRC_PRINTED,             /* JSON node printed for the user's list */
	SRC_ONE_APP,             /* one app psup wrote from the command line */
};

/* What one load reads: name is shown in messages, abs is the file's
 * absolute path (the apps' source), dir the base of relative paths. */
struct src {
	const char *name, *abs, *dir;
	const char *buf;
	size_t len;
	enum src_text text;
	const char *env_name;
};

/* Returns 0, -1 on errors, -2 when the text is not YAML at all. */
static int load(const struct src *in, struct eco *e)
{
	struct eco_loader L = { .env_name = in->env_name };
	struct ydoc doc = { 0 };
	struct app_spec *specs = NULL;
	int n_specs = 0, *origin = NULL, unparsed = 0;

	memset(e, 0, sizeof *e);
	L.cx.file = in->name;
	L.dir = ypath_resolve(NULL, in->dir ? in->dir : ".");
	L.log_dir = xasprintf("%s/logs", strcmp(L.dir, "/") == 0 ? "" : L.dir);
	e->path = in->abs ? xstrdup(in->abs) : ypath_resolve(L.dir, in->name);

	if (ydoc_load(in->name, in->buf, in->len, &doc, &L.cx.errs) == 0)
		load_top(&L, doc.root);
	else
		unparsed = 1;
	if (yerrs_count(&L.cx.errs) == 0) {
		for (int i = 0; i < L.n_apps; i++)
			if (eco_instances_expand(&L, &L.apps[i], e->path, &specs, &n_specs, &origin, i) < 0)
				break;
	}
	if (yerrs_count(&L.cx.errs) == 0) {
		struct eco_check_app *ca = xcalloc((size_t)L.n_apps, sizeof *ca);
		for (int i = 0; i < L.n_apps; i++) {
			ca[i].name = L.apps[i].t.name;
			ca[i].name_node = L.apps[i].val[ECO_ID_NAME] ? L.apps[i].val[ECO_ID_NAME]
			    : L.apps[i].map;
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
	if (in->text != SRC_USER) {
		relocate(&L, &L.cx.errs, in->text == SRC_ONE_APP);
		relocate(&L, &L.cx.warns, in->text == SRC_ONE_APP);
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
	return unparsed ? -2 : e->n_errors ? -1 : 0;
}

int eco_load_buffer(const char *name, const char *dir, const char *buf, size_t len, struct eco *e)
{
	return eco_load_buffer_env(name, dir, buf, len, NULL, e);
}

int eco_load_buffer_env(const char *name, const char *dir, const char *buf, size_t len,
    const char *env_name, struct eco *e)
{
	struct src in = { .name = name, .dir = dir, .buf = buf, .len = len, .env_name = env_name };
	return load(&in, e) < 0 ? -1 : 0;
}

int eco_load_made(const char *name, const char *dir, const char *buf, size_t len, int one_app,
    struct eco *e)
{
	struct src in = { .name = name, .dir = dir, .buf = buf, .len = len,
	    .text = one_app ? SRC_ONE_APP : SRC_PRINTED };
	return load(&in, e) < 0 ? -1 : 0;
}

static int load_failed(struct eco *e, const char *path, char *cause)
{
	memset(e, 0, sizeof *e);
	e->path = ypath_resolve(NULL, path);
	e->errors = xcalloc(1, sizeof *e->errors);
	e->errors[0] = cause;
	e->n_errors = 1;
	return -1;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), l = strlen(suffix);
	return n >= l && strcmp(s + n - l, suffix) == 0;
}

int eco_load_env(const char *path, char *const *env, const char *env_name, struct eco *e)
{
	char *buf = NULL, *cause = NULL;
	size_t len;
	char *abs = ypath_resolve(NULL, path);
	char *dir = ypath_dir(abs);
	/* messages name the file as the user wrote it; e->path is absolute */
	struct src in = { .name = path, .abs = abs, .dir = dir, .env_name = env_name };
	int r;
	if (eco_js_is_module(path)) {
		r = eco_js_eval(abs, dir, ECO_JS_MODULE, env, &buf, &len, &cause);
		in.text = SRC_PRINTED;
	} else {
		r = yfile_read(path, &buf, &len, &cause);
	}
	if (r == 0) {
		in.buf = buf;
		in.len = len;
		r = load(&in, e);
		/* pm2 evaluates a .json file as JavaScript: comments, trailing
		 * commas and unquoted keys are accepted there */
		char *json = NULL;
		if (r == -2 && in.text == SRC_USER && has_suffix(path, ".json") &&
		    eco_js_eval(abs, dir, ECO_JS_EXPR, env, &json, &len, NULL) == 0) {
			eco_free(e);
			in.buf = json;
			in.len = len;
			in.text = SRC_PRINTED;
			r = load(&in, e);
		}
		free(json);
	} else {
		r = load_failed(e, path, cause);
	}
	free(abs);
	free(dir);
	free(buf);
	return r < 0 ? -1 : 0;
}

int eco_load(const char *path, struct eco *e)
{
	return eco_load_env(path, NULL, NULL, e);
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
