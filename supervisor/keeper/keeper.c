/* The keeper's life: start-up checks, the event loop, signals, deadlines,
 * carrying out the policy's actions and publishing the app's state. */
#include "keeper.h"
#include "atomicfile.h"
#include "clock.h"
#include "procid.h"
#include "strv.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void keeper_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("psup-keeper: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- state publishing ---- */

#define STATUS_PREFIX "status "
#define STATUS_PREFIX_LEN (sizeof STATUS_PREFIX - 1)
/* a usual status line is 250-400 bytes */
#define STATUS_SMALL 1024

void keeper_status_line(struct keeper *k, char *buf, size_t n)
{
	struct app_state st;
	memset(&st, 0, sizeof st);
	st.state = k->pol.state;
	st.keeper_pid = getpid();
	st.pid = k->pid;
	st.pgid = k->pgid;
	st.keeper_start = k->self_start;
	st.pgid_start = k->pgid ? k->pgid_start : 0;
	st.started_ms = k->pid ? k->started_real : 0;
	st.since_ms = k->since_ms;
	if (k->pol.state == APP_WAITING && k->pol.deadline)
		st.next_start_ms = clock_real_ms() + (k->pol.deadline - clock_mono_ms());
	st.restarts = k->restarts_base + k->pol.restarts;
	st.unstable = k->pol.unstable;
	st.n_exits = k->n_exits;
	memcpy(st.exits, k->exits, sizeof st.exits);
	const char *reason = k->reason[0] ? k->reason : k->pol.reason;
	snprintf(st.reason, sizeof st.reason, "%s", reason);
	st.has_progress = k->has_progress;
	st.progress = k->progress;
	st.progress_ms = k->progress_ms;
	st.progress_bad = k->progress_bad;
	st.lines_dropped = k->log.lines_dropped;
	st.lines_split = k->log.lines_split;
	st.in_cgroup = k->cg_run;
	snprintf(st.log_error, sizeof st.log_error, "%s", k->log.last_error);
	appstate_pack(&st, buf, n);
}

/* Writes "status LINE" into buf (cap bytes, room left for the newline)
 * and returns LINE's length. */
static size_t status_pack(struct keeper *k, char *buf, size_t cap)
{
	memcpy(buf, STATUS_PREFIX, STATUS_PREFIX_LEN);
	keeper_status_line(k, buf + STATUS_PREFIX_LEN, cap - STATUS_PREFIX_LEN - 1);
	k->status_dirty = 0;
	k->status_flush_at = 0;
	return strlen(buf + STATUS_PREFIX_LEN);
}

/* Writes the status file and pushes it to clients when it changed (or
 * always with force). */
void keeper_publish(struct keeper *k, int force)
{
	if (k->pol.state != k->last_state) {
		k->last_state = k->pol.state;
		k->since_ms = clock_real_ms();
	}
	/* one buffer for the file's line and the clients' message. This is
	 * the deepest call chain, and every page it reaches (stack, or a
	 * size class of its own in malloc) stays resident for the keeper's
	 * life, counted 1,000-fold: a usual line fits the small buffer, a
	 * longer one is packed again on the heap. */
	char small[STATUS_SMALL], *big = NULL;
	char *msg = small;
	size_t cap = sizeof small;
	size_t len = status_pack(k, msg, cap);
	if (len + 1 >= cap - STATUS_PREFIX_LEN - 1) {
		cap = KEEPERCTL_LINE_MAX;
		msg = big = xmalloc(cap);
		len = status_pack(k, msg, cap);
	}
	char *line = msg + STATUS_PREFIX_LEN;
	size_t n = STATUS_PREFIX_LEN + len + 1;
	line[len] = '\n';
	if (!force && k->status_msg && n == k->status_len && memcmp(msg, k->status_msg, n) == 0) {
		free(big);
		return;
	}
	free(k->status_msg);
	k->status_msg = xstrndup(msg, n);
	k->status_len = n;
	free(big);
	msg = k->status_msg;
	line = msg + STATUS_PREFIX_LEN;
	char *cause = NULL;
	if (atomicfile_write(KEEPER_STATUS_FILE, line, len + 1, 0644, 0, &cause) < 0) {
		keeper_warnx("%s", cause);
		free(cause);
	}
	keeper_ctl_broadcast(k, msg, n);
}

