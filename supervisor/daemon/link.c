/* Keepers from the daemon's side: launch one detached per app, connect to
 * its control.sock, keep its latest pushed status, and recover when one dies
 * (kill what is left of its app's process group, launch a fresh keeper):
 * no orphan, no duplicate. What to do when is lifecycle.c's decision;
 * link_event() carries it out, and what happens here comes back to it as
 * events (connected, status pushed, lost, gone, relaunch due). */
#include "link.h"
#include "apps.h"
#include "launchq.h"
#include "keeperexec.h"
#include "appview.h"
#include "procs.h"
#include "specs.h"
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CONNECT_TIMEOUT_MS 10000
#define CONNECT_FIRST_MS 2
#define CONNECT_MAX_DELAY_MS 100
#define KEEPER_OUT_MAX (256 * 1024)
#define GONE_POLL_MS 5
#define GONE_TIMEOUT_MS 3000
/* Descriptors never used for keeper connections. */
#define FD_RESERVE 16

static void io_cb(struct loop *l, int fd, unsigned events, void *arg);
static void connect_cb(struct loop *l, uint64_t id, void *arg);
static void lost_keeper(struct dapp *a, const char *why);
static void launch_settle(struct dapp *a, int gone);

/* Short of descriptors: the keeper may well live; the lifecycle stalls.
 * Until it is reached, users see what its status file says (read with a
 * descriptor of the reserve), when the file is that keeper's. */
static void no_fd(struct dapp *a)
{
	if (a->lc.state != LC_STALLED)
		dlog("%s: cannot reach keeper %ld: %s; trying again", a->name,
		    (long)a->keeper_pid, strerror(errno));
	struct app_state fst;
	int have;
	procs_read_status(a, &fst, &have);
	if (have && a->keeper_pid > 0 && fst.keeper_pid == a->keeper_pid) {
		a->st = fst;
		a->have_state = 1;
	}
	link_step(a, LE_NO_FD);
	a->d->on_change(a->d);
}

static void conn_close(struct dapp *a)
{
	struct loop *l = a->d->loop;
	keeperexec_ready_close(a);
	if (a->kfd >= 0) {
		loop_fd_del(l, a->kfd);
		close(a->kfd);
		a->kfd = -1;
	}
	loop_timer_del(l, a->connect_timer);
	a->connect_timer = 0;
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

void link_detach(struct dapp *a)
{
	struct loop *l = a->d->loop;
	launch_settle(a, 1);
	conn_close(a);
	loop_timer_del(l, a->relaunch_timer);
	loop_timer_del(l, a->gone_timer);
	a->relaunch_timer = a->gone_timer = 0;
}

/* ---- launching ---- */

/* The launched keeper listens (or died: end of file): connect now rather
 * than at the next poll. */
static void ready_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l, (void)fd, (void)events;
	struct dapp *a = arg;
	keeperexec_ready_close(a);
	if (a->dead || a->lc.state != LC_CONNECTING || a->kfd >= 0)
		return;
	loop_timer_del(a->d->loop, a->connect_timer);
	a->connect_timer = 0;
	connect_cb(a->d->loop, 0, a);
}

/* Forks and execs the keeper of a queued app (launchq.h). */
static void launch_now(struct dapp *a)
{
	struct daemon *d = a->d;
	char *why = NULL;
	if (app_run_prepare(a, &why) < 0) {
		dlog("%s: %s", a->name, why);
		free(why);
		lost_keeper(a, "cannot make its runtime folder");
		return;
	}
	int ready_wfd = keeperexec_ready_open(a, ready_cb, d->nofile_max - FD_RESERVE);
	pid_t pid = keeperexec_fork(d, a, ready_wfd);
	if (pid < 0) {
		dlog("%s: cannot fork a keeper: %s", a->name, strerror(errno));
		lost_keeper(a, "fork failed");
		return;
	}
	a->keeper_pid = pid;
	a->keeper_child = 1;
	/* the keeper writes and locks keeper.pid itself; polled only as a
	 * fallback when it says it listens */
	a->connect_deadline = clock_mono_ms() + CONNECT_TIMEOUT_MS;
	a->connect_delay = a->ready_fd >= 0 ? CONNECT_MAX_DELAY_MS : CONNECT_FIRST_MS;
	a->connect_timer = loop_timer_after(d->loop, a->connect_delay, connect_cb, a);
}

