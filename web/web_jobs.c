/* The job view's readers (see web_jobs.h). */
#include "web_jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "loop.h"
#include "web.h"
#include "web_esc.h"
#include "web_jobep.h"
#include "web_prom.h"
#include "web_stats.h"
#include "xalloc.h"

#define JOB_OUT_MAX (1u << 20)
#define JOB_ENV_MAX 16          /* PG* variables taken from an app */
/* A PostgreSQL store is only read, and never waited on for long. */
static char pg_options[] = "PGOPTIONS=-c default_transaction_read_only=on -c statement_timeout=5000";
static char pg_connect[] = "PGCONNECT_TIMEOUT=5";

extern char **environ;

struct job {
	struct web *w;
	char *store;            /* as the worker is given it (a URL may hold a password) */
	char *shown;            /* as the page and /metrics show it */
	char *env[JOB_ENV_MAX + 1]; /* the app's PG* variables, NULL-ended, owned */
	cJSON *apps;            /* names, owned */
	cJSON *status;          /* the last status --json, owned; NULL before */
	cJSON *eps;             /* its endpoints joined (web_jobep.h), owned; NULL for none */
	char *error;            /* why the last run failed, or NULL */
	pid_t pid;              /* the running status child, or 0 */
	int fd;                 /* its stdout */
	int errfd;              /* its stderr, read when it gave no JSON */
	struct buf out;
	int64_t next, deadline;
};

struct web_jobs {
	struct job j[WEB_JOBS_MAX];
	int n;
};

char *jobs_store_of(const cJSON *argv, const char *cwd)
{
	int n = cJSON_GetArraySize(argv), run = 0;
	const cJSON *a0 = cJSON_GetArrayItem(argv, 0);
	if (!cJSON_IsString(a0))
		return NULL;
	const char *base = strrchr(a0->valuestring, '/');
	if (strcmp(base ? base + 1 : a0->valuestring, "psup-worker") != 0)
		return NULL;
	const char *store = NULL;
	for (int i = 1; i < n; i++) {
		const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(argv, i));
		if (!s)
			continue;
		if (strcmp(s, "run") == 0)
			run = 1;
		else if (strncmp(s, "--job=", 6) == 0)
			store = s + 6;
		else if (strcmp(s, "--job") == 0 && i + 1 < n)
			store = cJSON_GetStringValue(cJSON_GetArrayItem(argv, ++i));
	}
	if (!run || !store || !*store)
		return NULL;
	if (jobs_store_is_pg(store))
		return xstrdup(store);
	if (strstr(store, "://"))
		return NULL;
	if (strncmp(store, "sqlite:", 7) == 0)
		store += 7;
	if (store[0] == '/' || !cwd || !*cwd)
		return xstrdup(store);
	return xasprintf("%s/%s", cwd, store);
}

int jobs_store_is_pg(const char *store)
{
	return strncmp(store, "postgres://", 11) == 0 || strncmp(store, "postgresql://", 13) == 0;
}

char *jobs_store_shown(const char *store)
{
	if (!jobs_store_is_pg(store))
		return xstrdup(store);
	const char *rest = strstr(store, "://") + 3;
	/* the last @ before the parameters: a password with an unescaped @
	 * or / stays hidden too */
	const char *at = memrchr(rest, '@', strcspn(rest, "?#"));
	const char *host = at ? at + 1 : rest;
	size_t user = at ? strcspn(rest, ":@") : 0;
	size_t tail = strcspn(host, "?#");       /* host, port and database */
	return xasprintf("%.*s%.*s%s%.*s", (int)(rest - store), store, (int)user, rest,
	    at ? "@" : "", (int)tail, host);
}

static void job_init(struct job *j)
{
	memset(j, 0, sizeof *j);
	j->fd = j->errfd = -1;
}

static void job_stop(struct web *w, struct job *j)
{
	if (j->fd >= 0) {
		loop_fd_del(w->l, j->fd);
		close(j->fd);
		j->fd = -1;
	}
	if (j->errfd >= 0)
		close(j->errfd);
	j->errfd = -1;
	if (j->pid > 0)
		kill(j->pid, SIGKILL);  /* reaped by jobs_reap() */
	j->pid = 0;
	buf_free(&j->out);
}

static void job_clear(struct web *w, struct job *j)
{
	job_stop(w, j);
	free(j->store);
	free(j->shown);
	for (int i = 0; j->env[i]; i++)
		free(j->env[i]);
	cJSON_Delete(j->apps);
	cJSON_Delete(j->status);
	cJSON_Delete(j->eps);
	free(j->error);
	job_init(j);
}