/* ---- carrying out actions ---- */

static void record_exit(struct keeper *k, int status, int64_t runtime)
{
	memmove(&k->exits[1], &k->exits[0], sizeof k->exits[0] * (APPSTATE_EXITS - 1));
	struct app_exit *e = &k->exits[0];
	e->at_ms = clock_real_ms();
	e->code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	e->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	e->runtime_ms = runtime;
	if (k->n_exits < APPSTATE_EXITS)
		k->n_exits++;
}

/* Nothing of the app is left: its group is empty and the keeper has no
 * child (orphans that left the group were reparented to us). */
static int everything_gone(struct keeper *k)
{
	if (k->pid)
		return 0;
	if (k->pgid && keeper_proc_group_alive(k->pgid))
		return 0;
	return !keeper_proc_has_children() && !keeper_proc_cgroup_busy(k);
}

static int str_changed(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}

static int spec_equal_watch(const struct app_spec *a, const struct app_spec *b)
{
	return strv_eq(a->watch, b->watch) && strv_eq(a->ignore_watch, b->ignore_watch) &&
	    a->watch_delay_ms == b->watch_delay_ms;
}

/* Spawns the app, first switching to a spec that "reload" left pending
 * (reopening the logs if their settings changed). */
static void do_spawn(struct keeper *k)
{
	char *cause = NULL;
	if (k->has_pending) {
		const struct app_spec *o = &k->spec, *n = &k->pending;
		int relog = str_changed(o->out_file, n->out_file) ||
		    str_changed(o->err_file, n->err_file) ||
		    str_changed(o->combined_file, n->combined_file) ||
		    str_changed(o->log_date_format, n->log_date_format) ||
		    o->time != n->time || o->log_max_size != n->log_max_size ||
		    o->log_retain != n->log_retain || o->log_json != n->log_json;
		int retrigger = str_changed(o->cron_restart, n->cron_restart) ||
		    !spec_equal_watch(o, n);
		spec_free(&k->spec);
		k->spec = k->pending;
		memset(&k->pending, 0, sizeof k->pending);
		k->has_pending = 0;
		if (relog) {
			long long split = k->log.lines_split, dropped = k->log.lines_dropped;
			long long errors = k->log.write_errors;
			char last_error[sizeof k->log.last_error];
			memcpy(last_error, k->log.last_error, sizeof last_error);
			logsink_close(&k->log);
			if (logsink_open(&k->log, &k->spec, &cause) < 0) {
				keeper_warnx("%s", cause);
				free(cause);
				cause = NULL;
			}
			k->log.lines_split = split;
			k->log.lines_dropped = dropped;
			k->log.write_errors = errors;
			memcpy(k->log.last_error, last_error, sizeof last_error);
		}
		if (retrigger) {
			keeper_cron_arm(k);
			keeper_watch_open(k);
		}
	}
	k->reason[0] = '\0';
	if (keeper_spawn(k, &cause) < 0) {
		snprintf(k->reason, sizeof k->reason, "%s", cause);
		logsink_message(&k->log, LOG_ERR, cause, clock_real_ms());
		keeper_warnx("%s: %s", k->spec.name, cause);
		free(cause);
		keeper_event(k, PEV_SPAWN_FAILED);
		return;
	}
	keeper_event(k, PEV_SPAWNED);
	keeper_pidfile_write(k);
}