/* An app waiting in the launch queue still wants its keeper. */
static int launch_wanted_cb(void *item)
{
	struct dapp *a = item;
	return !a->dead && a->lc.state == LC_CONNECTING && a->kfd < 0;
}

static void launch_cb(void *item)
{
	launch_now(item);
}

/* Its keeper answered, failed, or the app went elsewhere: the slot goes
 * to the next app waiting. */
static void launch_settle(struct dapp *a, int gone)
{
	launchq_settle(&a->d->launchq, a, gone || !launch_wanted_cb(a), launch_wanted_cb, launch_cb);
}

static void launch(struct dapp *a)
{
	/* what we show until the new keeper speaks */
	a->st.state = APP_LAUNCHING;
	a->st.pid = 0;
	a->st.keeper_pid = 0;
	a->pushes = 0;
	a->keeper_pid = 0;
	launchq_add(&a->d->launchq, a);
	launch_settle(a, 0);
}

/* A lost keeper may still be on its way out (its lock on keeper.pid not yet
 * released): the fresh one is launched once the old one is gone. */
static void relaunch_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)id;
	struct dapp *a = arg;
	a->relaunch_timer = 0;
	if (a->dead || a->lc.state != LC_RELAUNCH)
		return;
	int old = procs_keeper(a, a->old_keeper_pid);
	if (old != PROCID_NO) {
		/* cannot tell: neither kill nor replace it, ask again */
		if (clock_mono_ms() < a->gone_deadline || old == PROCID_UNSURE) {
			a->relaunch_timer = loop_timer_after(l, GONE_POLL_MS, relaunch_cb, a);
			return;
		}
		kill(a->old_keeper_pid, SIGKILL);
		a->gone_deadline = clock_mono_ms() + GONE_TIMEOUT_MS;
		a->relaunch_timer = loop_timer_after(l, GONE_POLL_MS, relaunch_cb, a);
		return;
	}
	a->old_keeper_pid = 0;
	link_step(a, LE_RELAUNCH_DUE);
}

static void retry_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l, (void)id;
	struct dapp *a = arg;
	a->relaunch_timer = 0;
	if (!a->dead)
		link_step(a, LE_RETRY_DUE);
}

/* ---- connecting ---- */

/* Closes fd (when >= 0) keeping errno. */
static void close_keep_errno(int fd)
{
	int e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
}

/* Returns 0 when connected, -1 when nobody listens yet, -2 when a
 * descriptor ran short (cannot tell whether anybody listens). */
