/* The daemon's app table: APPDIRs on disk (id, spec), selection by target,
 * the state users see, app objects for list/describe, and `after:` gates. */
#include "daemon_int.h"
#include "atomicfile.h"
#include "clock.h"
#include "home.h"
#include "xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
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
	free(a->kout);
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
	char *idp = xasprintf("%s/id", a->dir);
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%d\n", a->id);
	int r = atomicfile_write(idp, buf, (size_t)n, 0600, 0, cause);
	free(idp);
	if (r < 0)
		return -1;
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

static void add_int_or_null(cJSON *o, const char *k, int have, double v)
{
	if (have)
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *progress_json(const struct dapp *a, int64_t now_real)
{
	if (!a->have_state || !a->st.has_progress)
		return cJSON_CreateNull();
	const struct progress *p = &a->st.progress;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "done", (double)p->done);
	add_int_or_null(o, "total", p->have & PROGRESS_HAVE_TOTAL, (double)p->total);
	add_int_or_null(o, "failed", p->have & PROGRESS_HAVE_FAILED, (double)p->failed);
	add_int_or_null(o, "inflight", p->have & PROGRESS_HAVE_INFLIGHT, (double)p->inflight);
	double rate = progress_rate(a, now_real);
	if (rate >= 0)
		cJSON_AddNumberToObject(o, "rate", round(rate * 10) / 10);
	else
		cJSON_AddNullToObject(o, "rate");
	if ((p->have & PROGRESS_HAVE_TOTAL) && p->done >= p->total)
		cJSON_AddNumberToObject(o, "eta_s", 0);
	else if ((p->have & PROGRESS_HAVE_TOTAL) && rate > 0)
		cJSON_AddNumberToObject(o, "eta_s", ceil((double)(p->total - p->done) / rate));
	else
		cJSON_AddNullToObject(o, "eta_s");
	cJSON_AddNumberToObject(o, "at", (double)a->st.progress_ms);
	return o;
}

static void add_str_or_null(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *strv_json(char *const *v)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(v[i]));
	return arr;
}

static int secret_key(const char *key, size_t n)
{
	static const char *const words[] = { "KEY", "TOKEN", "SECRET", "PASSWORD", "AUTH" };
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
		size_t wl = strlen(words[w]);
		for (size_t i = 0; i + wl <= n; i++)
			if (strncasecmp(key + i, words[w], wl) == 0)
				return 1;
	}
	return 0;
}

static const char *autorestart_name(enum autorestart r)
{
	return r == AUTORESTART_ALWAYS ? "always" : r == AUTORESTART_ON_FAILURE ? "on-failure" : "never";
}

static cJSON *config_json(const struct app_spec *s)
{
	cJSON *o = cJSON_CreateObject();
	add_str_or_null(o, "name", s->name);
	add_str_or_null(o, "group", s->group);
	add_str_or_null(o, "source", s->source);
	cJSON_AddNumberToObject(o, "instance", s->instance);
	cJSON_AddNumberToObject(o, "instances", s->instances);
	cJSON_AddItemToObject(o, "argv", strv_json(s->argv));
	add_str_or_null(o, "cwd", s->cwd);
	cJSON *env = cJSON_CreateObject();
	for (size_t i = 0; s->env && s->env[i]; i++) {
		const char *eq = strchr(s->env[i], '=');
		size_t kl = eq ? (size_t)(eq - s->env[i]) : strlen(s->env[i]);
		char *key = xstrndup(s->env[i], kl);
		cJSON_AddStringToObject(env, key, secret_key(key, kl) ? "****" : eq ? eq + 1 : "");
		free(key);
	}
	cJSON_AddItemToObject(o, "env", env);
	add_str_or_null(o, "out_file", s->out_file);
	add_str_or_null(o, "error_file", s->err_file);
	add_str_or_null(o, "log_file", s->combined_file);
	cJSON_AddBoolToObject(o, "time", s->time);
	add_str_or_null(o, "log_date_format", s->log_date_format);
	cJSON_AddNumberToObject(o, "log_max_size", (double)s->log_max_size);
	cJSON_AddNumberToObject(o, "log_retain", s->log_retain);
	cJSON_AddStringToObject(o, "autorestart", autorestart_name(s->autorestart));
	cJSON_AddBoolToObject(o, "autostart", s->autostart);
	cJSON_AddNumberToObject(o, "max_restarts", s->max_restarts);
	cJSON_AddNumberToObject(o, "min_uptime_ms", (double)s->min_uptime_ms);
	cJSON_AddNumberToObject(o, "restart_delay_ms", (double)s->restart_delay_ms);
	cJSON_AddNumberToObject(o, "exp_backoff_restart_delay_ms", (double)s->exp_backoff_ms);
	cJSON_AddNumberToObject(o, "exp_backoff_max_ms", (double)s->exp_backoff_max_ms);
	cJSON *codes = cJSON_CreateArray();
	for (int i = 0; i < s->n_stop_exit_codes; i++)
		cJSON_AddItemToArray(codes, cJSON_CreateNumber(s->stop_exit_codes[i]));
	cJSON_AddItemToObject(o, "stop_exit_codes", codes);
	cJSON_AddNumberToObject(o, "kill_timeout_ms", (double)s->kill_timeout_ms);
	cJSON_AddNumberToObject(o, "stop_signal", s->stop_signal);
	cJSON_AddNumberToObject(o, "max_memory_restart", (double)s->max_memory_restart);
	cJSON_AddItemToObject(o, "after", strv_json(s->after));
	return o;
}

