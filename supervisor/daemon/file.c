/* Ecosystem files from the daemon's side: `start FILE` as a transaction
 * (every error reported, nothing touched unless the file is clean, then the
 * difference applied), and save/resurrect through dump.json. */
#include "file.h"
#include "apps.h"
#include "command.h"
#include "link.h"
#include "ops.h"
#include "specs.h"
#include "atomicfile.h"
#include "clock.h"
#include "ecosystem.h"
#include "strv.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pm2's --only names apps of the file: an instances group by its name. */
static int wanted(const struct app_spec *s, char *const *only)
{
	if (!only)
		return 1;
	for (size_t i = 0; only[i]; i++)
		if (strcmp(only[i], s->name) == 0 || (s->group && strcmp(only[i], s->group) == 0))
			return 1;
	return 0;
}

static cJSON *reply_array(cJSON *reply, const char *key)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(reply, key);
	if (!a) {
		a = cJSON_CreateArray();
		cJSON_AddItemToObject(reply, key, a);
	}
	return a;
}

static void add_str(cJSON *arr, const char *s)
{
	cJSON_AddItemToArray(arr, cJSON_CreateString(s));
}

static void set_failed(cJSON *reply, const char *msg)
{
	cJSON_ReplaceItemInObject(reply, "ok", cJSON_CreateBool(0));
	if (!cJSON_GetObjectItemCaseSensitive(reply, "error"))
		cJSON_AddStringToObject(reply, "error", msg);
}