static struct web_jobs *jobs_get(struct web *w)
{
	if (!w->jobs) {
		w->jobs = xcalloc(1, sizeof *w->jobs);
		for (int i = 0; i < WEB_JOBS_MAX; i++)
			job_init(&w->jobs->j[i]);
	}
	return w->jobs;
}

/* The PG* variables of an app's environment as describe shows it, but
 * for masked values (a password). */
static void pg_env(char **env, const cJSON *app_env)
{
	int n = 0;
	const cJSON *v;
	cJSON_ArrayForEach(v, app_env) {
		const char *s = cJSON_GetStringValue(v);
		if (n < JOB_ENV_MAX && s && v->string && strncmp(v->string, "PG", 2) == 0 &&
		    strcmp(s, "****") != 0)
			env[n++] = xasprintf("%s=%s", v->string, s);
	}
	env[n] = NULL;
}

void jobs_set(struct web *w, const cJSON *reply)
{
	struct web_jobs *js = jobs_get(w);
	struct web_jobs next = {0};
	for (int i = 0; i < WEB_JOBS_MAX; i++)
		job_init(&next.j[i]);
	const cJSON *app;
	cJSON_ArrayForEach(app, cJSON_GetObjectItemCaseSensitive(reply, "apps")) {
		const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(app, "config");
		char *store = jobs_store_of(cJSON_GetObjectItemCaseSensitive(cfg, "argv"),
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cfg, "cwd")));
		if (!store)
			continue;
		int k = 0;
		while (k < next.n && strcmp(next.j[k].store, store) != 0)
			k++;
		if (k == next.n) {
			if (k == WEB_JOBS_MAX) {
				free(store);
				continue;
			}
			next.j[k].w = w;
			next.j[k].store = store;
			next.j[k].shown = jobs_store_shown(store);
			next.j[k].apps = cJSON_CreateArray();
			if (jobs_store_is_pg(store))
				pg_env(next.j[k].env, cJSON_GetObjectItemCaseSensitive(cfg, "env"));
			next.n++;
		} else {
			free(store);
		}
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(app, "name"));
		cJSON_AddItemToArray(next.j[k].apps, cJSON_CreateString(name ? name : "?"));
	}
	/* Keep what is known of a store followed before. */
	for (int k = 0; k < next.n; k++) {
		for (int i = 0; i < js->n; i++) {
			struct job *o = &js->j[i];
			if (o->store && strcmp(o->store, next.j[k].store) == 0) {
				next.j[k].status = o->status;
				o->status = NULL;
				next.j[k].eps = o->eps;
				o->eps = NULL;
				next.j[k].error = o->error;
				o->error = NULL;
			}
		}
	}
	for (int i = 0; i < js->n; i++)
		job_clear(w, &js->j[i]);
	*js = next;
}

/* What the status run said on stderr (it has exited: its output is all
 * in the pipe): its last line, or a guess; malloc'd. */
static char *why_no_json(const struct job *j)
{
	char said[2048];
	ssize_t n = j->errfd >= 0 ? read(j->errfd, said, sizeof said - 1) : -1;
	while (n > 0 && (said[n - 1] == '\n' || said[n - 1] == '\r'))
		n--;
	if (n <= 0)
		return xstrdup("psup-worker status gave no JSON (is the store there yet?)");
	said[n] = '\0';
	const char *last = strrchr(said, '\n');
	return xstrdup(last ? last + 1 : said);
}

static void job_done(struct web *w, struct job *j, const char *error)
{
	free(j->error);
	j->error = error ? xstrdup(error) : NULL;
	if (!error) {
		cJSON *st = cJSON_ParseWithLength(j->out.p ? j->out.p : "", j->out.len);
		if (cJSON_IsObject(st)) {
			cJSON_Delete(j->status);
			cJSON_Delete(j->eps);
			j->status = st;
			j->eps = jobep_view(st);
		} else {
			cJSON_Delete(st);
			j->error = why_no_json(j);
		}
	}
	job_stop(w, j);
}

static void job_read_cb(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)l, (void)ev;
	struct job *j = arg;
	char chunk[16384];
	ssize_t n = read(fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		job_done(j->w, j, strerror(errno));
	} else if (n == 0) {
		job_done(j->w, j, NULL);
	} else if (j->out.len + (size_t)n > JOB_OUT_MAX) {
		job_done(j->w, j, "psup-worker status said too much");
	} else {
		buf_add(&j->out, chunk, (size_t)n);
	}
}

/* The status child's environment: for a PostgreSQL store the read-only
 * session, the timeouts and the app's PG* variables first (getenv takes
 * the first), then ours. The array is malloc'd, its strings are not. */
