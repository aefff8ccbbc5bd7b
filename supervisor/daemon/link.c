/* Keepers from the daemon's side: launch one detached per app, connect to
 * its control.sock, keep its latest pushed status, and recover when one dies
 * (kill what is left of its app's process group, launch a fresh keeper):
 * no orphan, no duplicate. */
#include "daemon_int.h"
#include "atomicfile.h"
#include "child.h"
#include "clock.h"
#include "fdio.h"
#include "home.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CONNECT_TIMEOUT_MS 10000
#define CONNECT_FIRST_MS 2
#define CONNECT_MAX_DELAY_MS 100
#define KEEPER_FAIL_WINDOW_MS 30000
#define KEEPER_FAIL_MAX 5
#define KEEPER_OUT_MAX (256 * 1024)
#define GONE_POLL_MS 5
#define GONE_TIMEOUT_MS 3000

static void keeper_io_cb(struct loop *l, int fd, unsigned events, void *arg);
static void connect_cb(struct loop *l, uint64_t id, void *arg);
static void keeper_lost(struct dapp *a, const char *why);

/* 1 when pid is a live (not zombie) psup keeper. A pid that was reused by
 * another program does not count. */
static int keeper_pid_alive(pid_t pid)
{
	if (pid <= 0)
		return 0;
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *rp = strrchr(buf, ')');
	if (!rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X')
		return 0;
	/* comm: "psup-keeper" until it names itself "keep NAME" */
	char *lp = strchr(buf, '(');
	if (lp && ((rp - lp - 1 == 11 && strncmp(lp + 1, "psup-keeper", 11) == 0) ||
	    strncmp(lp + 1, "keep ", 5) == 0))
		return 1;
	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n > 11 && strncmp(buf, "psup: keep ", 11) == 0;
}

static int group_exists(pid_t pgid)
{
	return pgid > 1 && (kill(-pgid, 0) == 0 || errno == EPERM);
}

static void kill_group(struct dapp *a, pid_t pgid)
{
	if (pgid > 1 && group_exists(pgid)) {
		dlog("%s: killing what is left of process group %ld", a->name, (long)pgid);
		kill(-pgid, SIGKILL);
	}
}

/* The status file may be newer than the last push (the keeper died right
 * after spawning): take the group it names too. */
static void read_status_file(struct dapp *a, struct app_state *st, int *have)
{
	char *path = xasprintf("%s/status", a->dir);
	char *buf = NULL;
	size_t len = 0;
	*have = 0;
	if (atomicfile_read(path, 64 * 1024, &buf, &len, NULL) == 0) {
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		memset(st, 0, sizeof *st);
		if (appstate_unpack(buf, len, st) == 0)
			*have = 1;
	}
	free(buf);
	free(path);
}

void keeper_kill_all(struct dapp *a)
{
	if (a->have_state)
		kill_group(a, a->st.pgid ? a->st.pgid : a->st.pid);
	struct app_state fst;
	int have;
	read_status_file(a, &fst, &have);
	if (have && fst.pgid != a->st.pgid)
		kill_group(a, fst.pgid);
	if (keeper_pid_alive(a->keeper_pid))
		kill(a->keeper_pid, SIGKILL);
}

int keeper_active(const struct dapp *a)
{
	return a->kfd >= 0 || a->connecting || a->relaunch_timer || a->gone_timer;
}

static void conn_close(struct dapp *a)
{
	struct loop *l = a->d->loop;
	if (a->kfd >= 0) {
		loop_fd_del(l, a->kfd);
		close(a->kfd);
		a->kfd = -1;
	}
	loop_timer_del(l, a->connect_timer);
	a->connect_timer = 0;
	a->connecting = 0;
	linefr_free(&a->kin);
	buf_free(&a->kout);
	a->kout_off = 0;
	/* requests in flight are answered by the loss */
	if (a->acked < a->sent) {
		a->acked = a->sent;
		a->err_seq = a->sent;
		snprintf(a->err, sizeof a->err, "the keeper exited");
	}
}

void keeper_detach(struct dapp *a)
{
	struct loop *l = a->d->loop;
	conn_close(a);
	loop_timer_del(l, a->relaunch_timer);
	loop_timer_del(l, a->gone_timer);
	a->relaunch_timer = a->gone_timer = 0;
}

/* ---- launching ---- */

void keeper_launch(struct dapp *a)
{
	struct daemon *d = a->d;
	if (keeper_active(a))
		return;
	a->phase = PHASE_KEEPER;
	a->reason[0] = '\0';
	a->quitting = 0;
	a->want_quit = 0;
	/* what we show until the new keeper speaks */
	a->st.state = APP_LAUNCHING;
	a->st.pid = 0;
	a->st.keeper_pid = 0;
	a->pushes = 0;

	char *argv0 = xasprintf("psup: keep %s", a->name);
	char *argv[] = { argv0, a->dir, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		/* the keeper starts clean: no blocked or ignored signal, no
		 * descriptor of ours, its own session */
		int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int out = open(d->keeper_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (out < 0)
			out = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (in < 0 || out < 0)
			child_die(2, "psup: cannot open /dev/null for the keeper of", a->name);
		const int fds[3] = { in, out, out };
		if (child_reset(fds, 3, 1, NULL) < 0)
			child_die(out, "psup: cannot set up the descriptors of the keeper of", a->name);
		execv(d->keeper_path, argv);
		child_die(2, "psup: cannot exec keeper", d->keeper_path);
	}
	free(argv0);
	if (pid < 0) {
		dlog("%s: cannot fork a keeper: %s", a->name, strerror(errno));
		keeper_lost(a, "fork failed");
		return;
	}
	a->keeper_pid = pid;
	a->keeper_child = 1;
	/* the keeper writes and locks keeper.pid itself */
	a->connecting = 1;
	a->connect_deadline = clock_mono_ms() + CONNECT_TIMEOUT_MS;
	a->connect_delay = CONNECT_FIRST_MS;
	a->connect_timer = loop_timer_after(d->loop, a->connect_delay, connect_cb, a);
}

/* A lost keeper may still be on its way out (its lock on keeper.pid not yet
 * released): the fresh one is launched once the old one is gone. */
static void relaunch_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)id;
	struct dapp *a = arg;
	a->relaunch_timer = 0;
	if (a->dead || a->phase != PHASE_KEEPER)
		return;
	if (a->old_keeper_pid > 0 && keeper_pid_alive(a->old_keeper_pid)) {
		if (clock_mono_ms() < a->gone_deadline) {
			a->relaunch_timer = loop_timer_after(l, GONE_POLL_MS, relaunch_cb, a);
			return;
		}
		kill(a->old_keeper_pid, SIGKILL);
		a->gone_deadline = clock_mono_ms() + GONE_TIMEOUT_MS;
		a->relaunch_timer = loop_timer_after(l, GONE_POLL_MS, relaunch_cb, a);
		return;
	}
	a->old_keeper_pid = 0;
	keeper_launch(a);
}