static int str_eq(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

void file_set_base_env(struct app_spec *s, char *const *env)
{
	strv_free(s->base_env);
	s->base_env = strv_dup(env);
}

void file_toggle_watch(struct app_spec *s)
{
	if (s->watch) {
		strv_free(s->watch);
		s->watch = NULL;
	} else if (s->cwd) {
		char *const cwd[] = { s->cwd, NULL };
		s->watch = strv_dup(cwd);
	}
}

/* Checks the loaded apps against what runs, still part of the transaction:
 * an error for each name that cannot be used or belongs to another file
 * (unless adopt: pm2's restart FILE takes the app of that name over). */
static void check_running(struct daemon *d, const struct app_spec *apps, int n, const char *label,
    int adopt, cJSON *errors)
{
	for (int i = 0; i < n; i++) {
		const struct app_spec *s = &apps[i];
		if (!app_name_ok(s->name)) {
			char *msg = xasprintf("%s: app name \"%s\" cannot be used (a name is not \"all\", "
			    "all digits, or holds control characters)", label, s->name);
			add_str(errors, msg);
			free(msg);
			continue;
		}
		struct dapp *a = apps_find(d, s->name);
		if (a && !adopt && !str_eq(a->spec.source, s->source)) {
			char *msg = xasprintf("%s: app \"%s\" is already started from %s "
			    "(delete it first, or psup restart this file to take it over)", label,
			    s->name, a->spec.source ? a->spec.source : "the command line");
			add_str(errors, msg);
			free(msg);
		}
	}
}

/* An unchanged app a start asked for again: one stopped (or, with rerun,
 * completed) or errored starts, the rest are left as they are. */
static void start_again(struct dop *op, struct dapp *a, int rerun, int stopped, cJSON *started,
    cJSON *unchanged)
{
	/* a resurrect leaves an app stopped that was stopped when saved. One
	 * that errored (a crash loop, a halt, its keeper dying) waits for a
	 * person, and starting its file is one asking, as pm2's start FILE
	 * restarts it. One held back by a dependency that errored is not: it
	 * waits again by itself once that dependency is started again
	 * (apps_after_check). */
	enum app_state_kind st = app_shown_state(a);
	int connected = a->lc.state == LC_CONNECTED;
	int errored = st == APP_ERRORED && (connected || a->lc.state == LC_IDLE);
	if (((connected && st == APP_STOPPED) || errored || (rerun && st == APP_COMPLETED)) &&
	    !stopped) {
		specs_set_stopped(a, 0);
		ops_add_app(op, a, OP_START, link_step(a, LE_START));
		add_str(started, a->name);
	} else {
		add_str(unchanged, a->name);
	}
}

/* start SCRIPT (rerun) naming no app but the instances group that script
 * was started as (pm2 names every instance alike and starts them all
 * again): that group's apps, each started again as an unchanged app.
 * Returns how many there were. */
static int start_group_again(struct daemon *d, const struct app_spec *s, struct dop *op,
    cJSON *started, cJSON *unchanged)
{
	int n = 0;
	for (struct dapp *a = d->apps; a; a = a->next) {
		const struct app_spec *g = &a->spec;
		if (!g->group || strcmp(g->group, s->name) != 0 || strcmp(a->name, s->name) == 0 ||
		    g->source || !str_eq(g->script, s->script) ||
		    !g->argv || !s->argv || strcmp(g->argv[0], s->argv[0]) != 0)
			continue;
		start_again(op, a, 1, 0, started, unchanged);
		n++;
	}
	return n;
}

/* Starts, restarts or leaves alone each wanted app of apps[0..n) by how it
 * differs from what runs. The specs are final (environment included). */
static void apply(struct daemon *d, struct app_spec *apps, int n, const char *label,
    const struct file_start_opts *o, struct dop *op, cJSON *reply)
{
	char *const *only = o ? o->only : NULL;
	cJSON *started = reply_array(reply, "started");
	cJSON *restarted = reply_array(reply, "restarted");
	cJSON *unchanged = reply_array(reply, "unchanged");
	cJSON *errors = reply_array(reply, "errors");
	int64_t t0 = clock_mono_ms();
	int nstarted = 0;
	for (int i = 0; i < n; i++) {
		struct app_spec *s = &apps[i];
		if (!wanted(s, only))
			continue;
		struct dapp *a = apps_find(d, s->name);
		char *cause = NULL;
		int rerun = o && o->rerun;
		if (a && spec_equal(&a->spec, s)) {
			start_again(op, a, rerun, s->stopped, started, unchanged);
			continue;
		}
		if (!a && rerun && s->instances == 1 &&
		    start_group_again(d, s, op, started, unchanged) > 0)
			continue;
		if (a) {
			struct app_spec old = a->spec;
			spec_copy(&a->spec, s);
			a->spec.stopped = 0; /* it is restarted */
			if (specs_write(a, &cause) < 0) {
				spec_free(&a->spec);
				a->spec = old;
				add_str(errors, cause);
				set_failed(reply, cause);
				free(cause);
				continue;
			}
			spec_free(&old);
			dlog("%s: new settings from %s", a->name, label);
			/* a connected keeper reloads and restarts; otherwise (or
			 * when a fresh keeper replaces an outdated one) it starts */
			struct lc_event ev = { .kind = LE_RESTART, .reload = 1 };
			uint64_t seq = link_event(a, &ev);
			ops_add_app(op, a, a->lc.state == LC_CONNECTED ? OP_RESTART : OP_START, seq);
			add_str(restarted, a->name);
			continue;
		}
		a = app_new(d, s->name, d->next_id);
		spec_copy(&a->spec, s);
		if (specs_write(a, &cause) < 0) {
			add_str(errors, cause);
			set_failed(reply, cause);
			free(cause);
			app_remove(a);
			continue;
		}
		link_step(a, LE_LOAD);
		ops_add_app(op, a, OP_START, 0);
		add_str(started, a->name);
		nstarted++;
	}
	if (nstarted)
		dlog("%s: %d new app%s launched in %lld ms", label, nstarted, nstarted == 1 ? "" : "s",
		    (long long)(clock_mono_ms() - t0));
}

/* A load's messages into the reply; then, when it is clean and nothing
 * that runs objects, its apps (given the caller's environment and psup's
 * variables) applied. Returns 0, or -1 with errors[] filled. */
static int load_and_apply(struct daemon *d, struct eco *e, int bad, const char *label,
    const struct file_start_opts *o, struct dop *op, cJSON *reply)
{
	reply_array(reply, "started");
	reply_array(reply, "restarted");
	reply_array(reply, "unchanged");
	cJSON *warnings = reply_array(reply, "warnings");
	cJSON *errors = reply_array(reply, "errors");
	for (int i = 0; i < e->n_warnings; i++)
		add_str(warnings, e->warnings[i]);
	for (int i = 0; i < e->n_errors; i++)
		add_str(errors, e->errors[i]);
	if (bad && e->n_errors == 0) {
		char *msg = xasprintf("%s: cannot be loaded", label);
		add_str(errors, msg);
		free(msg);
	}
	if (!bad)
		check_running(d, e->apps, e->n_apps, label, o && o->adopt, errors);
	if (bad || cJSON_GetArraySize(errors) > 0) {
		int n = cJSON_GetArraySize(errors);
		char *msg = n == 1 ? xstrdup(cJSON_GetArrayItem(errors, 0)->valuestring)
		    : xasprintf("%s: %d errors, nothing was changed", label, n);
		set_failed(reply, msg);
		free(msg);
		return -1;
	}
	for (int i = 0; i < e->n_apps; i++) {
		app_spec_env(d, &e->apps[i]);
		file_set_base_env(&e->apps[i], o ? o->env : NULL);
	}
	apply(d, e->apps, e->n_apps, label, o, op, reply);
	return 0;
}

int file_start(struct daemon *d, const char *path, const struct file_start_opts *o,
    struct dop *op, cJSON *reply)
{
	struct eco e;
	memset(&e, 0, sizeof e);
	/* a JavaScript file sees the caller's environment as process.env, as under pm2 */
	int bad = eco_load_env(path, o ? o->env : NULL, o ? o->env_name : NULL, &e) < 0;
	int r = load_and_apply(d, &e, bad, path, o, op, reply);
	eco_free(&e);
	return r;
}

int file_start_app(struct daemon *d, const char *app_json, const char *cwd,
    const struct file_start_opts *o, struct dop *op, cJSON *reply)
{
	/* the app as a one-app file, its default logs in the home as pm2's */
	cJSON *doc = cJSON_CreateObject();
	char *logs = xasprintf("%s/logs", d->home);
	cJSON_AddStringToObject(doc, "log_dir", logs);
	free(logs);
	cJSON *app = cJSON_Parse(app_json);
	int one_app = !cJSON_IsArray(app);
	if (!one_app) {
		cJSON_AddItemToObject(doc, "apps", app);
	} else {
		cJSON *apps = cJSON_AddArrayToObject(doc, "apps");
		cJSON_AddItemToArray(apps, app ? app : cJSON_CreateObject());
	}
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	struct eco e;
	memset(&e, 0, sizeof e);
	int bad = eco_load_made("start", cwd, text, strlen(text), one_app, &e) < 0;
	cJSON_free(text);
	for (int i = 0; i < e.n_apps; i++) {
		free(e.apps[i].source);
		e.apps[i].source = NULL;
	}
	int r = load_and_apply(d, &e, bad, "start", o, op, reply);
	eco_free(&e);
	return r;
}

/* dump.json: {"version":2,"saved_at":MS,"files":[{"path":P,"apps":[NAMES]}],
 * "apps":[{"name":N,"spec":PACKED}]}: each app's whole spec, its
 * environment included, so resurrect brings back what ran, file or not. It
 * may hold secrets: written 0600, as the specs are. */
int file_save(struct daemon *d, int empty, cJSON *reply, char **cause)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "version", 2);
	cJSON_AddNumberToObject(root, "saved_at", (double)clock_real_ms());
	cJSON *files = cJSON_AddArrayToObject(root, "files");
	cJSON *specs = cJSON_AddArrayToObject(root, "apps");
	cJSON *names = cJSON_CreateArray();
	for (struct dapp *a = empty ? NULL : d->apps; a; a = a->next) {
		size_t len;
		char *packed = spec_pack(&a->spec, &len);
		cJSON *one = cJSON_CreateObject();
		cJSON_AddStringToObject(one, "name", a->name);
		cJSON_AddStringToObject(one, "spec", packed);
		cJSON_AddItemToArray(specs, one);
		free(packed);
		add_str(names, a->name);
		if (!a->spec.source)
			continue;
		cJSON *f = NULL, *it;
		cJSON_ArrayForEach(it, files) {
			cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "path");
			if (strcmp(p->valuestring, a->spec.source) == 0)
				f = it;
		}
		if (!f) {
			f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "path", a->spec.source);
			cJSON_AddArrayToObject(f, "apps");
			cJSON_AddItemToArray(files, f);
		}
		add_str(cJSON_GetObjectItemCaseSensitive(f, "apps"), a->name);
	}
	char *text = cJSON_Print(root);
	size_t len = strlen(text);
	char *buf = xmalloc(len + 2);
	memcpy(buf, text, len);
	buf[len] = '\n';
	cJSON_free(text);
	cJSON_Delete(root);
	/* the previous dump stays as dump.json.bak, for a resurrect that finds
	 * the new one unreadable */
	char *bak = xasprintf("%s.bak", d->dump_path);
	if (rename(d->dump_path, bak) < 0 && errno != ENOENT)
		dlog("cannot keep %s as %s: %s", d->dump_path, bak, strerror(errno));
	free(bak);
	int r = atomicfile_write(d->dump_path, buf, len + 1, 0600, 1, cause);
	free(buf);
	if (r < 0) {
		cJSON_Delete(names);
		return -1;
	}
	cJSON_AddStringToObject(reply, "path", d->dump_path);
	cJSON_AddItemToObject(reply, "apps", names);
	return 0;
}

