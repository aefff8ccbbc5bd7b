/* The daemon's app table: APPDIRs on disk (id, spec), selection by target,
 * the state users see, and `after:` gates. */
#include "apps.h"
#include "link.h"
#include "specs.h"
#include "trash.h"
#include "atomicfile.h"
#include "cgroup.h"
#include "home.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* ---- the table ---- */

struct dapp *app_new(struct daemon *d, const char *name, int id)
{
	struct dapp *a = xcalloc(1, sizeof *a);
	a->d = d;
	a->id = id;
	a->name = xstrdup(name);
	a->spec_dir = home_app_dir(d->home, name);
	a->dir = d->run_dir ? home_run_app_dir(d->run_dir, name) : xstrdup(a->spec_dir);
	a->kfd = -1;
	a->ready_fd = -1;
	lifecycle_init(&a->lc);
	spec_defaults(&a->spec);
	struct dapp **pp = &d->apps;
	while (*pp && (*pp)->id < id)
		pp = &(*pp)->next;
	a->next = *pp;
	*pp = a;
	if (id >= d->next_id)
		d->next_id = id + 1;
	return a;
}

void app_free(struct dapp *a)
{
	link_detach(a);
	spec_free(&a->spec);
	free(a->name);
	free(a->dir);
	free(a->spec_dir);
	free(a);
}

