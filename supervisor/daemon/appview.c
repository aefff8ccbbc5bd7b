/* What users see of an app beyond its state: app objects for list and
 * describe (PROTOCOL.md), with CPU, memory and the progress rate derived
 * from the keeper's pushes. */
#include "appview.h"
#include "apps.h"
#include "cgroup.h"
#include "clock.h"
#include "jsonw.h"
#include "xalloc.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define RATE_WINDOW_MS 10000
#define RATE_SAMPLE_EVERY_MS 500

/* ---- progress rate ---- */

void appview_sample_progress(struct dapp *a)
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
	jw_str(w, "note", p->note[0] ? p->note : NULL);
	jw_int(w, "at", a->st.progress_ms);
	if (p->stat_have) {
		jw_obj(w, "stats");
		for (int i = 0; i < PROGRESS_NSTAT; i++)
			if (p->stat_have & (1u << i))
				jw_int(w, progress_stat_name(i), p->stat[i]);
		jw_end_obj(w);
	}
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

/* env values whose key looks secret are masked */
static void env_json(struct jw *w, const char *name, char *const *env)
{
	jw_obj(w, name);
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		size_t kl = eq ? (size_t)(eq - env[i]) : strlen(env[i]);
		char *key = xstrndup(env[i], kl);
		jw_str(w, key, secret_key(key, kl) ? "****" : eq ? eq + 1 : "");
		free(key);
	}
	jw_end_obj(w);
}