/* ---- connecting ---- */

/* Returns 0 when connected, -1 when nobody listens yet. */
static int try_connect(struct dapp *a)
{
	char *path = xasprintf("%s/control.sock", a->dir);
	struct sockaddr_un sa;
	socklen_t len;
	int dirfd;
	if (home_sockaddr(path, &sa, &len, &dirfd, NULL) < 0) {
		free(path);
		return -1;
	}
	free(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (dirfd >= 0)
			close(dirfd);
		return -1;
	}
	int r = connect(fd, (struct sockaddr *)&sa, len);
	if (dirfd >= 0)
		close(dirfd);
	if (r < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	if (loop_fd_add(a->d->loop, fd, LOOP_READ, keeper_io_cb, a, NULL) < 0) {
		close(fd);
		return -1;
	}
	a->kfd = fd;
	a->connecting = 0;
	loop_timer_del(a->d->loop, a->connect_timer);
	a->connect_timer = 0;
	linefr_init(&a->kin, KEEPERCTL_LINE_MAX);
	a->pushes = 0;
	a->acked = a->sent;
	if (a->want_quit) {
		a->want_quit = 0;
		a->want_stop = 0;
		keeper_send(a, "quit");
	} else if (a->want_stop) {
		a->want_stop = 0;
		a->stop_seq = keeper_send(a, "stop");
	}
	return 0;
}

static void connect_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)id;
	struct dapp *a = arg;
	a->connect_timer = 0;
	if (a->dead || !a->connecting)
		return;
	if (try_connect(a) == 0)
		return;
	int alive = a->keeper_child ? 1 : keeper_pid_alive(a->keeper_pid);
	if (!alive) {
		keeper_lost(a, "the keeper exited before it answered");
		return;
	}
	if (clock_mono_ms() >= a->connect_deadline) {
		dlog("%s: keeper %ld did not open its control socket in %d s", a->name,
		    (long)a->keeper_pid, CONNECT_TIMEOUT_MS / 1000);
		if (keeper_pid_alive(a->keeper_pid))
			kill(a->keeper_pid, SIGKILL);
		keeper_lost(a, "the keeper did not answer");
		return;
	}
	a->connect_delay = a->connect_delay * 2 > CONNECT_MAX_DELAY_MS ? CONNECT_MAX_DELAY_MS
	    : a->connect_delay * 2;
	a->connect_timer = loop_timer_after(l, a->connect_delay, connect_cb, a);
}