static int try_connect(struct dapp *a)
{
	char *path = xasprintf("%s/control.sock", a->dir);
	struct sockaddr_un sa;
	socklen_t len;
	int dirfd = -1, fd = -1;
	int r = home_sockaddr(path, &sa, &len, &dirfd, NULL);
	free(path);
	if (r == 0 && (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		r = -1;
	/* descriptors are handed out lowest first: one this high means the
	 * reserve for clients and /proc is reached (a CLI must still get in
	 * to stop what runs) */
	if (r == 0 && fd >= a->d->nofile_max - FD_RESERVE) {
		errno = EMFILE;
		r = -1;
	}
	if (r == 0 && connect(fd, (struct sockaddr *)&sa, len) < 0 && errno != EINPROGRESS)
		r = -1;
	close_keep_errno(dirfd);
	if (r == 0 && loop_fd_add(a->d->loop, fd, LOOP_READ | LOOP_BULK, io_cb, a, NULL) < 0)
		r = -1;
	if (r < 0) {
		close_keep_errno(fd);
		return procid_short_errno(errno) ? -2 : -1;
	}
	a->kfd = fd;
	loop_timer_del(a->d->loop, a->connect_timer);
	a->connect_timer = 0;
	linefr_init(&a->kin, KEEPERCTL_LINE_MAX);
	a->pushes = 0;
	a->acked = a->sent;
	int quitting = a->lc.quitting;
	uint64_t seq = link_step(a, LE_CONNECTED);
	if (seq && !quitting)
		a->stop_seq = seq;      /* a stop asked for while connecting */
	return 0;
}

static void connect_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)id;
	struct dapp *a = arg;
	a->connect_timer = 0;
	if (a->dead || a->lc.state != LC_CONNECTING || a->kfd >= 0)
		return;
	int r = try_connect(a);
	if (r == 0)
		return;
	int alive = r == -2 ? PROCID_UNSURE : procs_keeper(a, a->keeper_pid);
	if (alive == PROCID_UNSURE) {
		no_fd(a);
		return;
	}
	if (alive == PROCID_NO) {
		lost_keeper(a, "the keeper exited before it answered");
		return;
	}
	if (clock_mono_ms() >= a->connect_deadline) {
		dlog("%s: keeper %ld did not open its control socket in %d s", a->name,
		    (long)a->keeper_pid, CONNECT_TIMEOUT_MS / 1000);
		kill(a->keeper_pid, SIGKILL);
		lost_keeper(a, "the keeper did not answer");
		return;
	}
	a->connect_delay = a->connect_delay * 2 > CONNECT_MAX_DELAY_MS ? CONNECT_MAX_DELAY_MS
	    : a->connect_delay * 2;
	a->connect_timer = loop_timer_after(l, a->connect_delay, connect_cb, a);
}

/* A keeper found at start-up (or tried again after a shortage): proven
 * ours by keeper.pid or the status it pushed, else it is gone. */
static void attach(struct dapp *a)
{
	int r = try_connect(a);
	if (r == 0)
		return;
	int unsure = r == -2;
	pid_t pid = a->keeper_child ? a->keeper_pid : procs_pidfile(a, &unsure);
	int ours = procs_keeper(a, pid);
	if (ours == PROCID_NO && a->have_state && a->st.keeper_pid != pid) {
		pid = a->st.keeper_pid;
		ours = procs_keeper(a, pid);
	}
	if (ours == PROCID_UNSURE || (ours == PROCID_NO && unsure)) {
		a->keeper_pid = ours == PROCID_UNSURE ? pid : a->keeper_pid;
		no_fd(a);
		return;
	}
	if (ours == PROCID_YES) {
		/* launched just before the last daemon died (or by us, before
		 * a shortage): give it time */
		a->keeper_child = a->keeper_child && pid == a->keeper_pid;
		a->keeper_pid = pid;
		a->connect_deadline = clock_mono_ms() + CONNECT_TIMEOUT_MS;
		a->connect_delay = CONNECT_FIRST_MS;
		a->connect_timer = loop_timer_after(a->d->loop, a->connect_delay, connect_cb, a);
		return;
	}
	a->keeper_pid = pid;
	lost_keeper(a, "its keeper is gone");
}

/* ---- the connection ---- */

static int kout_flush(struct dapp *a)
{
	if (fdio_send_queued(a->kfd, &a->kout, &a->kout_off) < 0)
		return -1;
	loop_fd_mod(a->d->loop, a->kfd, LOOP_READ | (a->kout.len ? LOOP_WRITE : 0));
	return 0;
}

uint64_t link_send(struct dapp *a, const char *line)
{
	if (a->kfd < 0)
		return 0;
	size_t n = strlen(line);
	if (a->kout.len - a->kout_off + n + 1 > KEEPER_OUT_MAX) {
		lost_keeper(a, "the keeper does not read its requests");
		return 0;
	}
	buf_add(&a->kout, line, n);
	buf_addc(&a->kout, '\n');
	/* Sent when the loop finds the socket writable, in its next pass:
	 * keepers' sockets are LOOP_BULK, so a command to a thousand apps
	 * wakes their keepers a batch per pass and the daemon answers other
	 * clients between batches. Each keeper woken at once would take the
	 * CPU from the daemon while it still went through the list. */
	uint64_t seq = ++a->sent;
	if (loop_fd_mod(a->d->loop, a->kfd, LOOP_READ | LOOP_WRITE) < 0 && kout_flush(a) < 0)
		lost_keeper(a, "cannot write to the keeper");
	return seq;
}