static char **child_env(const struct job *j)
{
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	char **env = xcalloc(n + JOB_ENV_MAX + 3, sizeof *env);
	if (jobs_store_is_pg(j->store)) {
		env[k++] = pg_options;
		env[k++] = pg_connect;
		for (int i = 0; j->env[i]; i++)
			env[k++] = j->env[i];
	}
	for (size_t i = 0; i < n; i++)
		env[k++] = environ[i];
	return env;
}

static void job_start(struct web *w, struct job *j, int64_t now)
{
	char *prog = xstrdup(w->worker);
	int p[2] = { -1, -1 }, e[2] = { -1, -1 };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2(e, O_CLOEXEC | O_NONBLOCK) < 0) {
		char *msg = xasprintf("cannot run psup-worker status: %s", strerror(errno));
		job_done(w, j, msg);
		free(msg);
		for (int *fd = p; fd < p + 2; fd++)
			if (*fd >= 0)
				close(*fd);
		if (null >= 0)
			close(null);
		free(prog);
		return;
	}
	char **envp = child_env(j);
	pid_t pid = fork();
	if (pid == 0) {
		int fds[3] = { null, p[1], e[1] };
		if (child_reset(fds, 3, 0, NULL) < 0)
			_exit(127);
		char st[] = "status", job[] = "--job", json[] = "--json";
		char *const argv[] = { prog, st, job, j->store, json, NULL };
		execve(prog, argv, envp);
		_exit(127);
	}
	close(p[1]);
	close(e[1]);
	close(null);
	free(prog);
	free(envp);
	if (pid < 0) {
		close(p[0]);
		close(e[0]);
		char *msg = xasprintf("cannot fork: %s", strerror(errno));
		job_done(w, j, msg);
		free(msg);
		return;
	}
	j->pid = pid;
	j->fd = p[0];
	j->errfd = e[0];
	j->deadline = now + WEB_JOBS_TIMEOUT_MS;
	char *cause = NULL;
	if (loop_fd_add(w->l, j->fd, LOOP_READ, job_read_cb, j, &cause) < 0) {
		job_done(w, j, cause);
		free(cause);
	}
}

void jobs_tick(struct web *w, int64_t now)
{
	struct web_jobs *js = jobs_get(w);
	for (int i = 0; i < js->n; i++) {
		struct job *j = &js->j[i];
		if (j->pid && now >= j->deadline) {
			job_done(w, j, "psup-worker status did not answer in time");
		} else if (!j->pid && now >= j->next) {
			j->next = now + WEB_JOBS_EVERY_MS;
			job_start(w, j, now);
		}
	}
}

void jobs_reap(struct web *w)
{
	(void)w;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Appends one job's entry to the array that starts at b's start: o (then
 * freed) with "apps" and "requests" from the apps named. */
static void job_add(struct buf *b, size_t start, cJSON *o, const struct web_apps *a,
    const char *const *names, int n)
{
	const cJSON **objs = xcalloc((size_t)n + 1, sizeof *objs);
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		const struct app_ent *e = apps_find(a, names[i]);
		objs[i] = e ? e->obj : NULL;
		cJSON_AddItemToArray(arr, cJSON_CreateString(names[i]));
	}
	cJSON_AddItemToObject(o, "apps", arr);
	cJSON *req = stats_job(objs, n);
	cJSON_AddItemToObject(o, "requests", req ? req : cJSON_CreateNull());
	free(objs);
	char *raw = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (b->len > start + 1)
		buf_addc(b, ',');
	esc_json_safe(b, raw ? raw : "{}");
	free(raw);
}

/* Apps that report request stats with no store psup web reads, one job
 * per name their reports give (the app's own name without one). */
static void stats_jobs(const struct web *w, struct buf *b, size_t start)
{
	const struct web_apps *a = &w->apps;
	const char **names = xcalloc((size_t)a->n + 1, sizeof *names);
	char *taken = xcalloc((size_t)a->n + 1, 1);  /* shown already, or by a store's job */
	for (int i = 0; w->jobs && i < w->jobs->n; i++) {
		const cJSON *s;
		cJSON_ArrayForEach(s, w->jobs->j[i].apps) {
			const struct app_ent *e = apps_find(a, cJSON_GetStringValue(s));
			if (e)
				taken[e - a->ents] = 1;
		}
	}
	for (int i = 0; i < a->n; i++) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(a->ents[i].obj, "progress");
		const char *job = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "job"));
		if (taken[i] || !stats_of(a->ents[i].obj))
			continue;
		int n = 0;
		for (int k = i; k < a->n; k++) {
			const cJSON *q = cJSON_GetObjectItemCaseSensitive(a->ents[k].obj, "progress");
			const char *kj = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(q, "job"));
			if (k == i || (job && kj && !taken[k] && strcmp(job, kj) == 0)) {
				taken[k] = 1;
				names[n++] = a->ents[k].name;
			}
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNullToObject(o, "store");
		cJSON_AddStringToObject(o, "job", job ? job : a->ents[i].name);
		cJSON_AddNullToObject(o, "status");
		cJSON_AddNullToObject(o, "error");
		cJSON_AddNullToObject(o, "endpoints");
		job_add(b, start, o, a, names, n);
	}
	free(taken);
	free(names);
}