/* Moves a sub-reply's names into reply: restarted ones count as started. */
static void merge_names(cJSON *reply, cJSON *sub)
{
	static const char *const from[] = { "started", "restarted", "unchanged", "errors" };
	static const char *const to[] = { "started", "started", "unchanged", "errors" };
	for (size_t i = 0; i < sizeof from / sizeof *from; i++) {
		cJSON *x;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(sub, from[i]))
			add_str(reply_array(reply, to[i]), x->valuestring);
	}
}

/* Version 2: the saved specs, applied as a file's apps are. */
static int resurrect_specs(struct daemon *d, const cJSON *saved, struct dop *op, cJSON *reply,
    char **cause)
{
	int n = cJSON_GetArraySize(saved), k = 0, bad = 0;
	struct app_spec *specs = xcalloc((size_t)(n ? n : 1), sizeof *specs);
	const cJSON *it;
	cJSON_ArrayForEach(it, saved) {
		const cJSON *sp = cJSON_GetObjectItemCaseSensitive(it, "spec");
		char *why = NULL;
		if (!cJSON_IsString(sp) || spec_unpack(sp->valuestring, strlen(sp->valuestring),
		    &specs[k], &why) < 0 || !specs[k].name || !specs[k].argv) {
			char *msg = xasprintf("%s: saved app %d: %s", d->dump_path, k + bad + 1,
			    why ? why : "no spec");
			add_str(reply_array(reply, "errors"), msg);
			free(msg);
			free(why);
			spec_free(&specs[k]);
			bad++;
			continue;
		}
		k++;
	}
	cJSON *errors = cJSON_CreateArray();
	check_running(d, specs, k, d->dump_path, 0, errors);
	int nerr = cJSON_GetArraySize(errors);
	if (nerr == 0) {
		cJSON *sub = proto_reply_ok();
		apply(d, specs, k, d->dump_path, NULL, op, sub);
		merge_names(reply, sub);
		cJSON_Delete(sub);
	} else {
		cJSON *x;
		cJSON_ArrayForEach(x, errors)
			add_str(reply_array(reply, "errors"), x->valuestring);
	}
	cJSON_Delete(errors);
	for (int i = 0; i < k; i++)
		spec_free(&specs[i]);
	free(specs);
	if (bad || nerr)
		return fail(cause, "%s: %d saved app%s could not be restored", d->dump_path,
		    bad + nerr, bad + nerr == 1 ? "" : "s");
	return 0;
}