void keeper_attach(struct dapp *a)
{
	a->phase = PHASE_KEEPER;
	if (try_connect(a) == 0)
		return;
	pid_t pid = 0;
	char *path = xasprintf("%s/keeper.pid", a->dir);
	char *buf = NULL;
	if (atomicfile_read(path, 64, &buf, NULL, NULL) == 0)
		pid = (pid_t)strtol(buf, NULL, 10);
	free(buf);
	free(path);
	if (!keeper_pid_alive(pid) && a->have_state)
		pid = a->st.keeper_pid;
	if (keeper_pid_alive(pid)) {
		/* launched just before the last daemon died: give it time */
		a->keeper_pid = pid;
		a->keeper_child = 0;
		a->connecting = 1;
		a->connect_deadline = clock_mono_ms() + CONNECT_TIMEOUT_MS;
		a->connect_delay = CONNECT_FIRST_MS;
		a->connect_timer = loop_timer_after(a->d->loop, a->connect_delay, connect_cb, a);
		return;
	}
	a->keeper_pid = pid;
	keeper_lost(a, "its keeper is gone");
}

/* ---- the connection ---- */

static int kout_flush(struct dapp *a)
{
	if (fdio_send_queued(a->kfd, &a->kout, &a->kout_off) < 0)
		return -1;
	loop_fd_mod(a->d->loop, a->kfd, LOOP_READ | (a->kout.len ? LOOP_WRITE : 0));
	return 0;
}

uint64_t keeper_send(struct dapp *a, const char *line)
{
	if (a->kfd < 0)
		return 0;
	size_t n = strlen(line);
	if (a->kout.len - a->kout_off + n + 1 > KEEPER_OUT_MAX) {
		keeper_lost(a, "the keeper does not read its requests");
		return 0;
	}
	buf_add(&a->kout, line, n);
	buf_addc(&a->kout, '\n');
	uint64_t seq = ++a->sent;
	if (kout_flush(a) < 0) {
		keeper_lost(a, "cannot write to the keeper");
		return seq;
	}
	return seq;
}

