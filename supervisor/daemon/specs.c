/* The apps' specs on disk: the home's spec file, the keepers' copies, and
 * the folders of older homes (specs.h). */
#include "specs.h"
#include "apps.h"
#include "atomicfile.h"
#include "home.h"
#include "speclog.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* superseded records below this stay in the file: a rewrite costs more */
#define SPECS_DEAD_MIN (1u << 20)
/* Once superseded records outweigh live ones, the rewrite waits this long,
 * so that it does not fall in the middle of a command to every app (each
 * adds a record per app; at 1,000 apps the rewrite packs, hashes and syncs
 * 2.4 MB, some 20 ms), unless they outweigh them this many times over. */
#define SPECS_TIDY_LATER_MS 1000
#define SPECS_DEAD_RATIO_NOW 4

/* ---- loading ---- */

/* Adds the app a packed spec describes under name; id_alt is its id when
 * the spec holds none (-1: none known). where names the source in the
 * log. Returns the app, or NULL when skipped. */
static struct dapp *add_app(struct daemon *d, const char *name, const char *buf, size_t len,
    int id_alt, const char *where)
{
	struct app_spec spec;
	char *cause = NULL;
	spec_defaults(&spec);
	if (spec_unpack(buf, len, &spec, &cause) < 0) {
		dlog("%s: %s: skipped", where, cause);
		free(cause);
		spec_free(&spec);
		return NULL;
	}
	if (!spec.name || strcmp(spec.name, name) != 0 || apps_find(d, name)) {
		dlog("%s: names another app: skipped", where);
		spec_free(&spec);
		return NULL;
	}
	int id = spec.app_id >= 0 ? spec.app_id : id_alt;
	if (id >= 0 && apps_by_id(d, id))
		id = -1;
	/* apps without a usable id get one after all are loaded */
	struct dapp *a = app_new(d, name, id >= 0 ? id : APP_ID_LATER);
	spec_free(&a->spec);
	a->spec = spec;
	return a;
}

/* The apps of a home from before the spec file, one apps/NAME/spec each.
 * Returns how many were added. */
static int load_folders(struct daemon *d)
{
	DIR *dp = opendir(d->apps_dir);
	if (!dp) {
		dlog("cannot read %s: %s", d->apps_dir, strerror(errno));
		return 0;
	}
	int n = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		char *name = home_app_name(de->d_name), *dir = home_app_dir(d->home, name);
		char *buf = NULL, *ib = NULL;
		size_t len = 0, il = 0;
		int id = -1;
		if (app_read_file(dir, "spec", &buf, &len) < 0) {
			dlog("%s: no spec: skipped", dir);
		} else {
			/* psup versions before that kept the id in a file of its own */
			if (app_read_file(dir, "id", &ib, &il) == 0) {
				while (il > 0 && (ib[il - 1] == '\n' || ib[il - 1] == ' '))
					ib[--il] = '\0';
				if (apps_parse_id(ib, &id) < 0)
					id = -1;
			}
			char *where = xasprintf("%s/spec", dir);
			n += add_app(d, name, buf, len, id, where) != NULL;
			free(where);
		}
		free(ib);
		free(buf);
		free(dir);
		free(name);
	}
	closedir(dp);
	return n;
}

/* A record this daemon cannot load (a newer psup's, say) stays in the file
 * as it is, until an app of its name replaces it. */
static void keep(struct daemon *d, const struct speclog_rec *r, const char *where)
{
	dlog("%s: kept in the file as it is", where);
	d->specs.kept = xreallocarray(d->specs.kept, d->specs.nkept + 1, sizeof *d->specs.kept);
	char *name = xstrndup(r->name, r->name_len), *spec = xmalloc(r->spec_len + 1);
	memcpy(spec, r->spec, r->spec_len);
	d->specs.kept[d->specs.nkept++] = (struct speclog_rec){ .name = name,
		.name_len = r->name_len, .spec = spec, .spec_len = r->spec_len, .bytes = r->bytes };
}

/* Forgets the kept record named name (a new app of that name replaces
 * it), or every kept record when name is NULL (at close). */
static void unkeep(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->specs.nkept; i++) {
		struct speclog_rec *k = &d->specs.kept[i];
		if (name && strcmp(k->name, name) != 0)
			continue;
		if (name) {
			d->specs.live -= k->bytes;
			d->specs.dead += k->bytes;
		}
		free((char *)k->name);
		free((char *)k->spec);
		*k = d->specs.kept[--d->specs.nkept];
		i--;
	}
}

