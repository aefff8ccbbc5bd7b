/* The daemon's lifecycle: one per home (flock), pid file, signals as events,
 * the loop, the sweep of dead objects, a clean exit; and daemon_spawn() for
 * the CLI's auto-start. */
#include "daemon.h"
#include "daemon_core.h"
#include "apps.h"
#include "control.h"
#include "heaptrim.h"
#include "homewatch.h"
#include "keeperexec.h"
#include "link.h"
#include "specs.h"
#include "trash.h"
#include "ops.h"
#include "atomicfile.h"
#include "cgroup.h"
#include "child.h"
#include "clock.h"
#include "home.h"
#include "selfexe.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void dlog(const char *fmt, ...)
{
	char ts[32];
	int64_t now = clock_real_ms();
	time_t secs = (time_t)(now / 1000);
	struct tm tm;
	localtime_r(&secs, &tm);
	size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof ts - n, ".%03d", (int)(now % 1000));
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s psup daemon[%ld]: %s\n", ts, (long)getpid(), msg);
}

void daemon_exit_soon(struct daemon *d)
{
	loop_stop(d->loop);
}

/* ---- signals ---- */

static void sigchld_cb(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	struct daemon *d = arg;
	pid_t pid;
	int status;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		link_reaped(d, pid);
}

static void sigterm_cb(struct loop *l, int signo, void *arg)
{
	(void)l;
	struct daemon *d = arg;
	dlog("%s: exiting; keepers and apps keep running", strsignal(signo));
	daemon_exit_soon(d);
}

static void sighup_cb(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	(void)arg;
}

/* ---- the sweep ---- */

/* Dead objects are unlinked at once and parked until the pass ends. Apps,
 * clients and ops are each a list linked through ->next with a dead flag:
 * one way to bury and one to sweep serve the three. */
#define BURY(type, o, live_list, dead_list) do { \
	type **pp_ = (live_list); \
	while (*pp_ && *pp_ != (o)) \
		pp_ = &(*pp_)->next; \
	if (*pp_) \
		*pp_ = (o)->next; \
	(o)->dead = 1; \
	(o)->next = *(dead_list); \
	*(dead_list) = (o); \
} while (0)

#define SWEEP(type, list, free_fn) do { \
	while (list) { \
		type *x_ = (list); \
		(list) = x_->next; \
		free_fn(x_); \
	} \
} while (0)

/* Keeper events mark a change; gates and ops are checked once per loop
 * pass: a pass of 64 status pushes (a fleet stopping) costs one check of
 * every op, not 64. */
static void changed_later(struct daemon *d)
{
	d->changed = 1;
}

static void trim_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l, (void)id;
	struct daemon *d = arg;
	d->trim_timer = 0;      /* the sweep of this pass checks */
}

/* The heap is checked at most every HEAPTRIM_EVERY_MS: its check walks
 * every free chunk, and a command to a thousand apps takes hundreds of
 * passes. A pass within that time has a timer check after it instead, so
 * a burst's last frees are trimmed too, and an idle daemon is woken once
 * at most. */
static void trim_check(struct daemon *d)
{
	int64_t now = clock_mono_ms();
	if (now >= d->trim_next) {
		heaptrim_maybe();
		d->trim_next = now + HEAPTRIM_EVERY_MS;
	} else if (!d->trim_timer) {
		d->trim_timer = loop_timer_at(d->loop, d->trim_next, trim_cb, d);
	}
}

static void sweep_cb(struct loop *l, void *arg)
{
	(void)l;
	struct daemon *d = arg;
	if (d->changed && d->loop) {
		d->changed = 0;
		ops_changed(d);
	}
	trash_empty(d);
	SWEEP(struct dop, d->dead_ops, ops_free);
	SWEEP(struct dclient, d->dead_clients, client_free);
	control_sweep(d);
	SWEEP(struct dapp, d->dead_apps, app_free);
	if (d->loop)
		trim_check(d);
}

void daemon_bury_app(struct dapp *a)
{
	BURY(struct dapp, a, &a->d->apps, &a->d->dead_apps);
}

void daemon_bury_client(struct dclient *c)
{
	BURY(struct dclient, c, &c->d->clients, &c->d->dead_clients);
}