static void handle_line(struct dapp *a, const char *line, size_t len)
{
	if (len == 2 && memcmp(line, "ok", 2) == 0) {
		if (a->acked < a->sent)
			a->acked++;
		return;
	}
	if (len >= 3 && memcmp(line, "err", 3) == 0 && (len == 3 || line[3] == ' ')) {
		if (a->acked < a->sent)
			a->acked++;
		a->err_seq = a->acked;
		size_t n = len > 4 ? len - 4 : 0;
		if (n >= sizeof a->err)
			n = sizeof a->err - 1;
		memcpy(a->err, len > 4 ? line + 4 : "", n);
		a->err[n] = '\0';
		return;
	}
	if (len > 7 && memcmp(line, "status ", 7) == 0) {
		struct app_state st;
		memset(&st, 0, sizeof st);
		if (appstate_unpack(line + 7, len - 7, &st) < 0) {
			dlog("%s: bad status line from the keeper", a->name);
			return;
		}
		a->st = st;
		a->have_state = 1;
		a->pushes++;
		if (st.keeper_pid > 0)
			a->keeper_pid = st.keeper_pid;
		dapp_progress_sample(a);
		if (a->want_start && a->pushes == 1) {
			a->want_start = 0;
			if (st.state == APP_STOPPED)
				a->start_seq = keeper_send(a, "start");
		}
		return;
	}
	dlog("%s: unexpected line from the keeper (%zu bytes)", a->name, len);
}

static void keeper_io_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	struct dapp *a = arg;
	if (events & LOOP_WRITE) {
		if (kout_flush(a) < 0) {
			keeper_lost(a, "cannot write to the keeper");
			return;
		}
	}
	if (!(events & (LOOP_READ | LOOP_HUP)))
		return;
	int changed = 0, eof = 0;
	char buf[KEEPERCTL_LINE_MAX];
	for (int i = 0; i < 16; i++) {
		ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				eof = 1;
			break;
		}
		if (r == 0) {
			eof = 1;
			break;
		}
		linefr_feed(&a->kin, buf, (size_t)r);
		const char *line;
		size_t len;
		int got;
		while ((got = linefr_next(&a->kin, &line, &len)) != LINEFR_NONE) {
			if (got == LINEFR_LONG) {
				/* a line over KEEPERCTL_LINE_MAX: drop it, keep the link */
				linefr_skip(&a->kin);
				continue;
			}
			handle_line(a, line, len);
			changed = 1;
			if (a->kfd != fd)
				return;     /* lost while handling */
		}
		if ((size_t)r < sizeof buf)
			break;
	}
	if (eof) {
		keeper_lost(a, "its control connection closed");
		return;
	}
	if (changed)
		daemon_changed(a->d);
}

/* ---- a keeper's end ---- */

static void gone_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)id;
	struct dapp *a = arg;
	a->gone_timer = 0;
	if (a->dead)
		return;
	if (keeper_pid_alive(a->keeper_pid)) {
		if (clock_mono_ms() < a->gone_deadline) {
			a->gone_timer = loop_timer_after(l, GONE_POLL_MS, gone_cb, a);
			return;
		}
		dlog("%s: keeper %ld did not exit after quit: killing it", a->name, (long)a->keeper_pid);
		kill(a->keeper_pid, SIGKILL);
	}
	keeper_kill_all(a);
	a->keeper_pid = 0;
	daemon_changed(a->d);
}

void keeper_reaped(struct daemon *d, pid_t pid)
{
	for (struct dapp *a = d->apps; a; a = a->next) {
		if (a->keeper_pid != pid || !a->keeper_child)
			continue;
		a->keeper_child = 0;
		if (a->connecting)
			keeper_lost(a, "the keeper exited before it answered");
		else if (a->gone_timer) {
			loop_timer_del(d->loop, a->gone_timer);
			a->gone_timer = 0;
			keeper_kill_all(a);
			a->keeper_pid = 0;
			daemon_changed(d);
		}
		return;
	}
}

static void show_idle(struct dapp *a)
{
	a->phase = PHASE_IDLE;
	if (!a->have_state) {
		memset(&a->st, 0, sizeof a->st);
		a->have_state = 1;
		a->st.state = APP_STOPPED;
	}
	if (a->st.state != APP_COMPLETED && a->st.state != APP_ERRORED)
		a->st.state = APP_STOPPED;
	a->st.pid = 0;
	a->st.keeper_pid = 0;
}