struct dapp *apps_find(struct daemon *d, const char *name)
{
	for (struct dapp *a = d->apps; a; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

struct dapp *apps_by_id(struct daemon *d, int id)
{
	for (struct dapp *a = d->apps; a; a = a->next)
		if (a->id == id)
			return a;
	return NULL;
}

int apps_parse_id(const char *s, int *id)
{
	if (!*s || strlen(s) > 9)
		return -1;
	int v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	*id = v;
	return 0;
}

/* 1 when a path-like target names the app: its file or its script. */
static int path_match(const struct dapp *a, const char *target)
{
	if (a->spec.source && strcmp(a->spec.source, target) == 0)
		return 1;
	for (char **p = a->spec.argv; p && *p; p++)
		if (strcmp(*p, target) == 0)
			return 1;
	return 0;
}

/* 1 when a plain selector names the app: its name, its id, its group, or
 * (by_ns, when nothing else matched) its namespace, pm2's "default" for
 * apps without one. */
static int plain_match(const struct dapp *a, const char *target, const struct dapp *exact,
    int byid, int id, int by_ns)
{
	if (by_ns)
		return a->spec.namespace ? strcmp(a->spec.namespace, target) == 0
		    : strcmp(target, "default") == 0;
	return exact ? a == exact : byid ? a->id == id :
	    a->spec.group && strcmp(a->spec.group, target) == 0;
}

/* Adds to v[0..*n) the apps one selector names (each app once: those
 * marked with pick are in already). Returns how many it named, or -1 for a
 * /regex/ that does not compile. */
static int select_one(struct daemon *d, const char *target, struct dapp **v, int *n,
    unsigned pick)
{
	size_t tl = strlen(target);
	int all = strcmp(target, "all") == 0, id = -1, count = 0;
	int byid = apps_parse_id(target, &id) == 0;
	int re = tl > 2 && target[0] == '/' && target[tl - 1] == '/';
	int bypath = !re && target[0] == '/';
	regex_t rx;
	if (re) {
		char *pat = xstrndup(target + 1, tl - 2);
		int bad = regcomp(&rx, pat, REG_EXTENDED | REG_NOSUB);
		free(pat);
		if (bad)
			return -1;
	}
	struct dapp *exact = apps_find(d, target);
	for (int by_ns = 0; by_ns < 2 && count == 0; by_ns++) {
		for (struct dapp *a = d->apps; a; a = a->next) {
			int hit = all || (re ? regexec(&rx, a->name, 0, NULL, 0) == 0 :
			    bypath ? path_match(a, target) : plain_match(a, target, exact, byid, id, by_ns));
			if (!hit)
				continue;
			count++;
			if (a->picked != pick) {
				a->picked = pick;
				v[(*n)++] = a;
			}
		}
	}
	if (re)
		regfree(&rx);
	return count;
}

unsigned apps_pick_mark(void)
{
	static unsigned mark;
	if (++mark == 0)        /* 0 is every new app's: never a mark */
		mark = 1;
	return mark;
}

/* Why target selected nothing (r: select_one's count, 0 or -1). */
static char *select_cause(const char *target, int r)
{
	if (r < 0)
		return xasprintf("\"%s\" is not a regular expression", target);
	if (strcmp(target, "all") == 0)
		return xstrdup("no app is loaded");
	return xasprintf("no app named \"%s\" (not a name, group, id, /regex/, file or script)",
	    target);
}

struct dapp **apps_select_many(struct daemon *d, char *const *targets, int some, int *n,
    char **cause)
{
	int cap = 0;
	for (struct dapp *a = d->apps; a; a = a->next)
		cap++;
	struct dapp **v = xcalloc((size_t)(cap ? cap : 1), sizeof *v);
	*n = 0;
	unsigned pick = apps_pick_mark();
	const char *missed = NULL;
	for (size_t i = 0; targets && targets[i]; i++) {
		int r = select_one(d, targets[i], v, n, pick);
		if (r > 0)
			continue;
		if (some && r == 0) {
			if (!missed)
				missed = targets[i];
			continue;
		}
		if (cause)
			*cause = select_cause(targets[i], r);
		free(v);
		*n = 0;
		return NULL;
	}
	if (*n == 0) {
		if (cause && missed)
			*cause = select_cause(missed, 0);
		free(v);
		return NULL;
	}
	/* in id order, whatever order the selectors came in */
	for (int i = 1; i < *n; i++)
		for (int j = i; j > 0 && v[j - 1]->id > v[j]->id; j--) {
			struct dapp *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v;
}

struct dapp **apps_select(struct daemon *d, const char *target, int *n)
{
	char *one[2] = { (char *)target, NULL };
	return apps_select_many(d, one, 0, n, NULL);
}

int app_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 200 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strcmp(name, "all") == 0)
		return 0;
	/* a '/' is escaped in the app's folder name (home_app_dir) */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	/* an all-digits name would shadow ids */
	int id;
	return apps_parse_id(name, &id) < 0;
}

/* ---- on disk ---- */

void app_remove(struct dapp *a)
{
	link_detach(a);
	if (strcmp(a->dir, a->spec_dir) != 0)
		trash_put(a->d, a->dir);
	trash_put(a->d, a->spec_dir);
	daemon_bury_app(a);
	specs_drop(a);
}

int app_read_file(const char *dir, const char *name, char **buf, size_t *len)
{
	char *p = xasprintf("%s/%s", dir, name);
	int r = atomicfile_read(p, 1 << 20, buf, len, NULL);
	free(p);
	return r;
}

/* The runtime files a keeper leaves in its folder. */
static const char *const run_files[] = { "status", "keeper.pid", "control.sock" };

static int has_run_files(const char *dir)
{
	for (size_t i = 0; i < sizeof run_files / sizeof run_files[0]; i++) {
		char *p = xasprintf("%s/%s", dir, run_files[i]);
		int r = access(p, F_OK);
		free(p);
		if (r == 0)
			return 1;
	}
	return 0;
}

/* A home of the layout before runtime directories keeps them beside the
 * spec, where its keepers (still running from before an upgrade) go on
 * keeping them: the app is followed there until its next fresh keeper. */
static void app_find_run_files(struct dapp *a)
{
	if (strcmp(a->dir, a->spec_dir) == 0 || has_run_files(a->dir) ||
	    !has_run_files(a->spec_dir))
		return;
	free(a->dir);
	a->dir = xstrdup(a->spec_dir);
}

/* The status of an old-layout app to its runtime folder run (made), and
 * the rest of its runtime files away: its next keeper starts from there. */
static int run_files_move(struct dapp *a, const char *run, char **cause)
{
	if (mkdir(run, 0700) < 0 && errno != EEXIST)
		return fail(cause, "cannot create %s: %s", run, strerror(errno));
	char *buf = NULL;
	size_t len = 0;
	int r = 0;
	if (app_read_file(a->spec_dir, "status", &buf, &len) == 0) {
		char *to = xasprintf("%s/status", run);
		r = atomicfile_write(to, buf, len, 0644, 0, cause);
		free(to);
		free(buf);
	}
	for (size_t i = 0; r == 0 && i < sizeof run_files / sizeof run_files[0]; i++) {
		char *p = xasprintf("%s/%s", a->spec_dir, run_files[i]);
		unlink(p);
		free(p);
	}
	return r;
}

int app_run_prepare(struct dapp *a, char **cause)
{
	struct daemon *d = a->d;
	if (d->run_dir && strcmp(a->dir, a->spec_dir) == 0) {
		/* an app of the old layout gets a fresh keeper */
		char *run = home_run_app_dir(d->run_dir, a->name);
		if (run_files_move(a, run, cause) < 0) {
			free(run);
			return -1;
		}
		free(a->dir);
		a->dir = run;
	} else if (mkdir(a->dir, 0700) < 0 && errno != EEXIST) {
		return fail(cause, "cannot create %s: %s", a->dir, strerror(errno));
	}
	return specs_keeper_copy(a, cause);
}

static void run_dir_open(struct daemon *d)
{
	char *why = NULL;
	if ((d->run_dir = home_run_open(d->home, &why))) {
		dlog("runtime files in %s", d->run_dir);
		return;
	}
	dlog("runtime files in %s/apps: %s", d->home, why ? why : "no runtime directory");
	free(why);
}

void apps_load_all(struct daemon *d)
{
	run_dir_open(d);
	specs_load(d);

	int max = -1;
	for (struct dapp *a = d->apps; a; a = a->next)
		if (a->id < APP_ID_LATER && a->id > max)
			max = a->id;
	d->next_id = max + 1;
	for (struct dapp *a = d->apps; a;) {
		struct dapp *next = a->next;
		if (a->id >= APP_ID_LATER) {
			/* re-insert in id order with a fresh id */
			struct dapp **pp = &d->apps;
			while (*pp != a)
				pp = &(*pp)->next;
			*pp = a->next;
			a->id = d->next_id++;
			struct dapp **qq = &d->apps;
			while (*qq && (*qq)->id < a->id)
				qq = &(*qq)->next;
			a->next = *qq;
			*qq = a;
			d->specs.rewrite = 1;
		}
		a = next;
	}
	specs_tidy(d);

	int n = 0;
	for (struct dapp *a = d->apps; a; a = a->next) {
		n++;
		app_find_run_files(a);
		char *buf = NULL;
		size_t len = 0;
		if (app_read_file(a->dir, "status", &buf, &len) == 0) {
			while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
				buf[--len] = '\0';
			if (appstate_unpack(buf, len, &a->st) == 0)
				a->have_state = 1;
		}
		free(buf);
		char *kp = xasprintf("%s/keeper.pid", a->dir);
		struct lc_event ev = { .kind = LE_LOAD,
			.launched = a->have_state || access(kp, F_OK) == 0 };
		free(kp);
		link_event(a, &ev);
	}
	if (n)
		dlog("re-attached %d app%s", n, n == 1 ? "" : "s");
}

/* ---- the runtime directory ---- */

void apps_tidy_exit(struct daemon *d)
{
	if (d->cgroup_base)
		cgroup_base_remove(d->cgroup_base);
	if (!d->run_dir)
		return;
	for (struct dapp *a = d->apps; a && d->killing; a = a->next) {
		if (strcmp(a->dir, a->spec_dir) == 0)
			continue;
		char *kp = xasprintf("%s/keeper.pid", a->dir);
		if (access(kp, F_OK) < 0 && errno == ENOENT)
			trash_put(d, a->dir);
		free(kp);
	}
	home_run_close(d->home, d->run_dir);
}

/* ---- state ---- */

enum app_state_kind app_shown_state(const struct dapp *a)
{
	return lifecycle_shown(&a->lc, a->have_state, a->st.state);
}

const char *app_reason(const struct dapp *a)
{
	if (!lifecycle_has_keeper(&a->lc) && a->lc.reason[0])
		return a->lc.reason;
	return a->have_state ? a->st.reason : "";
}

int app_finished(const struct dapp *a)
{
	enum app_state_kind s = app_shown_state(a);
	return s == APP_COMPLETED || s == APP_ERRORED || s == APP_STOPPED;
}

const char *app_env_get(char *const *env, const char *name)
{
	size_t l = strlen(name);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, l) == 0 && env[i][l] == '=')
			return env[i] + l + 1;
	return NULL;
}