/* Version 1: each saved file started again, keeping only the saved apps. */
static int resurrect_files(struct daemon *d, const cJSON *files, struct dop *op, cJSON *reply,
    char **cause)
{
	int failed = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, files) {
		cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "path");
		cJSON *apps = cJSON_GetObjectItemCaseSensitive(f, "apps");
		if (!cJSON_IsString(p) || !cJSON_IsArray(apps))
			continue;
		int n = cJSON_GetArraySize(apps), k = 0;
		char **only = xcalloc((size_t)n + 1, sizeof *only);
		cJSON *it;
		cJSON_ArrayForEach(it, apps)
			if (cJSON_IsString(it))
				only[k++] = it->valuestring;
		/* a failed file fails the reply; the others still start */
		cJSON *sub = proto_reply_ok();
		struct file_start_opts o = { .only = only };
		if (file_start(d, p->valuestring, &o, op, sub) < 0)
			failed++;
		merge_names(reply, sub);
		cJSON_Delete(sub);
		free(only);
	}
	if (failed)
		return fail(cause, "%d saved file%s could not be loaded", failed, failed == 1 ? "" : "s");
	return 0;
}

/* The parsed dump at path, or NULL with *cause. */
static cJSON *dump_read(const char *path, char **cause)
{
	char *buf = NULL;
	size_t len;
	if (atomicfile_read(path, 64 << 20, &buf, &len, cause) < 0)
		return NULL;
	cJSON *root = cJSON_ParseWithLength(buf, len);
	free(buf);
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "files")) &&
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "apps"))) {
		cJSON_Delete(root);
		fail(cause, "%s is not a psup dump", path);
		return NULL;
	}
	return root;
}

int file_resurrect(struct daemon *d, struct dop *op, cJSON *reply, char **cause)
{
	cJSON *root = dump_read(d->dump_path, cause);
	if (!root) {
		/* the dump before the last save, kept by file_save */
		char *bak = xasprintf("%s.bak", d->dump_path), *why = NULL;
		root = dump_read(bak, &why);
		if (root) {
			char *msg = xasprintf("%s; resurrected from the previous save, %s", *cause, bak);
			add_str(reply_array(reply, "warnings"), msg);
			dlog("%s", msg);
			free(msg);
			free(*cause);
			*cause = NULL;
		}
		free(why);
		free(bak);
	}
	if (!root) {
		char *c2 = xasprintf("nothing saved to resurrect (%s); run psup save first", *cause);
		free(*cause);
		*cause = c2;
		return -1;
	}
	cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
	cJSON *specs = cJSON_GetObjectItemCaseSensitive(root, "apps");
	reply_array(reply, "started");
	int r = cJSON_IsArray(specs) ? resurrect_specs(d, specs, op, reply, cause)
	    : resurrect_files(d, files, op, reply, cause);
	cJSON_Delete(root);
	return r;
}