static void apply(struct keeper *k, unsigned acts, pid_t ended_pgid)
{
	if (acts & ACT_KILL_LEFTOVERS && ended_pgid > 0)
		kill(-ended_pgid, SIGKILL);
	if (acts & ACT_SIGNAL && k->pgid > 0)
		keeper_proc_signal_app(k, k->spec.stop_signal);
	if (acts & ACT_KILL)
		keeper_proc_signal_app(k, SIGKILL);
	if (acts & ACT_SPAWN)
		do_spawn(k);
	if (acts & ACT_QUIT)
		k->exit_now = 1;
	if (acts & ACT_CHANGED)
		keeper_publish(k, 0);
}

static void step(struct keeper *k, const struct policy_event *ev, pid_t ended_pgid)
{
	unsigned acts = policy_step(&k->pol, &k->spec, ev, clock_mono_ms());
	apply(k, acts, ended_pgid);
}

void keeper_event(struct keeper *k, enum policy_event_kind kind)
{
	struct policy_event ev = { .kind = kind };
	if (kind == PEV_START || kind == PEV_RESTART)
		k->reason[0] = '\0';
	/* cron and watch leave an app the user stopped (or a quitting
	 * keeper's) alone */
	if (kind == PEV_STOP || kind == PEV_QUIT)
		k->user_stopped = 1;
	else if ((kind == PEV_START || kind == PEV_RESTART) && k->pol.after != AFTER_QUIT)
		k->user_stopped = 0;
	step(k, &ev, 0);
	/* a stop of an app whose leader is already gone may finish at once */
	if (k->pol.state == APP_STOPPING && !k->pol.running && everything_gone(k)) {
		struct policy_event ge = { .kind = PEV_GROUP_EMPTY };
		step(k, &ge, 0);
	}
}

/* ---- signals ---- */

static void reap(struct keeper *k)
{
	int leader_status = 0, leader_exited = 0;
	for (;;) {
		int status;
		pid_t p = waitpid(-1, &status, WNOHANG);
		if (p <= 0) {
			if (p < 0 && errno == EINTR)
				continue;
			break;
		}
		if (p == k->pid) {
			leader_exited = 1;
			leader_status = status;
		}
		/* anything else: an orphan of the app, reparented to us */
	}
	if (leader_exited) {
		int64_t runtime = clock_mono_ms() - k->pol.started;
		record_exit(k, leader_status, runtime);
		pid_t ended = k->pgid;
		k->pid = 0;
		keeper_pidfile_remove(k);
		struct policy_event ev = { .kind = PEV_EXITED, .code = -1 };
		keeper_io_progress_drain(k);
		ev.halt = k->halt;
		if (WIFEXITED(leader_status))
			ev.code = WEXITSTATUS(leader_status);
		else if (WIFSIGNALED(leader_status))
			ev.signal = WTERMSIG(leader_status);
		ev.group_empty = everything_gone(k);
		if (ev.group_empty)
			k->pgid = 0;
		step(k, &ev, ended);
	}
	if (k->pol.state == APP_STOPPING && !k->pol.running && everything_gone(k)) {
		k->pgid = 0;
		struct policy_event ev = { .kind = PEV_GROUP_EMPTY };
		step(k, &ev, 0);
	}
	if (!k->pid && k->pgid && !keeper_proc_group_alive(k->pgid) && k->pol.state != APP_STOPPING) {
		k->pgid = 0;
		keeper_publish(k, 0);
	}
}

static void sigchld_cb(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	reap(arg);
}

static void sigquit_cb(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	keeper_event(arg, PEV_QUIT);
}

/* ---- deadlines ---- */

static void timer_cb(struct loop *l, uint64_t id, void *arg);

/* One loop timer at the earliest deadline the keeper has; none at all
 * when idle, so an idle keeper never wakes. */
static void arm_timer(struct keeper *k)
{
	int64_t next = k->pol.deadline;
	if (k->status_flush_at && (!next || k->status_flush_at < next))
		next = k->status_flush_at;
	if (k->trim_at && (!next || k->trim_at < next))
		next = k->trim_at;
	if (k->spec.max_memory_restart > 0 && k->pid) {
		if (!k->mem_next)
			k->mem_next = clock_mono_ms() + KEEPER_MEMORY_SAMPLE_MS;
		if (!next || k->mem_next < next)
			next = k->mem_next;
	} else {
		k->mem_next = 0;
	}
	if (next == k->timer_at)
		return;
	loop_timer_del(k->loop, k->timer);
	k->timer = next ? loop_timer_at(k->loop, next, timer_cb, k) : 0;
	k->timer_at = next;
}