/* The spec as describe shows it, in spec_fields' order (PROTOCOL.md). */
static void config_json(struct jw *w, const struct app_spec *s)
{
	jw_obj(w, "config");
	for (size_t i = 0; i < spec_nfields; i++) {
		const struct spec_field *f = &spec_fields[i];
		const char *key = f->shown ? f->shown : f->key;
		const void *p = (const char *)s + f->off;
		if (f->runtime)
			continue;
		switch (f->type) {
		case SPEC_F_STR:
			jw_str(w, key, *(char *const *)p);
			break;
		case SPEC_F_INT:
			jw_int(w, key, *(const int *)p);
			break;
		case SPEC_F_BOOL:
			jw_bool(w, key, *(const int *)p);
			break;
		case SPEC_F_LL:
			jw_int(w, key, *(const long long *)p);
			break;
		case SPEC_F_STRV:
			if (f->secret)
				env_json(w, key, *(char *const *const *)p);
			else
				strv_json(w, key, *(char *const *const *)p);
			break;
		case SPEC_F_AUTORESTART:
			jw_str(w, key, spec_autorestart_name(s->autorestart));
			break;
		case SPEC_F_EXIT_CODES:
			jw_arr(w, key);
			for (int k = 0; k < s->n_stop_exit_codes; k++)
				jw_int(w, NULL, s->stop_exit_codes[k]);
			jw_end_arr(w);
			break;
		}
	}
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

/* pm2's name for a state: pm2 says online as soon as the process runs
 * (psup's launching lasts min_uptime), has no waiting for after: or a
 * delay but "waiting restart", and shows a finished one-shot as stopped. */
static const char *pm2_status(enum app_state_kind k, int running)
{
	switch (k) {
	case APP_LAUNCHING:
		return running ? "online" : "launching";
	case APP_WAITING:
		return "waiting restart";
	case APP_COMPLETED:
		return "stopped";
	default:
		return app_state_name(k);
	}
}

/* An app's variable as a key of pm2_env: a number when it is one. */
static void env_number(struct jw *w, const struct app_spec *s, const char *name)
{
	const char *v = app_env_get(s->env, name);
	if (!v)
		return;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (*v && !*end && !errno && (*v != '0' || !v[1]))
		jw_int(w, name, n);
	else
		jw_str(w, name, v);
}

/* The keys of pm2's jlist that scripts read (pm_id, monit.memory,
 * pm2_env.status, pm2_env.restart_time, ...), from what psup knows, and
 * no more: every key costs each jlist of a thousand apps. The app's
 * environment is left out, as it may hold secrets, but for the instance
 * and increment variables psup itself sets. */
static void pm2_json(struct jw *w, const struct dapp *a, enum app_state_kind state,
    int running, double cpu, long long mem, int64_t started_ms)
{
	const struct app_spec *s = &a->spec;
	const struct app_state *st = &a->st;
	/* argv is [interpreter, interpreter_args..., script, args...] with an
	 * interpreter, else [script, args...] */
	int at = 0;
	if (s->script)
		for (int i = 1; s->argv && s->argv[i]; i++)
			if (strcmp(s->argv[i], s->script) == 0) {
				at = i;
				break;
			}
	jw_int(w, "pm_id", a->id);
	jw_obj(w, "monit");
	jw_int(w, "memory", mem);
	jw_dbl(w, "cpu", cpu);
	jw_end_obj(w);
	jw_obj(w, "pm2_env");
	jw_str(w, "name", a->name);
	jw_str(w, "namespace", s->namespace ? s->namespace : "default");
	jw_int(w, "pm_id", a->id);
	jw_str(w, "status", pm2_status(state, running));
	jw_int(w, "pm_uptime", started_ms);
	jw_int(w, "restart_time", a->have_state ? st->restarts : 0);
	jw_int(w, "unstable_restarts", a->have_state ? st->unstable : 0);
	jw_str(w, "pm_exec_path", s->argv ? s->argv[at] : NULL);
	jw_str(w, "exec_interpreter", at > 0 ? s->argv[0] : "none");
	/* pm2 calls the interpreter's arguments node_args whatever it runs */
	jw_arr(w, "node_args");
	for (int i = 1; i < at; i++)
		jw_str(w, NULL, s->argv[i]);
	jw_end_arr(w);
	jw_arr(w, "args");
	if (s->argv && s->argv[0])
		for (int i = at + 1; s->argv[i]; i++)
			jw_str(w, NULL, s->argv[i]);
	jw_end_arr(w);
	jw_str(w, "pm_cwd", s->cwd);
	jw_str(w, "exec_mode", "fork_mode");
	jw_int(w, "instances", s->instances);
	jw_str(w, "pm_out_log_path", s->out_file);
	jw_str(w, "pm_err_log_path", s->err_file);
	if (s->combined_file)
		jw_str(w, "pm_log_path", s->combined_file);
	if (s->pid_file)
		jw_str(w, "pm_pid_path", s->pid_file);
	/* pm2 sets these in pm2_env itself (numbers): scripts look for
	 * `NODE_APP_INSTANCE: 1` in prettylist */
	env_number(w, s, s->instance_var ? s->instance_var : "NODE_APP_INSTANCE");
	if (s->increment_var)
		env_number(w, s, s->increment_var);
	jw_bool(w, "autorestart", s->autorestart != AUTORESTART_NEVER);
	jw_bool(w, "watch", s->watch != NULL);
	const struct app_exit *last = a->have_state && st->n_exits > 0 ? &st->exits[0] : NULL;
	if (last && last->code >= 0)
		jw_int(w, "exit_code", last->code);
	else
		jw_null(w, "exit_code");
	jw_end_obj(w);
}

static void app_json(struct jw *w, struct dapp *a, const struct procstat_group *g,
    int64_t now_real, int64_t now_mono, unsigned flags)
{
	int describe = flags & APPVIEW_DESCRIBE;
	const struct app_state *st = &a->st;
	int running = a->have_state && st->pid > 0 && lifecycle_has_keeper(&a->lc);
	enum app_state_kind state = app_shown_state(a);
	jw_obj(w, NULL);
	jw_int(w, "id", a->id);
	jw_str(w, "name", a->name);
	jw_str(w, "group", a->spec.group ? a->spec.group : a->name);
	jw_int(w, "instance", a->spec.instance);
	jw_int(w, "pid", running ? st->pid : 0);
	jw_int(w, "keeper_pid", !lifecycle_has_keeper(&a->lc) ? 0 :
	    a->have_state && st->keeper_pid > 0 ? st->keeper_pid : a->keeper_pid);
	jw_str(w, "state", app_state_name(state));
	jw_str(w, "reason", app_reason(a));
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
	long long mem = 0, cpu_ms = 0;
	if (running && g && g->nprocs > 0) {
		cpu = procstat_cpu_percent(&a->cpu, g, now_mono);
		cpu_ms = procstat_cpu_ms(&a->cpu, g, st->started_ms);
		mem = g->rss_bytes;
	}
	jw_dbl(w, "cpu", cpu);
	jw_int(w, "cpu_time_ms", cpu_ms);
	jw_int(w, "memory", mem);
	progress_json(w, a, now_real);
	jw_obj(w, "log_files");
	jw_str(w, "out", a->spec.out_file);
	jw_str(w, "error", a->spec.err_file);
	jw_str(w, "combined", a->spec.combined_file);
	jw_end_obj(w);
	jw_str(w, "source", a->spec.source);
	if (flags & APPVIEW_PM2)
		pm2_json(w, a, state, running, cpu, mem, a->have_state ? st->started_ms : 0);
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
		jw_str(w, "log_error", a->have_state ? st->log_error : "");
		jw_str(w, "run_dir", a->dir);
		int in_cg = a->have_state && st->in_cgroup;
		jw_str(w, "processes_by", in_cg ? "cgroup" : procstat_mechanism());
		char cg[CGROUP_PATH_MAX] = "";
		const char *entry = strrchr(a->dir, '/');
		if (in_cg && a->d->cgroup_base &&
		    cgroup_app_path(a->d->cgroup_base, entry ? entry + 1 : a->dir, cg, sizeof cg) < 0)
			cg[0] = '\0';
		jw_str(w, "cgroup", cg);
	}
	jw_end_obj(w);
}