/* A file that is no spec file, or that cannot be read, is set aside for
 * the user, never written over. */
static void set_aside(const char *path, const char *why)
{
	char *aside = xasprintf("%s.unreadable", path);
	if (rename(path, aside) == 0)
		dlog("%s: no app loaded; the file is kept as %s", why, aside);
	else
		dlog("%s: no app loaded, and it cannot be set aside as %s: %s", why, aside,
		    strerror(errno));
	free(aside);
}

void specs_load(struct daemon *d)
{
	d->specs.log.fd = -1;
	char *path = home_specs_path(d->home), *cause = NULL;
	struct speclog_set set;
	if (speclog_read(path, SPECLOG_FILE_MAX, &set, &cause) == 0) {
		for (size_t i = 0; i < set.n; i++) {
			const struct speclog_rec *r = &set.recs[i];
			char *name = xstrndup(r->name, r->name_len);
			char *where = xasprintf("%s (%s)", path, name);
			struct dapp *a = add_app(d, name, r->spec, r->spec_len, -1, where);
			if (a)
				a->spec_bytes = r->bytes;
			else
				keep(d, r, where);
			d->specs.live += r->bytes;
			free(where);
			free(name);
		}
		d->specs.dead += set.dead;
		if (set.torn) {
			/* appends after it would not be read back */
			dlog("%s: the %zu bytes from byte %zu are no whole record (a crash or a "
			    "full disk cut it): dropped", path, set.torn, set.torn_at);
			if (truncate(path, (off_t)set.torn_at) < 0) {
				dlog("cannot cut %s: %s: rewriting it", path, strerror(errno));
				d->specs.rewrite = 1;
			}
		}
		speclog_set_free(&set);
	} else if (errno == ENOENT) {
		d->specs.rewrite = load_folders(d) > 0;
	} else {
		set_aside(path, cause);
	}
	free(cause);
	free(path);
}

void specs_close(struct daemon *d)
{
	speclog_close(&d->specs.log);
	unkeep(d, NULL);
	free(d->specs.kept);
	d->specs.kept = NULL;
}

/* ---- writing ---- */

/* a's spec as its keeper and the spec file hold it: its id in it. */
static char *pack(struct dapp *a, size_t *len)
{
	a->spec.app_id = a->id;
	return spec_pack(&a->spec, len);
}

/* Rewrites the spec file from the table. */
static void rewrite(struct daemon *d)
{
	size_t n = 0, i = 0;
	for (struct dapp *a = d->apps; a; a = a->next)
		n++;
	struct speclog_rec *recs = xcalloc(n + d->specs.nkept + 1, sizeof *recs);
	for (struct dapp *a = d->apps; a; a = a->next, i++) {
		recs[i].name = a->name;
		recs[i].name_len = strlen(a->name);
		recs[i].spec = pack(a, &recs[i].spec_len);
	}
	/* copies: the rewrite sets their sizes */
	if (d->specs.nkept)
		memcpy(recs + n, d->specs.kept, d->specs.nkept * sizeof *recs);
	char *path = home_specs_path(d->home), *cause = NULL;
	if (speclog_rewrite(&d->specs.log, path, recs, n + d->specs.nkept, &cause) < 0) {
		dlog("%s", cause);
		free(cause);
	} else {
		i = 0;
		d->specs.live = 0;
		for (struct dapp *a = d->apps; a; a = a->next, i++) {
			a->spec_bytes = recs[i].bytes;
			d->specs.live += recs[i].bytes;
		}
		for (size_t k = 0; k < d->specs.nkept; k++) {
			d->specs.kept[k].bytes = recs[n + k].bytes;
			d->specs.live += recs[n + k].bytes;
		}
		d->specs.dead = 0;
		d->specs.rewrite = 0;
		if (d->specs.tidy_timer && d->loop)
			loop_timer_del(d->loop, d->specs.tidy_timer);
		d->specs.tidy_timer = 0;
	}
	for (i = 0; i < n; i++)
		free((char *)recs[i].spec);
	free(recs);
	free(path);
}

static int outweighed(const struct daemon *d, size_t times)
{
	return d->specs.dead > times * d->specs.live && d->specs.dead > SPECS_DEAD_MIN;
}

static void tidy_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l, (void)id;
	struct daemon *d = arg;
	d->specs.tidy_timer = 0;
	if (outweighed(d, 1))
		rewrite(d);
}