void app_spec_env(struct daemon *d, struct app_spec *s)
{
	/* pm2's: the instance from 0 in instance_var (NODE_APP_INSTANCE), and
	 * increment_var counted up from its env value */
	const char *ivar = s->instance_var && *s->instance_var ? s->instance_var
	    : "NODE_APP_INSTANCE";
	char *set[6];
	size_t nset = 0;
	set[nset++] = xasprintf("PSUP_APP_NAME=%s", s->name);
	set[nset++] = xasprintf("PSUP_INSTANCE=%d", s->instance);
	set[nset++] = xasprintf("PSUP_INSTANCES=%d", s->instances);
	set[nset++] = xasprintf("PSUP_HOME=%s", d->home);
	set[nset++] = xasprintf("%s=%d", ivar, s->instance - 1);
	if (s->increment_var && *s->increment_var && strchr(s->increment_var, '=') == NULL) {
		const char *from = app_env_get(s->env, s->increment_var);
		char *end = NULL;
		long long base = from ? strtoll(from, &end, 10) : 0;
		if (from && (end == from || *end))
			base = 0;
		set[nset++] = xasprintf("%s=%lld", s->increment_var, base + s->instance - 1);
	}
	size_t n = 0, keep = 0;
	while (s->env && s->env[n])
		n++;
	char **env = xcalloc(n + nset + 1, sizeof *env);
	for (size_t i = 0; i < n; i++) {
		int ours = 0;
		for (size_t k = 0; k < nset && !ours; k++) {
			size_t kl = (size_t)(strchr(set[k], '=') - set[k]);
			ours = strncmp(s->env[i], set[k], kl + 1) == 0;
		}
		if (ours)
			free(s->env[i]);
		else
			env[keep++] = s->env[i];
	}
	for (size_t k = 0; k < nset; k++)
		env[keep++] = set[k];
	env[keep] = NULL;
	free(s->env);
	s->env = env;
}