static void add_size(cJSON *o, const char *k, const char *path)
{
	struct stat st;
	if (path && stat(path, &st) == 0)
		cJSON_AddNumberToObject(o, k, (double)st.st_size);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *app_json(struct dapp *a, const struct procstat_group *g, int64_t now_real,
    int64_t now_mono, int describe)
{
	cJSON *o = cJSON_CreateObject();
	const struct app_state *st = &a->st;
	int running = a->have_state && st->pid > 0 && a->phase == PHASE_KEEPER;
	enum app_state_kind state = dapp_state(a);
	cJSON_AddNumberToObject(o, "id", a->id);
	cJSON_AddStringToObject(o, "name", a->name);
	cJSON_AddStringToObject(o, "group", a->spec.group ? a->spec.group : a->name);
	cJSON_AddNumberToObject(o, "instance", a->spec.instance);
	cJSON_AddNumberToObject(o, "pid", running ? st->pid : 0);
	cJSON_AddNumberToObject(o, "keeper_pid", a->phase == PHASE_KEEPER && a->have_state &&
	    st->keeper_pid > 0 ? st->keeper_pid : a->phase == PHASE_KEEPER ? a->keeper_pid : 0);
	cJSON_AddStringToObject(o, "state", app_state_name(state));
	cJSON_AddStringToObject(o, "reason", dapp_reason(a));
	cJSON_AddNumberToObject(o, "restarts", a->have_state ? st->restarts : 0);
	cJSON_AddNumberToObject(o, "unstable", a->have_state ? st->unstable : 0);
	int up = running && st->started_ms > 0 && (state == APP_ONLINE || state == APP_LAUNCHING ||
	    state == APP_STOPPING);
	cJSON_AddNumberToObject(o, "uptime_ms", up && now_real > st->started_ms ?
	    (double)(now_real - st->started_ms) : 0);
	cJSON_AddNumberToObject(o, "started_at", up ? (double)st->started_ms : 0);
	const struct app_exit *last = a->have_state && st->n_exits > 0 ? &st->exits[0] : NULL;
	add_int_or_null(o, "exit_code", last && last->code >= 0, last ? last->code : 0);
	add_int_or_null(o, "exit_signal", last && last->signal > 0, last ? last->signal : 0);
	double cpu = 0;
	long long mem = 0;
	if (running && g && g->nprocs > 0) {
		cpu = procstat_cpu_percent(&a->cpu, g, now_mono);
		mem = g->rss_bytes;
	}
	cJSON_AddNumberToObject(o, "cpu", round(cpu * 10) / 10);
	cJSON_AddNumberToObject(o, "memory", (double)mem);
	cJSON_AddItemToObject(o, "progress", progress_json(a, now_real));
	cJSON *lf = cJSON_CreateObject();
	add_str_or_null(lf, "out", a->spec.out_file);
	add_str_or_null(lf, "error", a->spec.err_file);
	add_str_or_null(lf, "combined", a->spec.combined_file);
	cJSON_AddItemToObject(o, "log_files", lf);
	add_str_or_null(o, "source", a->spec.source);
	if (!describe)
		return o;

	cJSON_AddItemToObject(o, "config", config_json(&a->spec));
	cJSON *exits = cJSON_CreateArray();
	for (int i = 0; a->have_state && i < st->n_exits && i < APPSTATE_EXITS; i++) {
		const struct app_exit *e = &st->exits[i];
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "at", (double)e->at_ms);
		add_int_or_null(x, "code", e->code >= 0, e->code);
		add_int_or_null(x, "signal", e->signal > 0, e->signal);
		cJSON_AddNumberToObject(x, "runtime_ms", (double)e->runtime_ms);
		cJSON_AddItemToArray(exits, x);
	}
	cJSON_AddItemToObject(o, "exits", exits);
	cJSON *sizes = cJSON_CreateObject();
	add_size(sizes, "out", a->spec.out_file);
	add_size(sizes, "error", a->spec.err_file);
	add_size(sizes, "combined", a->spec.combined_file);
	cJSON_AddItemToObject(o, "log_sizes", sizes);
	cJSON_AddNumberToObject(o, "since", a->have_state ? (double)st->since_ms : 0);
	cJSON_AddNumberToObject(o, "next_start_at", a->have_state ? (double)st->next_start_ms : 0);
	cJSON_AddNumberToObject(o, "progress_bad", a->have_state ? (double)st->progress_bad : 0);
	cJSON_AddNumberToObject(o, "lines_dropped", a->have_state ? (double)st->lines_dropped : 0);
	cJSON_AddNumberToObject(o, "lines_split", a->have_state ? (double)st->lines_split : 0);
	cJSON_AddStringToObject(o, "app_dir", a->dir);
	return o;
}

cJSON *dapp_json_list(struct daemon *d, struct dapp **apps, int n, int describe)
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
	char *cause = NULL;
	if (any && procstat_scan(g, n, &cause) < 0) {
		dlog("%s", cause);
		free(cause);
	}
	int64_t now_real = clock_real_ms(), now_mono = clock_mono_ms();
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, app_json(apps[i], g[i].pgid > 0 ? &g[i] : NULL, now_real,
		    now_mono, describe));
	free(g);
	(void)d;
	return arr;
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