void jobs_json(const struct web *w, struct buf *b)
{
	const struct web_jobs *js = w->jobs;
	size_t start = b->len;
	buf_addc(b, '[');
	for (int i = 0; js && i < js->n; i++) {
		const struct job *j = &js->j[i];
		int n = cJSON_GetArraySize(j->apps), k = 0;
		const char **names = xcalloc((size_t)n + 1, sizeof *names);
		const cJSON *s;
		cJSON_ArrayForEach(s, j->apps)
			names[k++] = cJSON_GetStringValue(s);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "store", j->shown);
		cJSON_AddNullToObject(o, "job");
		cJSON_AddItemToObject(o, "status", j->status ? cJSON_Duplicate(j->status, 1) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "error", j->error ? cJSON_CreateString(j->error) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "endpoints", j->eps ? cJSON_Duplicate(j->eps, 1) : cJSON_CreateNull());
		job_add(b, start, o, &w->apps, names, k);
		free(names);
	}
	stats_jobs(w, b, start);
	buf_addc(b, ']');
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

void jobs_metrics(const struct web *w, struct buf *b)
{
	static const char *const states[] = { "pending", "leased", "done", "failed", NULL };
	const struct web_jobs *js = w->jobs;
	int any = 0;
	for (int i = 0; js && i < js->n; i++)
		any |= js->j[i].status != NULL;
	if (!any)
		return;
	prom_family(b, "psup_job_items", PROM_GAUGE, "Items of a psup-worker job store by state.");
	for (int i = 0; i < js->n; i++)
		for (int s = 0; js->j[i].status && states[s]; s++) {
			const char *lab[] = { "job", js->j[i].shown, "state", states[s], NULL };
			prom_sample(b, "psup_job_items", lab, jnum(js->j[i].status, states[s]));
		}
	static const struct { const char *name, *key, *help; } counters[] = {
		{ "psup_job_attempts_total", "attempts", "Requests made for the job's items (first tries and retries)." },
		{ "psup_job_tokens_total", "tokens", "Tokens the API reported used by the job." },
	};
	for (size_t c = 0; c < sizeof counters / sizeof counters[0]; c++) {
		prom_family(b, counters[c].name, PROM_COUNTER, counters[c].help);
		for (int i = 0; i < js->n; i++) {
			const char *lab[] = { "job", js->j[i].shown, NULL };
			if (js->j[i].status)
				prom_sample(b, counters[c].name, lab, jnum(js->j[i].status, counters[c].key));
		}
	}
	prom_family(b, "psup_job_retries_total", PROM_COUNTER, "Requests beyond one per item (attempts - done - failed - leased, at least 0).");
	for (int i = 0; i < js->n; i++) {
		const cJSON *st = js->j[i].status;
		const char *lab[] = { "job", js->j[i].shown, NULL };
		double r = jnum(st, "attempts") - jnum(st, "done") - jnum(st, "failed") - jnum(st, "leased");
		if (st)
			prom_sample(b, "psup_job_retries_total", lab, r > 0 ? r : 0);
	}
	prom_family(b, "psup_job_failed_items", PROM_GAUGE, "Failed items by HTTP status class (429 on its own) and status.");
	for (int i = 0; i < js->n; i++) {
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(js->j[i].status, "errors")) {
			int st = (int)jnum(e, "http_status");
			char code[16], cls[8];
			snprintf(code, sizeof code, "%d", st);
			if (st == 429)
				snprintf(cls, sizeof cls, "429");
			else if (st >= 100 && st < 600)
				snprintf(cls, sizeof cls, "%dxx", st / 100);
			else
				snprintf(cls, sizeof cls, "none");
			const char *lab[] = { "job", js->j[i].shown, "class", cls, "http_status", code,
			    "error", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "error")) ?
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "error")) : "", NULL };
			prom_sample(b, "psup_job_failed_items", lab, jnum(e, "count"));
		}
	}
	struct jobep_job eps[WEB_JOBS_MAX];
	for (int i = 0; i < js->n; i++)
		eps[i] = (struct jobep_job){ js->j[i].shown, js->j[i].status, js->j[i].eps };
	jobep_metrics(b, eps, js->n);
}

void jobs_free(struct web *w)
{
	if (!w->jobs)
		return;
	for (int i = 0; i < w->jobs->n; i++)
		job_clear(w, &w->jobs->j[i]);
	free(w->jobs);
	w->jobs = NULL;
}