void link_flush_all(struct daemon *d)
{
	for (struct dapp *a = d->apps; a; a = a->next)
		if (a->kfd >= 0 && a->kout.len > a->kout_off)
			fdio_send_queued(a->kfd, &a->kout, &a->kout_off);
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
		specs_follow_state(a);
		if (st.keeper_pid > 0)
			a->keeper_pid = st.keeper_pid;
		appview_sample_progress(a);
		struct lc_event ev = { .kind = LE_PUSH, .first = a->pushes == 1 };
		uint64_t seq = link_event(a, &ev);
		if (seq)
			a->start_seq = seq;     /* a start asked for before it answered */
		return;
	}
	dlog("%s: unexpected line from the keeper (%zu bytes)", a->name, len);
}

static void io_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	struct dapp *a = arg;
	if (events & LOOP_WRITE) {
		if (kout_flush(a) < 0) {
			lost_keeper(a, "cannot write to the keeper");
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
		lost_keeper(a, "its control connection closed");
		return;
	}
	if (changed)
		a->d->on_change(a->d);
}

/* ---- a keeper's end ---- */

/* Sends the pending quit by SIGTERM once the keeper is proven ours (ours:
 * procs_keeper()'s answer); one that cannot be proven yet is tried again
 * while its end is awaited. */
static void signal_quit(struct dapp *a, int ours)
{
	if (!a->quit_signal || ours == PROCID_UNSURE)
		return;
	a->quit_signal = 0;
	if (ours == PROCID_YES)
		kill(a->keeper_pid, SIGTERM);
}

static void gone_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)id;
	struct dapp *a = arg;
	a->gone_timer = 0;
	if (a->dead)
		return;
	int alive = procs_keeper(a, a->keeper_pid);
	signal_quit(a, alive);
	if (alive != PROCID_NO) {
		if (clock_mono_ms() < a->gone_deadline) {
			a->gone_timer = loop_timer_after(l, GONE_POLL_MS, gone_cb, a);
			return;
		}
		dlog("%s: keeper %ld did not exit after quit: killing it", a->name, (long)a->keeper_pid);
		if (alive == PROCID_YES)
			kill(a->keeper_pid, SIGKILL);
	}
	link_step(a, LE_GONE);
	a->d->on_change(a->d);
}

void link_reaped(struct daemon *d, pid_t pid)
{
	for (struct dapp *a = d->apps; a; a = a->next) {
		if (a->keeper_pid != pid || !a->keeper_child)
			continue;
		a->keeper_child = 0;
		if (a->lc.state == LC_CONNECTING && a->kfd < 0) {
			lost_keeper(a, "the keeper exited before it answered");
		} else if (a->lc.state == LC_GONE || (a->lc.state == LC_RENEW && a->kfd < 0)) {
			loop_timer_del(d->loop, a->gone_timer);
			a->gone_timer = 0;
			link_step(a, LE_GONE);
			d->on_change(d);
		}
		return;
	}
}

static void lost_keeper(struct dapp *a, const char *why)
{
	conn_close(a);
	if (!a->lc.quitting) {
		dlog("%s: %s (keeper %ld)", a->name, why, (long)a->keeper_pid);
		/* its last word may be in the status file only (a spec it could
		 * not load, a state it had no time to push) */
		struct app_state fst;
		int have;
		procs_read_status(a, &fst, &have);
		if (have && a->keeper_pid > 0 && fst.keeper_pid == a->keeper_pid &&
		    fst.since_ms >= a->st.since_ms) {
			a->st = fst;
			a->have_state = 1;
		}
	}
	/* cannot tell counts as alive: waited for, never taken for dead */
	struct lc_event ev = { .kind = LE_LOST, .alive = procs_keeper(a, a->keeper_pid) != PROCID_NO };
	link_event(a, &ev);
	a->d->on_change(a->d);
}