void daemon_bury_op(struct dop *o)
{
	BURY(struct dop, o, &o->d->ops, &o->d->dead_ops);
}

/* ---- start-up and exit ---- */

static char *abs_home(const char *home)
{
	if (home[0] == '/')
		return xstrdup(home);
	char *cwd = getcwd(NULL, 0);
	char *p = cwd ? xasprintf("%s/%s", cwd, home) : xstrdup(home);
	free(cwd);
	return p;
}

static char *find_keeper(void)
{
	const char *env = getenv("PSUP_KEEPER");
	if (env && *env)
		return xstrdup(env);
	return selfexe_sibling("psup-keeper");
}

static int take_lock(struct daemon *d, char **cause)
{
	d->lock_fd = open(d->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (d->lock_fd < 0)
		return fail(cause, "cannot open %s: %s", d->lock_path, strerror(errno));
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(d->lock_fd);
		d->lock_fd = -1;
		if (e != EWOULDBLOCK)
			return fail(cause, "cannot lock %s: %s", d->lock_path, strerror(e));
		char *buf = NULL;
		long pid = 0;
		if (atomicfile_read(d->pid_path, 64, &buf, NULL, NULL) == 0)
			pid = strtol(buf, NULL, 10);
		free(buf);
		if (pid > 0)
			return fail(cause, "busy: a psup daemon already runs for %s (pid %ld)", d->home, pid);
		return fail(cause, "busy: a psup daemon already runs for %s", d->home);
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	return atomicfile_write(d->pid_path, pid, (size_t)n, 0600, 0, cause);
}

/* The readiness pipe from daemon_spawn(): taken out of the environment at
 * once (keepers and apps must not inherit it), answered once. */
static int notify_fd = -1;

static void notify_take(void)
{
	const char *env = getenv("PSUP_NOTIFY_FD");
	if (env && *env) {
		char *end;
		long fd = strtol(env, &end, 10);
		if (!*end && fd >= 3 && fd <= 1024 && fcntl((int)fd, F_SETFD, FD_CLOEXEC) == 0)
			notify_fd = (int)fd;
	}
	unsetenv("PSUP_NOTIFY_FD");
}

static void notify(const char *msg)
{
	if (notify_fd < 0)
		return;
	size_t len = strlen(msg);
	while (len > 0) {
		ssize_t w = write(notify_fd, msg, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		msg += w;
		len -= (size_t)w;
	}
	close(notify_fd);
	notify_fd = -1;
}

/* A daemon holds a connection per keeper: its soft descriptor limit goes
 * up to the hard one, so a shell's `ulimit -n` does not cap how many apps
 * it can reach. Keepers (and so apps) get the limit they were started with
 * back (link.c). */
static void nofile_raise(struct daemon *d)
{
	struct rlimit rl;
	d->nofile_soft = -1;
	d->nofile_max = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	d->nofile_max = rl.rlim_cur == RLIM_INFINITY ? 1 << 20 : (long long)rl.rlim_cur;
	if (rl.rlim_cur >= rl.rlim_max)
		return;
	rlim_t soft = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		dlog("cannot raise the descriptor limit from %llu to %llu: %s",
		    (unsigned long long)soft, (unsigned long long)rl.rlim_max, strerror(errno));
		return;
	}
	d->nofile_soft = (long long)soft;
	d->nofile_max = rl.rlim_max == RLIM_INFINITY ? 1 << 20 : (long long)rl.rlim_max;
}

static void *cjson_malloc(size_t n) { return xmalloc(n); }

static void paths_init(struct daemon *d, const char *home_arg)
{
	d->home = abs_home(home_arg);
	const struct { char **dst; char *(*make)(const char *home); } paths[] = {
		{ &d->sock_path, home_sock_path }, { &d->pid_path, home_pid_path },
		{ &d->lock_path, home_lock_path }, { &d->apps_dir, home_apps_path },
		{ &d->dump_path, home_dump_path }, { &d->keeper_log, home_keeper_log_path },
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		*paths[i].dst = paths[i].make(d->home);
	d->keeper_path = find_keeper();
}

/* A cgroup per app where this process may make them, else none (said in
 * the log: describe shows which way each app's processes are found). */
static void cgroup_setup(struct daemon *d)
{
	char base[CGROUP_PATH_MAX], *why = NULL;
	if (cgroup_base_open(d->home, base, sizeof base, &why) == 0) {
		d->cgroup_base = xstrdup(base);
		dlog("a cgroup per app, under %s", base);
		return;
	}
	dlog("no cgroup per app: %s", why ? why : "cgroups unavailable");
	free(why);
}

static void paths_free(struct daemon *d)
{
	char **paths[] = { &d->home, &d->sock_path, &d->pid_path, &d->lock_path, &d->apps_dir,
		&d->dump_path, &d->keeper_path, &d->keeper_log, &d->run_dir, &d->cgroup_base };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		free(*paths[i]);
		*paths[i] = NULL;
	}
}

/* Everything left is buried and swept; app_free() detaches from keepers
 * without stopping them. */
static void daemon_free(struct daemon *d)
{
	while (d->ops)
		daemon_bury_op(d->ops);
	while (d->clients)
		daemon_bury_client(d->clients);
	control_free(d);
	homewatch_free(d);
	while (d->apps)
		daemon_bury_app(d->apps);
	sweep_cb(d->loop, d);
	loop_free(d->loop);
	paths_free(d);
	launchq_free(&d->launchq);
	specs_close(d);
}

int daemon_run(const char *home_arg, int foreground, char **cause)
{
	cJSON_Hooks hooks = { cjson_malloc, free };
	cJSON_InitHooks(&hooks);
	signal(SIGPIPE, SIG_IGN);
	notify_take();

	struct daemon dd, *d = &dd;
	memset(d, 0, sizeof *d);
	d->lock_fd = -1;
	d->specs.log.fd = -1;
	d->keeper_slot = d->keeper_slot_null = -1;
	d->foreground = foreground;
	paths_init(d, home_arg);
	d->on_change = changed_later;
	launchq_init(&d->launchq, LAUNCHQ_MAX_BUSY);
	nofile_raise(d);

	int rc = -1;
	char *why = NULL;
	if (home_prepare(d->home, &why) < 0 || take_lock(d, &why) < 0)
		goto out;
	keeperexec_init(d);
	if (access(d->keeper_path, X_OK) < 0)
		dlog("warning: keeper %s: %s (set PSUP_KEEPER)", d->keeper_path, strerror(errno));
	cgroup_setup(d);
	if (!(d->loop = loop_create(&why)))
		goto out;
	loop_set_sweep(d->loop, sweep_cb, d);
	if (loop_signal(d->loop, SIGCHLD, sigchld_cb, d, &why) < 0 ||
	    loop_signal(d->loop, SIGTERM, sigterm_cb, d, &why) < 0 ||
	    loop_signal(d->loop, SIGINT, sigterm_cb, d, &why) < 0 ||
	    loop_signal(d->loop, SIGHUP, sighup_cb, d, &why) < 0)
		goto out;
	if (control_listen(d, &why) < 0)
		goto out;
	homewatch_open(d);
	/* orphans of keepers we launched (an app whose keeper died) come to
	 * us rather than to init, so they are reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	dlog("started for %s (keeper %s)", d->home, d->keeper_path);
	trash_find(d);
	apps_load_all(d);
	ops_changed(d);
	notify("ready\n");
	if (loop_run(d->loop) < 0) {
		why = xasprintf("epoll_wait: %s", strerror(errno));
		goto out;
	}
	rc = 0;
	link_flush_all(d);
	dlog("exiting");
	/* while the lock is held: a next daemon may make them again at once;
	 * a lost home's only while no daemon has made it again */
	if (!d->home_lost || access(d->home, F_OK) < 0)
		apps_tidy_exit(d);
out:
	if (rc < 0 && why) {
		char *msg = xasprintf("error: %s\n", why);
		notify(msg);
		free(msg);
	}
	if (d->ctl) {
		/* Let the next daemon in before the last replies are flushed:
		 * a CLI that saw `kill` answered may start one at once. */
		if (!d->home_lost) {
			unlink(d->sock_path);
			unlink(d->pid_path);
		}
		control_close(d);
		close(d->lock_fd);
		d->lock_fd = -1;
		control_flush_all(d);
	} else if (d->lock_fd >= 0) {
		unlink(d->pid_path);
	}
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	keeperexec_fini(d);
	if (d->loop) {
		daemon_free(d);
	} else {
		paths_free(d);
		launchq_free(&d->launchq);
	}
	if (rc < 0) {
		if (why && strncmp(why, "busy: ", 6) == 0)
			fail(cause, "%s", why + 6);
		else
			fail(cause, "%s", why ? why : "failed");
	}
	free(why);
	return rc;
}

/* ---- auto-start ---- */

/* The detached grandchild: a new session, quiet stdio, the notify pipe,
 * then `psup daemon --background`. Never returns. */
static _Noreturn void spawn_exec(const char *home, int nfd)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char *logp = home_daemon_log_path(home);
	int out = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0)
		out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (in < 0 || out < 0)
		child_die(nfd, "error: cannot open", "/dev/null");
	const int fds[4] = { in, out, out, nfd };
	if (child_reset(fds, 4, 0, NULL) < 0)
		child_die(nfd, "error: cannot set up the descriptors of the daemon of", home);
	setenv("PSUP_HOME", home, 1);
	setenv("PSUP_NOTIFY_FD", "3", 1);
	char *argv[] = { (char *)"psup", (char *)"daemon", (char *)"--background", NULL };
	execv("/proc/self/exe", argv);
	child_die(3, "error: cannot exec", "/proc/self/exe");
}