/* The keeper of a running app: its subtree holds the app's processes. */
static pid_t keeper_of(const struct dapp *a)
{
	return a->have_state && a->st.keeper_pid > 0 ? a->st.keeper_pid : a->keeper_pid;
}

/* How many descriptors procstat may keep open for the next list: what the
 * daemon's limit leaves after a link and one more descriptor per app (a
 * keeper being launched, a log followed) and room for clients. */
#define FD_BUDGET_SPARE 256
static int fd_budget(const struct daemon *d)
{
	long long napps = 0;
	for (const struct dapp *a = d->apps; a; a = a->next)
		napps++;
	long long b = d->nofile_max - 2 * napps - FD_BUDGET_SPARE;
	return b < 0 ? 0 : b > 1 << 30 ? 1 << 30 : (int)b;
}

void appview_list(struct daemon *d, struct dapp **apps, int n, unsigned flags, struct jw *w)
{
	struct procstat_group *g = xcalloc((size_t)(n ? n : 1), sizeof *g);
	pid_t *keepers = xcalloc((size_t)(n ? n : 1), sizeof *keepers);
	int64_t now_real = clock_real_ms(), now_mono = clock_mono_ms();
	int any = 0;
	for (int i = 0; i < n; i++) {
		struct dapp *a = apps[i];
		if (!a->have_state || a->st.pid <= 0 || !lifecycle_has_keeper(&a->lc))
			continue;
		pid_t pgid = a->st.pgid > 0 ? a->st.pgid : a->st.pid;
		const struct procstat_sample *c = &a->cpu;
		if (c->last.pgid == pgid && c->last_at_ms > 0 &&
		    now_mono - c->last_at_ms < PROCSTAT_CACHE_MS) {
			g[i] = c->last;     /* measured a moment ago */
			continue;
		}
		g[i].pgid = pgid;
		keepers[i] = keeper_of(a);
		any = 1;
	}
	char *cause = NULL;
	if (any && procstat_measure(g, keepers, n, fd_budget(d), &cause) < 0) {
		dlog("%s", cause);
		free(cause);
	}
	for (int i = 0; i < n; i++)
		if (keepers[i] > 0) {
			apps[i]->cpu.last = g[i];
			apps[i]->cpu.last_at_ms = now_mono;
		}
	jw_arr(w, "apps");
	for (int i = 0; i < n; i++)
		app_json(w, apps[i], g[i].pgid > 0 ? &g[i] : NULL, now_real, now_mono, flags);
	jw_end_arr(w);
	free(g);
	free(keepers);
}