static void timer_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct keeper *k = arg;
	k->timer = 0;
	k->timer_at = 0; /* it fired: arm again whatever comes next */
	int64_t now = clock_mono_ms();
	if (k->trim_at && now >= k->trim_at) {
		if (now - k->big_read_at >= KEEPER_TRIM_MS) {
			madvise(k->rbuf, KEEPER_READ_BUF, MADV_DONTNEED);
			logsink_trim(&k->log);
			keeper_io_trim(k);
			k->trim_at = 0;
		} else {
			k->trim_at = k->big_read_at + KEEPER_TRIM_MS;
		}
	}
	if (k->pol.deadline && now >= k->pol.deadline)
		keeper_event(k, PEV_DEADLINE);
	if (k->status_flush_at && now >= k->status_flush_at)
		keeper_publish(k, 0);
	if (k->mem_next && now >= k->mem_next) {
		k->mem_next = now + KEEPER_MEMORY_SAMPLE_MS;
		if (k->pgid && k->spec.max_memory_restart > 0 &&
		    keeper_proc_app_memory(k) > k->spec.max_memory_restart)
			keeper_event(k, PEV_MEMORY);
	}
}

/* ---- start-up ---- */

/* Callbacks may have closed what later events pointed at: free only after
 * the pass. */
static void sweep_cb(struct loop *l, void *arg)
{
	(void)l;
	struct keeper *k = arg;
	keeper_ctl_sweep(k);
	keeper_io_runs_sweep(k);
}

static int setup(struct keeper *k, char **cause)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* past a file-size limit a log write must fail (EFBIG, counted and
	 * written down by the sink), not kill the keeper */
	signal(SIGXFSZ, SIG_IGN);
	if (!(k->loop = loop_create(cause)))
		return -1;
	loop_set_sweep(k->loop, sweep_cb, k);
	if (loop_signal(k->loop, SIGCHLD, sigchld_cb, k, cause) < 0 ||
	    loop_signal(k->loop, SIGTERM, sigquit_cb, k, cause) < 0 ||
	    loop_signal(k->loop, SIGINT, sigquit_cb, k, cause) < 0)
		return -1;
	return keeper_ctl_listen(k, cause);
}

static void run_loop(struct keeper *k)
{
	while (!k->exit_now) {
		arm_timer(k);
		if (loop_once(k->loop, -1) < 0) {
			keeper_warnx("epoll_wait: %s", strerror(errno));
			break;
		}
	}
}

/* The spec could not be loaded: say why where the daemon looks. */
static void publish_load_error(struct keeper *k, const char *cause)
{
	struct app_state *st = xcalloc(1, sizeof *st);
	char *line = xmalloc(KEEPERCTL_LINE_MAX);
	st->state = APP_ERRORED;
	st->keeper_pid = getpid();
	st->keeper_start = k->self_start;
	st->since_ms = clock_real_ms();
	snprintf(st->reason, sizeof st->reason, "%s", cause);
	int len = appstate_pack(st, line, KEEPERCTL_LINE_MAX - 1);
	if (len > 0 && len < KEEPERCTL_LINE_MAX - 1) {
		line[len] = '\n';
		atomicfile_write(KEEPER_STATUS_FILE, line, (size_t)len + 1, 0644, 0, NULL);
	}
	free(line);
	free(st);
}