static int try_connect(const char *sock)
{
	int fd = home_connect(sock, NULL);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Starts one daemon; returns 0 when it said ready, 1 when another daemon
 * holds the home, -1 with *cause on failure. */
static int spawn_once(const char *home, int64_t deadline, char **cause)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return fail(cause, "cannot start the daemon: pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return fail(cause, "cannot start the daemon: fork: %s", strerror(e));
	}
	if (pid == 0) {
		close(p[0]);
		setsid();
		pid_t g = fork();
		if (g != 0)
			_exit(g < 0 ? 1 : 0);
		spawn_exec(home, p[1]);
	}
	close(p[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	char msg[1024];
	size_t n = 0;
	for (;;) {
		int64_t left = deadline - clock_mono_ms();
		if (left <= 0) {
			close(p[0]);
			return fail(cause, "the daemon did not start within 10 s (see %s/daemon.log)", home);
		}
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t got = read(p[0], msg + n, sizeof msg - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
		if (n >= sizeof msg - 1 || memchr(msg, '\n', n))
			break;
	}
	close(p[0]);
	msg[n] = '\0';
	char *nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
	if (strcmp(msg, "ready") == 0)
		return 0;
	if (strncmp(msg, "error: busy: ", 13) == 0)
		return 1;
	if (strncmp(msg, "error: ", 7) == 0)
		return fail(cause, "the daemon could not start: %s", msg + 7);
	return fail(cause, "the daemon exited at start (see %s/daemon.log)", home);
}

int daemon_spawn(const char *home_arg, char **cause)
{
	char *home = abs_home(home_arg);
	char *sock = home_sock_path(home);
	int rc = -1;
	if (home_prepare(home, cause) < 0)
		goto out;
	int64_t deadline = clock_mono_ms() + 10000;
	for (;;) {
		int r = spawn_once(home, deadline, cause);
		if (r == 0) {
			rc = 0;
			break;
		}
		if (r < 0)
			break;
		/* Another daemon holds the home: it may be starting (then it
		 * will accept soon) or exiting (then try again). */
		int64_t until = clock_mono_ms() + 500;
		while (clock_mono_ms() < until && try_connect(sock) < 0) {
			struct timespec ts = { 0, 10 * 1000000 };
			nanosleep(&ts, NULL);
		}
		if (try_connect(sock) == 0) {
			rc = 0;
			break;
		}
		if (clock_mono_ms() >= deadline) {
			fail(cause, "another psup daemon holds %s but does not answer on %s", home, sock);
			break;
		}
	}
out:
	free(sock);
	free(home);
	return rc;
}