/* ---- carrying out the lifecycle's actions ---- */

static void show_idle(struct dapp *a, enum app_state_kind shown, int with_reason)
{
	if (!a->have_state) {
		memset(&a->st, 0, sizeof a->st);
		a->have_state = 1;
	}
	a->st.state = shown;
	a->st.pid = 0;
	a->st.keeper_pid = 0;
	if (with_reason) {
		snprintf(a->st.reason, sizeof a->st.reason, "%s", a->lc.reason);
		dlog("%s: %s", a->name, a->lc.reason);
	}
}

static void relaunch_after(struct dapp *a, pid_t lost_pid, int64_t delay)
{
	a->st.state = APP_LAUNCHING;
	a->st.pid = 0;
	a->old_keeper_pid = lost_pid;
	a->gone_deadline = clock_mono_ms() + delay + GONE_TIMEOUT_MS;
	a->relaunch_timer = loop_timer_after(a->d->loop, delay, relaunch_cb, a);
}

uint64_t link_event(struct dapp *a, struct lc_event *ev)
{
	struct loop *l = a->d->loop;
	ev->have_state = a->have_state;
	ev->last = a->st.state;
	ev->has_after = a->spec.after && a->spec.after[0];
	ev->killing = a->d->killing;
	if (ev->kind == LE_LOST && !ev->reason)
		ev->reason = a->d->keeper_log;
	/* a restart is when a keeper of an older program gives way */
	if (ev->kind == LE_RESTART && a->lc.state == LC_CONNECTED && procs_keeper_outdated(a)) {
		ev->renew = 1;
		dlog("%s: keeper %ld runs an older psup-keeper than %s: replaced as the app restarts",
		    a->name, (long)a->keeper_pid, a->d->keeper_path);
	}
	struct lc_out o = lifecycle_step(&a->lc, ev, clock_mono_ms());
	pid_t lost_pid = a->keeper_pid;
	uint64_t seq = 0;

	if (o.acts & LA_CANCEL_RELAUNCH) {
		loop_timer_del(l, a->relaunch_timer);
		a->relaunch_timer = 0;
	}
	if (o.acts & LA_KILL_ALL) {
		procs_kill_all(a);
		a->keeper_pid = 0;
		a->keeper_child = 0;
	}
	if (o.acts & LA_IDLE)
		show_idle(a, o.shown, !!(o.acts & LA_SHOW_REASON));
	if (o.acts & LA_LAUNCH)
		launch(a);
	if (o.acts & LA_CONNECT)
		attach(a);
	if (o.acts & LA_RELAUNCH)
		relaunch_after(a, lost_pid, o.delay);
	if (o.acts & LA_RETRY)
		a->relaunch_timer = loop_timer_after(l, o.delay, retry_cb, a);
	if (o.acts & LA_SIGNAL_QUIT) {
		a->quit_signal = 1;
		signal_quit(a, procs_keeper(a, a->keeper_pid));
	}
	if (o.acts & LA_AWAIT_GONE) {
		a->gone_deadline = clock_mono_ms() + GONE_TIMEOUT_MS;
		a->gone_timer = loop_timer_after(l, GONE_POLL_MS, gone_cb, a);
	}
	static const struct { unsigned act; const char *line; } sends[] = {
		{ LA_SEND_RELOAD, "reload" }, { LA_SEND_START, "start" },
		{ LA_SEND_RESTART, "restart" }, { LA_SEND_STOP, "stop" }, { LA_SEND_QUIT, "quit" },
	};
	for (size_t i = 0; i < sizeof sends / sizeof sends[0]; i++)
		if (o.acts & sends[i].act)
			seq = link_send(a, sends[i].line);
	launch_settle(a, 0);
	return seq;
}

uint64_t link_step(struct dapp *a, enum lc_event_kind kind)
{
	struct lc_event ev = { .kind = kind };
	return link_event(a, &ev);
}