static void keeper_lost(struct dapp *a, const char *why)
{
	struct daemon *d = a->d;
	conn_close(a);
	a->want_start = 0;

	if (a->quitting) {
		/* we asked for this; wait until the process is really gone */
		a->quitting = 0;
		show_idle(a);
		if (keeper_pid_alive(a->keeper_pid)) {
			a->gone_deadline = clock_mono_ms() + GONE_TIMEOUT_MS;
			a->gone_timer = loop_timer_after(d->loop, GONE_POLL_MS, gone_cb, a);
		} else {
			keeper_kill_all(a);
			a->keeper_pid = 0;
		}
		daemon_changed(d);
		return;
	}

	dlog("%s: %s (keeper %ld)", a->name, why, (long)a->keeper_pid);
	/* its last word may be in the status file only (a spec it could not
	 * load, a state it had no time to push) */
	struct app_state fst;
	int have;
	read_status_file(a, &fst, &have);
	if (have && a->keeper_pid > 0 && fst.keeper_pid == a->keeper_pid &&
	    fst.since_ms >= a->st.since_ms) {
		a->st = fst;
		a->have_state = 1;
	}
	/* whatever is left of that keeper and its app must go first */
	pid_t lost_pid = a->keeper_pid;
	keeper_kill_all(a);
	if (a->keeper_child == 0)
		a->keeper_pid = 0;

	enum app_state_kind last = a->have_state ? a->st.state : APP_LAUNCHING;
	if (d->killing || last == APP_STOPPED || last == APP_STOPPING ||
	    last == APP_COMPLETED || last == APP_ERRORED) {
		show_idle(a);
		daemon_changed(d);
		return;
	}

	int64_t now = clock_mono_ms();
	if (!a->fail_window_start || now - a->fail_window_start > KEEPER_FAIL_WINDOW_MS) {
		a->fail_window_start = now;
		a->fail_count = 0;
	}
	if (++a->fail_count > KEEPER_FAIL_MAX) {
		show_idle(a);
		a->st.state = APP_ERRORED;
		snprintf(a->reason, sizeof a->reason,
		    "its keeper exited %d times in %d s (see %s)", a->fail_count - 1,
		    KEEPER_FAIL_WINDOW_MS / 1000, d->keeper_log);
		snprintf(a->st.reason, sizeof a->st.reason, "%s", a->reason);
		dlog("%s: %s", a->name, a->reason);
		daemon_changed(d);
		return;
	}
	/* a fresh keeper restarts the app; back off if keepers keep dying */
	a->phase = PHASE_KEEPER;
	a->st.state = APP_LAUNCHING;
	a->st.pid = 0;
	int64_t delay = a->fail_count <= 1 ? 0 : 100LL << (a->fail_count - 2);
	a->old_keeper_pid = lost_pid;
	a->gone_deadline = clock_mono_ms() + delay + GONE_TIMEOUT_MS;
	a->relaunch_timer = loop_timer_after(d->loop, delay, relaunch_cb, a);
	daemon_changed(d);
}

uint64_t keeper_stop(struct dapp *a)
{
	a->want_start = 0;
	if (a->kfd >= 0) {
		a->want_stop = 0;
		return keeper_send(a, "stop");
	}
	if (a->connecting) {
		a->want_stop = 1;       /* sent once it answers */
		return 0;
	}
	if (a->relaunch_timer) {
		/* a lost keeper about to be replaced: there is nothing to stop */
		loop_timer_del(a->d->loop, a->relaunch_timer);
		a->relaunch_timer = 0;
		show_idle(a);
		a->st.state = APP_STOPPED;
		daemon_changed(a->d);
	}
	return 0;
}

void keeper_quit(struct dapp *a)
{
	struct loop *l = a->d->loop;
	loop_timer_del(l, a->relaunch_timer);
	a->relaunch_timer = 0;
	a->want_start = 0;
	if (a->kfd >= 0) {
		a->quitting = 1;
		keeper_send(a, "quit");
	} else if (a->connecting) {
		a->quitting = 1;
		a->want_quit = 1;
	} else if (!a->gone_timer) {
		show_idle(a);
	}
}