/* ---- after: ---- */

/* 0: every dependency is met; 1: still waiting (reason set); -1: a
 * dependency errored (reason set). */
static int deps_state(struct daemon *d, struct dapp *a, char *reason, size_t rn)
{
	char waiting[APPSTATE_REASON_MAX] = "";
	size_t wl = 0;
	for (size_t i = 0; a->spec.after && a->spec.after[i]; i++) {
		const char *dep = a->spec.after[i];
		int found = 0;
		for (struct dapp *b = d->apps; b; b = b->next) {
			if (b == a || (strcmp(b->name, dep) != 0 &&
			    !(b->spec.group && strcmp(b->spec.group, dep) == 0)))
				continue;
			found = 1;
			enum app_state_kind s = app_shown_state(b);
			if (s == APP_COMPLETED)
				continue;
			if (s == APP_ONLINE && b->spec.autorestart == AUTORESTART_ALWAYS)
				continue;
			if (s == APP_ERRORED) {
				snprintf(reason, rn, "not started: %s errored", b->name);
				return -1;
			}
			if (!strstr(waiting, b->name) && wl + strlen(b->name) + 3 < sizeof waiting) {
				int w = snprintf(waiting + wl, sizeof waiting - wl, "%s%s", wl ? ", " : "", b->name);
				if (w > 0)
					wl += (size_t)w;
			}
		}
		if (!found) {
			snprintf(reason, rn, "not started: %s is not loaded", dep);
			return -1;
		}
	}
	if (wl) {
		snprintf(reason, rn, "waiting for %s", waiting);
		return 1;
	}
	return 0;
}

void apps_after_check(struct daemon *d)
{
	int changed;
	do {
		changed = 0;
		for (struct dapp *a = d->apps; a; a = a->next) {
			int failed = a->lc.state == LC_HELD_FAILED;
			if (a->lc.state != LC_HELD && !failed)
				continue;
			char reason[APPSTATE_REASON_MAX];
			int r = deps_state(d, a, reason, sizeof reason);
			/* held back by an errored dependency until that one is
			 * started again (or stopped: then it is waited for) */
			if (failed && r < 0)
				continue;
			struct lc_event ev = { .kind = r > 0 ? LE_DEPS_WAITING : r < 0 ? LE_DEPS_FAILED
			    : LE_DEPS_MET, .reason = reason };
			if (r < 0)
				dlog("%s: %s", a->name, reason);
			else if (r == 0)
				dlog("%s: dependencies met, starting", a->name);
			else if (failed)
				dlog("%s: no dependency errored any more, %s", a->name, reason);
			link_event(a, &ev);
			changed |= r <= 0 || failed;
		}
	} while (changed);
}
