/* Ecosystem files from the daemon's side: `start FILE` as a transaction
 * (every error reported, nothing touched unless the file is clean, then the
 * difference applied), and save/resurrect through dump.json. */
#include "file.h"
#include "apps.h"
#include "command.h"
#include "link.h"
#include "ops.h"
#include "atomicfile.h"
#include "clock.h"
#include "ecosystem.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wanted(const char *name, char **only, int nonly)
{
	if (!only)
		return 1;
	for (int i = 0; i < nonly; i++)
		if (strcmp(only[i], name) == 0)
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

int file_start(struct daemon *d, const char *path, char **only, int nonly, struct dop *op,
    cJSON *reply)
{
	cJSON *started = reply_array(reply, "started");
	cJSON *restarted = reply_array(reply, "restarted");
	cJSON *unchanged = reply_array(reply, "unchanged");
	cJSON *warnings = reply_array(reply, "warnings");
	cJSON *errors = reply_array(reply, "errors");

	struct eco e;
	memset(&e, 0, sizeof e);
	int bad = eco_load(path, &e) < 0;
	for (int i = 0; i < e.n_warnings; i++)
		add_str(warnings, e.warnings[i]);
	for (int i = 0; i < e.n_errors; i++)
		add_str(errors, e.errors[i]);
	if (bad && e.n_errors == 0) {
		char *msg = xasprintf("%s: cannot be loaded", path);
		add_str(errors, msg);
		free(msg);
	}

	/* checks against what runs: still part of the transaction */
	for (int i = 0; !bad && i < e.n_apps; i++) {
		struct app_spec *s = &e.apps[i];
		if (!app_name_ok(s->name)) {
			char *msg = xasprintf("%s: app name \"%s\" cannot be used (a name is not \"all\", "
			    "all digits, or holds control characters)", path, s->name);
			add_str(errors, msg);
			free(msg);
			continue;
		}
		struct dapp *a = apps_find(d, s->name);
		if (a && a->spec.source && strcmp(a->spec.source, path) != 0) {
			char *msg = xasprintf("%s: app \"%s\" is already started from %s "
			    "(delete it first)", path, s->name, a->spec.source);
			add_str(errors, msg);
			free(msg);
		}
	}
	if (bad || cJSON_GetArraySize(errors) > 0) {
		int n = cJSON_GetArraySize(errors);
		char *msg = n == 1 ? xstrdup(cJSON_GetArrayItem(errors, 0)->valuestring)
		    : xasprintf("%s: %d errors, nothing was changed", path, n);
		set_failed(reply, msg);
		free(msg);
		eco_free(&e);
		return -1;
	}

	int64_t t0 = clock_mono_ms();
	int nstarted = 0;
	for (int i = 0; i < e.n_apps; i++) {
		struct app_spec *s = &e.apps[i];
		if (!wanted(s->name, only, nonly))
			continue;
		if (!s->source)
			s->source = xstrdup(path);
		app_spec_env(d, s);
		struct dapp *a = apps_find(d, s->name);
		char *cause = NULL;
		if (a && spec_equal(&a->spec, s)) {
			if (a->lc.state == LC_CONNECTED && app_shown_state(a) == APP_STOPPED) {
				ops_add_app(op, a, OP_START, link_step(a, LE_START));
				add_str(started, a->name);
			} else {
				add_str(unchanged, a->name);
			}
			continue;
		}
		if (a) {
			struct app_spec old = a->spec;
			spec_copy(&a->spec, s);
			if (app_write_spec(a, &cause) < 0) {
				spec_free(&a->spec);
				a->spec = old;
				add_str(errors, cause);
				set_failed(reply, cause);
				free(cause);
				continue;
			}
			spec_free(&old);
			dlog("%s: new settings from %s", a->name, path);
			/* a connected keeper reloads and restarts; otherwise it starts */
			enum dop_kind kind = a->lc.state == LC_CONNECTED ? OP_RESTART : OP_START;
			struct lc_event ev = { .kind = LE_RESTART, .reload = 1 };
			ops_add_app(op, a, kind, link_event(a, &ev));
			add_str(restarted, a->name);
			continue;
		}
		a = app_new(d, s->name, d->next_id);
		spec_copy(&a->spec, s);
		if (app_write_spec(a, &cause) < 0) {
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
		dlog("%s: %d new app%s launched in %lld ms", path, nstarted, nstarted == 1 ? "" : "s",
		    (long long)(clock_mono_ms() - t0));
	eco_free(&e);
	return 0;
}

/* dump.json: {"version":1,"saved_at":MS,"files":[{"path":P,"apps":[NAMES]}]} */
int file_save(struct daemon *d, cJSON *reply, char **cause)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "version", 1);
	cJSON_AddNumberToObject(root, "saved_at", (double)clock_real_ms());
	cJSON *files = cJSON_AddArrayToObject(root, "files");
	cJSON *names = cJSON_CreateArray();
	for (struct dapp *a = d->apps; a; a = a->next) {
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
		add_str(names, a->name);
	}
	char *text = cJSON_Print(root);
	size_t len = strlen(text);
	char *buf = xmalloc(len + 2);
	memcpy(buf, text, len);
	buf[len] = '\n';
	cJSON_free(text);
	cJSON_Delete(root);
	/* the previous dump stays as dump.json.bak: resurrect falls back to it
	 * when this one cannot be read */
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

/* The dump at path as JSON, or NULL with *cause. */
static cJSON *dump_read(const char *path, char **cause)
{
	char *buf = NULL;
	size_t len;
	if (atomicfile_read(path, 16 << 20, &buf, &len, cause) < 0)
		return NULL;
	cJSON *root = cJSON_ParseWithLength(buf, len);
	free(buf);
	if (!cJSON_IsArray(root ? cJSON_GetObjectItemCaseSensitive(root, "files") : NULL)) {
		cJSON_Delete(root);
		fail(cause, "%s is not a psup dump", path);
		return NULL;
	}
	return root;
}

int file_resurrect(struct daemon *d, struct dop *op, cJSON *reply, char **cause)
{
	char *why = NULL, *bak = xasprintf("%s.bak", d->dump_path), *bak_why = NULL;
	cJSON *root = dump_read(d->dump_path, &why);
	if (!root && (root = dump_read(bak, &bak_why)) != NULL) {
		char *msg = xasprintf("%s; resurrected from the previous save, %s", why, bak);
		add_str(reply_array(reply, "warnings"), msg);
		dlog("%s", msg);
		free(msg);
	}
	if (!root) {
		fail(cause, "nothing saved to resurrect (%s); run psup save first", why);
		free(why);
		free(bak_why);
		free(bak);
		return -1;
	}
	free(why);
	free(bak_why);
	free(bak);
	cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
	reply_array(reply, "started");
	int failed = 0;
	cJSON *f;
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
		if (file_start(d, p->valuestring, only, k, op, sub) < 0)
			failed++;
		cJSON *x;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(sub, "started"))
			add_str(reply_array(reply, "started"), x->valuestring);
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(sub, "restarted"))
			add_str(reply_array(reply, "started"), x->valuestring);
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(sub, "unchanged"))
			add_str(reply_array(reply, "unchanged"), x->valuestring);
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(sub, "errors"))
			add_str(reply_array(reply, "errors"), x->valuestring);
		cJSON_Delete(sub);
		free(only);
	}
	cJSON_Delete(root);
	if (failed)
		return fail(cause, "%d saved file%s could not be loaded", failed, failed == 1 ? "" : "s");
	return 0;
}