int keeper_run(const char *appdir, const char *rundir, const char *cgroup_base, int argc,
    char **argv)
{
	/* static, not on the stack: the stack's deepest point stays resident
	 * for the keeper's whole life, and only the parts of this that are
	 * written cost pages (bss starts zeroed; one keeper per process) */
	static struct keeper kk;
	struct keeper *k = &kk;
	k->pidfd = -1;
	k->watch_fd = -1;
	k->appdir = xstrdup(appdir);
	keeper_proc_cgroup_init(k, cgroup_base);
	k->last_state = (enum app_state_kind)-1;
	char *cause = NULL;
	int rc = 1;

	keeper_start_std_fds();
	procid_start(getpid(), &k->self_start);
	if (chdir(rundir) < 0) {
		keeper_warnx("cannot enter %s: %s", rundir, strerror(errno));
		free(k->appdir);
		free(k->cg_dir);
		return 1;
	}
	if (keeper_start_lock(k, &cause) < 0)
		goto out;
	if (keeper_load_spec(k->appdir, &k->spec, &cause) < 0) {
		publish_load_error(k, cause);
		goto out;
	}
	char *title = xasprintf("psup: keep %s", k->spec.name);
	keeper_title_set(argc, argv, title);
	free(title);

	policy_init(&k->pol);
	keeper_start_adopt(k);
	/* the log files are opened once the app runs: creating three files
	 * is most of an app's start on a busy disk, and the app's first lines
	 * wait in its pipes meanwhile */
	logsink_init(&k->log, &k->spec);
	k->rbuf = mmap(NULL, KEEPER_READ_BUF, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (k->rbuf == MAP_FAILED) {
		k->rbuf = NULL;
		cause = xasprintf("cannot map the read buffer: %s", strerror(errno));
		goto out;
	}
	if (setup(k, &cause) < 0)
		goto out;
	/* as pm2: an app loaded stopped has no cron until it is started; a
	 * cron job that had completed waits for its next time */
	k->user_stopped = !k->spec.autostart || k->spec.stopped == SPEC_STOPPED;
	keeper_cron_arm(k);
	if (!k->user_stopped && k->spec.stopped != SPEC_CRON_DONE)
		keeper_event(k, PEV_START);
	if (logsink_open_files(&k->log, &cause) < 0) {
		/* not fatal: writes retry the open */
		keeper_warnx("%s", cause);
		free(cause);
		cause = NULL;
	}
	/* after the logs: a log folder made in a watched one is no change */
	keeper_watch_open(k);
	/* the first status is the start's when there is one: each rewrite
	 * of the file is a new inode, the dearest part of starting an app */
	if (!k->status_msg)
		keeper_publish(k, 1);
	run_loop(k);
	/* a finished app may have left orphans (reparented to us): nothing
	 * of the app outlives its keeper's quit */
	keeper_proc_quit(k);
	keeper_io_drain_all(k);
	keeper_publish(k, 0);
	rc = 0;
out:
	if (cause) {
		keeper_warnx("%s", cause);
		free(cause);
	}
	if (k->ctl) {
		keeper_ctl_close_all(k);
		unlink(KEEPER_SOCK_FILE);
	}
	keeper_watch_close(k);
	keeper_io_runs_free(k);
	loop_free(k->loop);
	if (k->pidfd >= 0) {
		if (rc == 0)
			unlink(KEEPER_PID_FILE);
		close(k->pidfd);
	}
	logsink_close(&k->log);
	spec_free(&k->spec);
	if (k->has_pending)
		spec_free(&k->pending);
	if (k->rbuf)
		munmap(k->rbuf, KEEPER_READ_BUF);
	free(k->status_msg);
	free(k->halt);
	free(k->appdir);
	free(k->cg_dir);
	return rc;
}

int keeper_reload(struct keeper *k, char **cause)
{
	struct app_spec s;
	if (keeper_load_spec(k->appdir, &s, cause) < 0)
		return -1;
	if (strcmp(s.name, k->spec.name) != 0) {
		fail(cause, "the spec names %s, this keeper runs %s", s.name, k->spec.name);
		spec_free(&s);
		return -1;
	}
	if (k->has_pending)
		spec_free(&k->pending);
	k->pending = s;
	k->has_pending = 1;
	return 0;
}
