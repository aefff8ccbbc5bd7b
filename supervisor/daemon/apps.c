/* The daemon's app table: APPDIRs on disk (id, spec), selection by target,
 * the state users see, app objects for list/describe, and `after:` gates. */
#include "daemon_int.h"
#include "jsonw.h"
#include "atomicfile.h"
#include "clock.h"
#include "home.h"
#include "xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define RATE_WINDOW_MS 10000
#define RATE_SAMPLE_EVERY_MS 500

/* ---- the table ---- */

struct dapp *dapp_new(struct daemon *d, const char *name, int id)
{
	struct dapp *a = xcalloc(1, sizeof *a);
	a->d = d;
	a->id = id;
	a->name = xstrdup(name);
	a->dir = home_app_dir(d->home, name);
	a->kfd = -1;
	a->phase = PHASE_IDLE;
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

void dapp_free(struct dapp *a)
{
	keeper_detach(a);
	spec_free(&a->spec);
	free(a->name);
	free(a->dir);
	free(a);
}

struct dapp *dapp_find(struct daemon *d, const char *name)
{
	for (struct dapp *a = d->apps; a; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

struct dapp *dapp_by_id(struct daemon *d, int id)
{
	for (struct dapp *a = d->apps; a; a = a->next)
		if (a->id == id)
			return a;
	return NULL;
}

static int parse_id(const char *s, int *id)
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

struct dapp **dapp_select(struct daemon *d, const char *target, int *n)
{
	int cap = 0;
	for (struct dapp *a = d->apps; a; a = a->next)
		cap++;
	struct dapp **v = xcalloc((size_t)(cap ? cap : 1), sizeof *v);
	*n = 0;
	int all = strcmp(target, "all") == 0, id;
	int byid = parse_id(target, &id) == 0;
	struct dapp *exact = dapp_find(d, target);
	for (struct dapp *a = d->apps; a; a = a->next) {
		if (all || (exact ? a == exact : byid ? a->id == id :
		    a->spec.group && strcmp(a->spec.group, target) == 0))
			v[(*n)++] = a;
	}
	if (*n == 0) {
		free(v);
		return NULL;
	}
	return v;
}

int dapp_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 200 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strcmp(name, "all") == 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return 0;
	/* an all-digits name would shadow ids */
	int id;
	return parse_id(name, &id) < 0;
}

/* ---- on disk ---- */

int dapp_write_spec(struct dapp *a, char **cause)
{
	if (mkdir(a->dir, 0700) < 0 && errno != EEXIST)
		return fail(cause, "cannot create %s: %s", a->dir, strerror(errno));
	if (!a->id_saved) {
		/* one small write, not a temp file and a rename: 100 new apps
		 * must not cost 100 more file creations; a torn id file only
		 * means a new id after a crash */
		char *idp = xasprintf("%s/id", a->dir);
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%d\n", a->id);
		int fd = open(idp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int ok = fd >= 0 && write(fd, buf, (size_t)n) == n;
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (!ok) {
			fail(cause, "cannot write %s: %s", idp, strerror(e));
			free(idp);
			return -1;
		}
		free(idp);
		a->id_saved = 1;
	}
	int r;
	size_t len;
	char *packed = spec_pack(&a->spec, &len);
	char *sp = xasprintf("%s/spec", a->dir);
	r = atomicfile_write(sp, packed, len, 0600, 0, cause);
	free(sp);
	free(packed);
	return r;
}

static void rm_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	if (dp) {
		struct dirent *de;
		while ((de = readdir(dp))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char *p = xasprintf("%s/%s", dir, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(dp);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		dlog("cannot remove %s: %s", dir, strerror(errno));
}

void dapp_remove(struct dapp *a)
{
	keeper_detach(a);
	rm_dir(a->dir);
	daemon_bury_app(a);
}

static int read_small(const char *dir, const char *name, char **buf, size_t *len)
{
	char *p = xasprintf("%s/%s", dir, name);
	int r = atomicfile_read(p, 1 << 20, buf, len, NULL);
	free(p);
	return r;
}

static void load_one(struct daemon *d, const char *name)
{
	char *dir = home_app_dir(d->home, name);
	char *buf = NULL, *cause = NULL;
	size_t len = 0;
	struct app_spec spec;
	spec_defaults(&spec);
	if (read_small(dir, "spec", &buf, &len) < 0) {
		dlog("%s: no spec: skipped", dir);
		goto out;
	}
	if (spec_unpack(buf, len, &spec, &cause) < 0) {
		dlog("%s/spec: %s: skipped", dir, cause);
		goto out;
	}
	if (!spec.name || strcmp(spec.name, name) != 0 || dapp_find(d, name)) {
		dlog("%s/spec: names another app: skipped", dir);
		goto out;
	}
	free(buf);
	buf = NULL;
	int id = -1;
	if (read_small(dir, "id", &buf, &len) == 0) {
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
			buf[--len] = '\0';
		if (parse_id(buf, &id) < 0 || dapp_by_id(d, id))
			id = -1;
	}
	free(buf);
	buf = NULL;
	/* apps without a usable id get one after all are loaded */
	struct dapp *a = dapp_new(d, name, id >= 0 ? id : 1000000000);
	a->id_saved = id >= 0;
	spec_free(&a->spec);
	a->spec = spec;
	spec_defaults(&spec);       /* moved: nothing left to free */
	if (read_small(dir, "status", &buf, &len) == 0) {
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (appstate_unpack(buf, len, &a->st) == 0)
			a->have_state = 1;
	}
out:
	spec_free(&spec);
	free(buf);
	free(cause);
	free(dir);
}

void dapp_load_all(struct daemon *d)
{
	DIR *dp = opendir(d->apps_dir);
	if (!dp) {
		dlog("cannot read %s: %s", d->apps_dir, strerror(errno));
		return;
	}
	struct dirent *de;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.')
			load_one(d, de->d_name);
	closedir(dp);

	int max = -1;
	for (struct dapp *a = d->apps; a; a = a->next)
		if (a->id < 1000000000 && a->id > max)
			max = a->id;
	d->next_id = max + 1;
	for (struct dapp *a = d->apps; a;) {
		struct dapp *next = a->next;
		if (a->id >= 1000000000) {
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
			dapp_write_spec(a, NULL);
		}
		a = next;
	}

	int n = 0;
	for (struct dapp *a = d->apps; a; a = a->next) {
		n++;
		char *kp = xasprintf("%s/keeper.pid", a->dir);
		int launched = a->have_state || access(kp, F_OK) == 0;
		free(kp);
		if (launched)
			keeper_attach(a);
		else if (a->spec.after && a->spec.after[0])
			a->phase = PHASE_AFTER;
		else
			keeper_launch(a);
	}
	if (n)
		dlog("re-attached %d app%s", n, n == 1 ? "" : "s");
	daemon_changed(d);
}

/* ---- state ---- */

enum app_state_kind dapp_state(const struct dapp *a)
{
	switch (a->phase) {
	case PHASE_AFTER:
		return APP_WAITING;
	case PHASE_AFTER_FAILED:
		return APP_ERRORED;
	case PHASE_KEEPER:
		return a->have_state ? a->st.state : APP_LAUNCHING;
	case PHASE_IDLE:
	default:
		return a->have_state ? a->st.state : APP_STOPPED;
	}
}

const char *dapp_reason(const struct dapp *a)
{
	if (a->phase != PHASE_KEEPER && a->reason[0])
		return a->reason;
	return a->have_state ? a->st.reason : "";
}

int dapp_finished(const struct dapp *a)
{
	enum app_state_kind s = dapp_state(a);
	return s == APP_COMPLETED || s == APP_ERRORED || s == APP_STOPPED;
}

void dapp_spec_env(struct daemon *d, struct app_spec *s)
{
	static const char *const keys[] = { "PSUP_APP_NAME=", "PSUP_INSTANCE=", "PSUP_INSTANCES=",
		"PSUP_HOME=" };
	size_t n = 0, keep = 0;
	while (s->env && s->env[n])
		n++;
	char **env = xcalloc(n + 5, sizeof *env);
	for (size_t i = 0; i < n; i++) {
		int ours = 0;
		for (size_t k = 0; k < 4; k++)
			if (strncmp(s->env[i], keys[k], strlen(keys[k])) == 0)
				ours = 1;
		if (ours)
			free(s->env[i]);
		else
			env[keep++] = s->env[i];
	}
	env[keep++] = xasprintf("PSUP_APP_NAME=%s", s->name);
	env[keep++] = xasprintf("PSUP_INSTANCE=%d", s->instance);
	env[keep++] = xasprintf("PSUP_INSTANCES=%d", s->instances);
	env[keep++] = xasprintf("PSUP_HOME=%s", d->home);
	env[keep] = NULL;
	free(s->env);
	s->env = env;
}

/* ---- progress rate ---- */

void dapp_progress_sample(struct dapp *a)
{
	if (!a->st.has_progress || !(a->st.progress.have & PROGRESS_HAVE_DONE))
		return;
	int64_t at = a->st.progress_ms;
	long long done = a->st.progress.done;
	if (a->nprog > 0) {
		int last = a->nprog - 1;
		if (at < a->prog[last].at || done < a->prog[last].done)
			a->nprog = 0;       /* a new run, or a new job: start over */
		else if (at - a->prog[last].at < RATE_SAMPLE_EVERY_MS)
			return;
	}
	if (a->nprog == DAPP_PROGRESS_SAMPLES) {
		memmove(a->prog, a->prog + 1, (DAPP_PROGRESS_SAMPLES - 1) * sizeof a->prog[0]);
		a->nprog--;
	}
	a->prog[a->nprog].at = at;
	a->prog[a->nprog].done = done;
	a->nprog++;
}

/* Items per second over about the last 10 s of reports; -1 when unknown. */
static double progress_rate(const struct dapp *a, int64_t now_real)
{
	if (!a->st.has_progress)
		return -1;
	int64_t at = a->st.progress_ms;
	long long done = a->st.progress.done;
	if (now_real - at > RATE_WINDOW_MS)
		return 0;       /* no report for a while: nothing is moving */
	int base = -1;
	for (int i = 0; i < a->nprog; i++) {
		if (a->prog[i].at <= at - RATE_WINDOW_MS)
			base = i;
		else
			break;
	}
	if (base < 0)
		base = 0;
	if (a->nprog == 0 || a->prog[base].at >= at)
		return -1;
	return (double)(done - a->prog[base].done) * 1000.0 / (double)(at - a->prog[base].at);
}

/* ---- app objects ---- */

static void int_or_null(struct jw *w, const char *k, int have, long long v)
{
	if (have)
		jw_int(w, k, v);
	else
		jw_null(w, k);
}

static void progress_json(struct jw *w, const struct dapp *a, int64_t now_real)
{
	if (!a->have_state || !a->st.has_progress) {
		jw_null(w, "progress");
		return;
	}
	const struct progress *p = &a->st.progress;
	jw_obj(w, "progress");
	jw_int(w, "done", p->done);
	int_or_null(w, "total", p->have & PROGRESS_HAVE_TOTAL, p->total);
	int_or_null(w, "failed", p->have & PROGRESS_HAVE_FAILED, p->failed);
	int_or_null(w, "inflight", p->have & PROGRESS_HAVE_INFLIGHT, p->inflight);
	double rate = progress_rate(a, now_real);
	if (rate >= 0)
		jw_dbl(w, "rate", rate);
	else
		jw_null(w, "rate");
	if ((p->have & PROGRESS_HAVE_TOTAL) && p->done >= p->total)
		jw_int(w, "eta_s", 0);
	else if ((p->have & PROGRESS_HAVE_TOTAL) && rate > 0)
		jw_int(w, "eta_s", (long long)ceil((double)(p->total - p->done) / rate));
	else
		jw_null(w, "eta_s");
	jw_str(w, "job", (p->have & PROGRESS_HAVE_JOB) ? p->job : NULL);
	jw_int(w, "at", a->st.progress_ms);
	jw_end_obj(w);
}

static void strv_json(struct jw *w, const char *key, char *const *v)
{
	jw_arr(w, key);
	for (size_t i = 0; v && v[i]; i++)
		jw_str(w, NULL, v[i]);
	jw_end_arr(w);
}

static int secret_key(const char *key, size_t n)
{
	static const char *const words[] = { "KEY", "TOKEN", "SECRET", "PASSWORD", "AUTH" };
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
		size_t wl = strlen(words[k]);
		for (size_t i = 0; i + wl <= n; i++)
			if (strncasecmp(key + i, words[k], wl) == 0)
				return 1;
	}
	return 0;
}

static const char *autorestart_name(enum autorestart r)
{
	return r == AUTORESTART_ALWAYS ? "always" : r == AUTORESTART_ON_FAILURE ? "on-failure" : "never";
}

static void config_json(struct jw *w, const struct app_spec *s)
{
	jw_obj(w, "config");
	jw_str(w, "name", s->name);
	jw_str(w, "group", s->group);
	jw_str(w, "source", s->source);
	jw_int(w, "instance", s->instance);
	jw_int(w, "instances", s->instances);
	strv_json(w, "argv", s->argv);
	jw_str(w, "cwd", s->cwd);
	jw_obj(w, "env");
	for (size_t i = 0; s->env && s->env[i]; i++) {
		const char *eq = strchr(s->env[i], '=');
		size_t kl = eq ? (size_t)(eq - s->env[i]) : strlen(s->env[i]);
		char *key = xstrndup(s->env[i], kl);
		jw_str(w, key, secret_key(key, kl) ? "****" : eq ? eq + 1 : "");
		free(key);
	}
	jw_end_obj(w);
	jw_str(w, "out_file", s->out_file);
	jw_str(w, "error_file", s->err_file);
	jw_str(w, "log_file", s->combined_file);
	jw_bool(w, "time", s->time);
	jw_str(w, "log_date_format", s->log_date_format);
	jw_int(w, "log_max_size", s->log_max_size);
	jw_int(w, "log_retain", s->log_retain);
	jw_str(w, "autorestart", autorestart_name(s->autorestart));
	jw_bool(w, "autostart", s->autostart);
	jw_int(w, "max_restarts", s->max_restarts);
	jw_int(w, "min_uptime_ms", s->min_uptime_ms);
	jw_int(w, "restart_delay_ms", s->restart_delay_ms);
	jw_int(w, "exp_backoff_restart_delay_ms", s->exp_backoff_ms);
	jw_int(w, "exp_backoff_max_ms", s->exp_backoff_max_ms);
	jw_arr(w, "stop_exit_codes");
	for (int i = 0; i < s->n_stop_exit_codes; i++)
		jw_int(w, NULL, s->stop_exit_codes[i]);
	jw_end_arr(w);
	jw_int(w, "kill_timeout_ms", s->kill_timeout_ms);
	jw_int(w, "stop_signal", s->stop_signal);
	jw_int(w, "max_memory_restart", s->max_memory_restart);
	strv_json(w, "after", s->after);
	jw_end_obj(w);
}

static void size_json(struct jw *w, const char *k, const char *path)
{
	struct stat st;
	if (path && stat(path, &st) == 0)
		jw_int(w, k, (long long)st.st_size);
	else
		jw_null(w, k);
}

static void app_json(struct jw *w, struct dapp *a, const struct procstat_group *g,
    int64_t now_real, int64_t now_mono, int describe)
{
	const struct app_state *st = &a->st;
	int running = a->have_state && st->pid > 0 && a->phase == PHASE_KEEPER;
	enum app_state_kind state = dapp_state(a);
	jw_obj(w, NULL);
	jw_int(w, "id", a->id);
	jw_str(w, "name", a->name);
	jw_str(w, "group", a->spec.group ? a->spec.group : a->name);
	jw_int(w, "instance", a->spec.instance);
	jw_int(w, "pid", running ? st->pid : 0);
	jw_int(w, "keeper_pid", a->phase != PHASE_KEEPER ? 0 :
	    a->have_state && st->keeper_pid > 0 ? st->keeper_pid : a->keeper_pid);
	jw_str(w, "state", app_state_name(state));
	jw_str(w, "reason", dapp_reason(a));
	jw_int(w, "restarts", a->have_state ? st->restarts : 0);
	jw_int(w, "unstable", a->have_state ? st->unstable : 0);
	int up = running && st->started_ms > 0 && (state == APP_ONLINE || state == APP_LAUNCHING ||
	    state == APP_STOPPING);
	jw_int(w, "uptime_ms", up && now_real > st->started_ms ? now_real - st->started_ms : 0);
	jw_int(w, "started_at", up ? st->started_ms : 0);
	const struct app_exit *last = a->have_state && st->n_exits > 0 ? &st->exits[0] : NULL;
	int_or_null(w, "exit_code", last && last->code >= 0, last ? last->code : 0);
	int_or_null(w, "exit_signal", last && last->signal > 0, last ? last->signal : 0);
	double cpu = 0;
	long long mem = 0;
	if (running && g && g->nprocs > 0) {
		cpu = procstat_cpu_percent(&a->cpu, g, now_mono);
		mem = g->rss_bytes;
	}
	jw_dbl(w, "cpu", cpu);
	jw_int(w, "memory", mem);
	progress_json(w, a, now_real);
	jw_obj(w, "log_files");
	jw_str(w, "out", a->spec.out_file);
	jw_str(w, "error", a->spec.err_file);
	jw_str(w, "combined", a->spec.combined_file);
	jw_end_obj(w);
	jw_str(w, "source", a->spec.source);
	if (describe) {
		config_json(w, &a->spec);
		jw_arr(w, "exits");
		for (int i = 0; a->have_state && i < st->n_exits && i < APPSTATE_EXITS; i++) {
			const struct app_exit *e = &st->exits[i];
			jw_obj(w, NULL);
			jw_int(w, "at", e->at_ms);
			int_or_null(w, "code", e->code >= 0, e->code);
			int_or_null(w, "signal", e->signal > 0, e->signal);
			jw_int(w, "runtime_ms", e->runtime_ms);
			jw_end_obj(w);
		}
		jw_end_arr(w);
		jw_obj(w, "log_sizes");
		size_json(w, "out", a->spec.out_file);
		size_json(w, "error", a->spec.err_file);
		size_json(w, "combined", a->spec.combined_file);
		jw_end_obj(w);
		jw_int(w, "since", a->have_state ? st->since_ms : 0);
		jw_int(w, "next_start_at", a->have_state ? st->next_start_ms : 0);
		jw_int(w, "progress_bad", a->have_state ? st->progress_bad : 0);
		jw_int(w, "lines_dropped", a->have_state ? st->lines_dropped : 0);
		jw_int(w, "lines_split", a->have_state ? st->lines_split : 0);
		jw_str(w, "app_dir", a->dir);
	}
	jw_end_obj(w);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return x < y ? -1 : x > y;
}

void dapp_json_list(struct daemon *d, struct dapp **apps, int n, int describe, struct jw *w)
{
	struct procstat_group *g = xcalloc((size_t)(n ? n : 1), sizeof *g);
	int any = 0;
	for (int i = 0; i < n; i++) {
		struct dapp *a = apps[i];
		if (a->have_state && a->st.pid > 0 && a->phase == PHASE_KEEPER) {
			g[i].pgid = a->st.pgid > 0 ? a->st.pgid : a->st.pid;
			any = 1;
		}
	}
	/* keepers and the daemon are never app members: do not read them */
	int nskip = 0, total = 0;
	for (struct dapp *a = d->apps; a; a = a->next)
		total++;
	pid_t *skip = xcalloc((size_t)total + 1, sizeof *skip);
	skip[nskip++] = getpid();
	for (struct dapp *a = d->apps; a && any; a = a->next)
		if (a->keeper_pid > 0)
			skip[nskip++] = a->keeper_pid;
	qsort(skip, (size_t)nskip, sizeof *skip, cmp_pid);
	char *cause = NULL;
	if (any && procstat_scan(g, n, skip, nskip, &cause) < 0) {
		dlog("%s", cause);
		free(cause);
	}
	int64_t now_real = clock_real_ms(), now_mono = clock_mono_ms();
	jw_arr(w, "apps");
	for (int i = 0; i < n; i++)
		app_json(w, apps[i], g[i].pgid > 0 ? &g[i] : NULL, now_real, now_mono, describe);
	jw_end_arr(w);
	free(g);
	free(skip);
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
			enum app_state_kind s = dapp_state(b);
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

void dapp_after_check(struct daemon *d)
{
	int changed;
	do {
		changed = 0;
		for (struct dapp *a = d->apps; a; a = a->next) {
			if (a->phase != PHASE_AFTER)
				continue;
			char reason[APPSTATE_REASON_MAX];
			int r = deps_state(d, a, reason, sizeof reason);
			if (r > 0) {
				snprintf(a->reason, sizeof a->reason, "%s", reason);
			} else if (r < 0) {
				a->phase = PHASE_AFTER_FAILED;
				snprintf(a->reason, sizeof a->reason, "%s", reason);
				dlog("%s: %s", a->name, reason);
				changed = 1;
			} else {
				dlog("%s: dependencies met, starting", a->name);
				a->reason[0] = '\0';
				a->phase = PHASE_KEEPER;
				keeper_launch(a);
				changed = 1;
			}
		}
	} while (changed);
}