void specs_tidy(struct daemon *d)
{
	/* with no app left (after kill) the rewrite is a line: keep it tidy */
	if (d->specs.rewrite || (d->specs.dead > 0 && d->specs.live == 0) ||
	    outweighed(d, d->loop ? SPECS_DEAD_RATIO_NOW : 1))
		rewrite(d);
	else if (outweighed(d, 1) && !d->specs.tidy_timer)
		d->specs.tidy_timer = loop_timer_after(d->loop, SPECS_TIDY_LATER_MS, tidy_cb, d);
}

/* Opens the spec file for appending when it is not (at the first write,
 * or again after a failure). */
static int log_ready(struct daemon *d, char **cause)
{
	if (d->specs.log.fd >= 0)
		return 0;
	char *path = home_specs_path(d->home);
	speclog_close(&d->specs.log);
	int r = speclog_open(&d->specs.log, path, cause);
	free(path);
	return r;
}

/* Writes dir/spec when dir exists. */
static int copy_into(const char *dir, const char *packed, size_t len, char **cause)
{
	if (access(dir, F_OK) < 0)
		return 0;
	char *p = xasprintf("%s/spec", dir);
	int r = atomicfile_write(p, packed, len, 0600, 0, cause);
	free(p);
	return r;
}

/* Writes a's spec to the keeper's copies when copies, then to the spec
 * file. */
static int record(struct dapp *a, int copies, char **cause)
{
	struct daemon *d = a->d;
	size_t len;
	char *packed = pack(a, &len);
	long w = -1;
	if ((!copies || (copy_into(a->dir, packed, len, cause) == 0 &&
	    (strcmp(a->spec_dir, a->dir) == 0 || copy_into(a->spec_dir, packed, len, cause) == 0))) &&
	    log_ready(d, cause) == 0)
		w = speclog_put(&d->specs.log, a->name, packed, len, cause);
	free(packed);
	if (w < 0)
		return -1;
	d->specs.dead += a->spec_bytes;
	d->specs.live += (size_t)w - a->spec_bytes;
	a->spec_bytes = (size_t)w;
	unkeep(d, a->name);
	specs_tidy(d);
	return 0;
}

int specs_write(struct dapp *a, char **cause)
{
	return record(a, 1, cause);
}

void specs_set_stopped(struct dapp *a, int stopped)
{
	a->done_recorded = 0;
	if (a->spec.stopped == stopped)
		return;
	a->spec.stopped = stopped;
	char *cause = NULL;
	/* Not the keeper's copy: a running keeper reads it only when told to
	 * reload, which follows a specs_write, and a keeper started anew gets
	 * a fresh one (specs_keeper_copy). Writing it here was half of the
	 * daemon's work in a `stop all` of many apps. */
	if (record(a, 0, &cause) < 0) {
		dlog("%s: that it is %s is not recorded (a reboot would %s it): %s", a->name,
		    stopped ? "stopped" : "started", stopped ? "start" : "not start", cause);
		free(cause);
	}
}

void specs_follow_state(struct dapp *a)
{
	if (!a->have_state)
		return;
	enum app_state_kind st = a->st.state;
	if (st == APP_COMPLETED) {
		specs_set_stopped(a, a->spec.cron_restart ? SPEC_CRON_DONE : SPEC_STOPPED);
		a->done_recorded = 1;
	} else if (a->done_recorded && (st == APP_LAUNCHING || st == APP_ONLINE)) {
		/* it runs again with no command (watch, its cron): a reboot now
		 * starts it, as pm2 resurrects what was online. Only a record
		 * the keeper's own report made is undone so: a status sent
		 * before a user's stop may arrive after it is recorded. */
		specs_set_stopped(a, 0);
	}
}

int specs_keeper_copy(struct dapp *a, char **cause)
{
	size_t len;
	char *packed = pack(a, &len);
	char *p = xasprintf("%s/spec", a->dir);
	int r = atomicfile_write(p, packed, len, 0600, 0, cause);
	free(p);
	free(packed);
	return r;
}

void specs_drop(struct dapp *a)
{
	struct daemon *d = a->d;
	if (!a->spec_bytes)
		return;
	char *cause = NULL;
	long w = log_ready(d, &cause) == 0 ? speclog_drop(&d->specs.log, a->name, &cause) : -1;
	if (w < 0) {
		dlog("%s: its deletion is not recorded (it comes back with the next daemon): %s",
		    a->name, cause);
		free(cause);
		return;
	}
	d->specs.dead += a->spec_bytes + (size_t)w;
	d->specs.live -= a->spec_bytes;
	a->spec_bytes = 0;
	specs_tidy(d);
}
