/* The epoll event loop of psup and psup-worker: fds, one timerfd for every
 * timer, one signalfd. libc only. */
#include "loop.h"
#include "clock.h"
#include "xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define LOOP_BATCH 64

struct loop_fd {
	loop_fd_cb *cb;
	void *arg;
	unsigned events;        /* with LOOP_BULK when registered so (on bulk_epfd) */
	uint32_t gen;           /* registration generation; 0 = not registered */
};

struct loop_timer {
	uint64_t id;
	int64_t at_ns;          /* every deadline in ns: ms ones are scaled */
	loop_timer_cb *cb;
	void *arg;
	int dead;               /* fired or cancelled: swept after the pass */
};

struct loop_sig {
	loop_signal_cb *cb;
	void *arg;
};

struct loop {
	int epfd;
	int tfd;                /* timerfd, armed to the earliest timer */
	int sfd;                /* signalfd, -1 until a signal is added */
	int bulk_epfd;          /* the LOOP_BULK fds' epoll, itself on epfd;
	                         * -1 until the first is added */
	int bulk_ready;         /* it was reported in this pass */
	int served;             /* other fds the pass served (not the loop's own) */
	sigset_t sigmask;
	struct loop_sig sigs[_NSIG];

	struct loop_fd *fds;    /* indexed by fd */
	int nfds;
	uint32_t gen;

	struct loop_timer *timers;
	int ntimers, captimers;
	int live_timers;
	uint64_t next_id;
	int64_t armed_at;       /* deadline the timerfd holds (ns), or -1 */

	loop_sweep_cb *sweep;
	void *sweep_arg;
	int stop;
};

static void timerfd_cb(struct loop *l, int fd, unsigned events, void *arg);

struct loop *loop_create(char **cause)
{
	struct loop *l = xcalloc(1, sizeof *l);
	l->sfd = -1;
	l->bulk_epfd = -1;
	l->armed_at = -1;
	l->next_id = 1;
	sigemptyset(&l->sigmask);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int e = errno;
		free(l);
		fail(cause, "epoll_create1: %s", strerror(e));
		return NULL;
	}
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->tfd < 0) {
		int e = errno;
		close(l->epfd);
		free(l);
		fail(cause, "timerfd_create: %s", strerror(e));
		return NULL;
	}
	if (loop_fd_add(l, l->tfd, LOOP_READ, timerfd_cb, NULL, cause) < 0) {
		close(l->tfd);
		close(l->epfd);
		free(l->fds);
		free(l);
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	close(l->tfd);
	if (l->sfd >= 0)
		close(l->sfd);
	if (l->bulk_epfd >= 0)
		close(l->bulk_epfd);
	free(l->fds);
	free(l->timers);
	free(l);
}

static uint32_t to_epoll(unsigned events)
{
	/* A peer's half-close (RDHUP) matters only to a reader; a full hang-up
	 * (HUP, ERR) is always reported. */
	uint32_t e = 0;
	if (events & LOOP_READ)
		e |= EPOLLIN | EPOLLRDHUP;
	if (events & LOOP_WRITE)
		e |= EPOLLOUT;
	return e;
}

static void bulk_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	l->bulk_ready = 1;      /* served after the pass's other events */
}

static int bulk_open(struct loop *l, char **cause)
{
	if (l->bulk_epfd >= 0)
		return 0;
	int fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0)
		return fail(cause, "epoll_create1: %s", strerror(errno));
	if (loop_fd_add(l, fd, LOOP_READ, bulk_cb, NULL, cause) < 0) {
		close(fd);
		return -1;
	}
	l->bulk_epfd = fd;
	return 0;
}

static int epfd_of(const struct loop *l, const struct loop_fd *f)
{
	return f->events & LOOP_BULK ? l->bulk_epfd : l->epfd;
}

int loop_fd_add(struct loop *l, int fd, unsigned events, loop_fd_cb *cb, void *arg,
    char **cause)
{
	if (fd < 0)
		return fail(cause, "loop: bad fd %d", fd);
	int bulk = (events & LOOP_BULK) != 0;
	if (bulk && bulk_open(l, cause) < 0)
		return -1;
	if (fd >= l->nfds) {
		int n = l->nfds ? l->nfds : 64;
		while (n <= fd)
			n *= 2;
		l->fds = xreallocarray(l->fds, (size_t)n, sizeof *l->fds);
		memset(l->fds + l->nfds, 0, (size_t)(n - l->nfds) * sizeof *l->fds);
		l->nfds = n;
	}
	struct loop_fd *f = &l->fds[fd];
	if (f->gen)
		return fail(cause, "loop: fd %d already registered", fd);
	if (++l->gen == 0)
		l->gen = 1;
	struct epoll_event ev = { .events = to_epoll(events) };
	ev.data.u64 = (uint64_t)l->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(bulk ? l->bulk_epfd : l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return fail(cause, "epoll_ctl add fd %d: %s", fd, strerror(errno));
	f->cb = cb;
	f->arg = arg;
	f->events = events;
	f->gen = l->gen;
	return 0;
}

int loop_fd_mod(struct loop *l, int fd, unsigned events)
{
	if (fd < 0 || fd >= l->nfds || !l->fds[fd].gen)
		return -1;
	struct loop_fd *f = &l->fds[fd];
	events = (events & ~(unsigned)LOOP_BULK) | (f->events & LOOP_BULK);
	if (f->events == events)
		return 0;
	struct epoll_event ev = { .events = to_epoll(events) };
	ev.data.u64 = (uint64_t)f->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(epfd_of(l, f), EPOLL_CTL_MOD, fd, &ev) < 0)
		return -1;
	f->events = events;
	return 0;
}

void loop_fd_del(struct loop *l, int fd)
{
	if (fd < 0 || fd >= l->nfds || !l->fds[fd].gen)
		return;
	epoll_ctl(epfd_of(l, &l->fds[fd]), EPOLL_CTL_DEL, fd, NULL);
	memset(&l->fds[fd], 0, sizeof l->fds[fd]);
}

void *loop_fd_arg(const struct loop *l, int fd, loop_fd_cb *cb)
{
	if (fd < 0 || fd >= l->nfds || !l->fds[fd].gen || l->fds[fd].cb != cb)
		return NULL;
	return l->fds[fd].arg;
}

/* Keeps the timerfd armed to the earliest live timer, or disarmed. */
static void timers_arm(struct loop *l)
{
	int64_t min = -1;
	for (int i = 0; i < l->ntimers; i++) {
		struct loop_timer *t = &l->timers[i];
		if (!t->dead && (min < 0 || t->at_ns < min))
			min = t->at_ns;
	}
	if (min == l->armed_at)
		return;
	struct itimerspec its = { 0 };
	if (min >= 0) {
		/* an absolute time of 0 would disarm: never ask for it */
		int64_t at = min > 0 ? min : 1;
		its.it_value.tv_sec = at / 1000000000;
		its.it_value.tv_nsec = at % 1000000000;
	}
	timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	l->armed_at = min;
}

uint64_t loop_timer_at_ns(struct loop *l, int64_t at_ns, loop_timer_cb *cb, void *arg)
{
	if (at_ns < 0)
		at_ns = 0;
	if (l->ntimers == l->captimers) {
		l->captimers = l->captimers ? l->captimers * 2 : 16;
		l->timers = xreallocarray(l->timers, (size_t)l->captimers, sizeof *l->timers);
	}
	struct loop_timer *t = &l->timers[l->ntimers++];
	t->id = l->next_id++;
	t->at_ns = at_ns;
	t->cb = cb;
	t->arg = arg;
	t->dead = 0;
	l->live_timers++;
	if (l->armed_at < 0 || at_ns < l->armed_at)
		timers_arm(l);
	return t->id;
}

uint64_t loop_timer_at(struct loop *l, int64_t at_ms, loop_timer_cb *cb, void *arg)
{
	/* clock_mono_ms() is clock_mono_ns() / 1e6, so at_ms * 1e6 is due at
	 * the same reading as before; past INT64_MAX / 1e6 it saturates. */
	const int64_t max_ms = INT64_MAX / 1000000;
	int64_t at_ns = at_ms > max_ms ? INT64_MAX : at_ms < 0 ? 0 : at_ms * 1000000;
	return loop_timer_at_ns(l, at_ns, cb, arg);
}

uint64_t loop_timer_after(struct loop *l, int64_t ms, loop_timer_cb *cb, void *arg)
{
	return loop_timer_at(l, clock_mono_ms() + (ms > 0 ? ms : 0), cb, arg);
}

void loop_timer_del(struct loop *l, uint64_t id)
{
	if (!id)
		return;
	for (int i = 0; i < l->ntimers; i++) {
		if (l->timers[i].id == id && !l->timers[i].dead) {
			l->timers[i].dead = 1;
			l->live_timers--;
			/* the timerfd waits for it: wait for the next one instead,
			 * so a cancelled deadline costs no wake-up */
			if (l->timers[i].at_ns == l->armed_at)
				timers_arm(l);
			return;
		}
	}
}

int loop_timer_count(const struct loop *l)
{
	return l->live_timers;
}

static void timerfd_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)events;
	(void)arg;
	uint64_t n;
	while (read(fd, &n, sizeof n) == (ssize_t)sizeof n)
		;
	l->armed_at = -1;       /* it fired: re-arm after the pass */
}

/* Fires the timers that are due; those added by callbacks wait for the next
 * pass, so a timer that re-arms itself at once cannot starve the fds. */
static int timers_fire(struct loop *l)
{
	int64_t now = clock_mono_ns();
	int n = l->ntimers, ran = 0;
	for (int i = 0; i < n; i++) {
		struct loop_timer *t = &l->timers[i];
		if (t->dead || t->at_ns > now)
			continue;
		t->dead = 1;
		l->live_timers--;
		loop_timer_cb *cb = t->cb;
		void *arg = t->arg;
		uint64_t id = t->id;
		cb(l, id, arg);     /* may grow l->timers: t is stale after this */
		ran++;
	}
	return ran;
}

static void timers_sweep(struct loop *l)
{
	int j = 0;
	for (int i = 0; i < l->ntimers; i++)
		if (!l->timers[i].dead)
			l->timers[j++] = l->timers[i];
	l->ntimers = j;
	timers_arm(l);
}

static void signalfd_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)events;
	(void)arg;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		int signo = (int)si.ssi_signo;
		if (signo > 0 && signo < _NSIG && l->sigs[signo].cb)
			l->sigs[signo].cb(l, signo, l->sigs[signo].arg);
	}
}

int loop_signal(struct loop *l, int signo, loop_signal_cb *cb, void *arg, char **cause)
{
	if (signo <= 0 || signo >= _NSIG)
		return fail(cause, "loop: bad signal %d", signo);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, NULL) < 0)
		return fail(cause, "sigprocmask: %s", strerror(errno));
	sigaddset(&l->sigmask, signo);
	int fd = signalfd(l->sfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return fail(cause, "signalfd: %s", strerror(errno));
	if (l->sfd < 0) {
		l->sfd = fd;
		if (loop_fd_add(l, fd, LOOP_READ, signalfd_cb, NULL, cause) < 0)
			return -1;
	}
	l->sigs[signo].cb = cb;
	l->sigs[signo].arg = arg;
	return 0;
}

void loop_set_sweep(struct loop *l, loop_sweep_cb *cb, void *arg)
{
	l->sweep = cb;
	l->sweep_arg = arg;
}

/* Runs the callbacks of n fetched events. */
static int dispatch(struct loop *l, const struct epoll_event *evs, int n)
{
	int ran = 0;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
		/* An earlier callback of this pass may have removed (and maybe
		 * re-added) this fd: deliver only to the registration that asked. */
		if (fd >= l->nfds || l->fds[fd].gen != gen)
			continue;
		struct loop_fd *f = &l->fds[fd];
		unsigned got = 0;
		uint32_t e = evs[i].events;
		if ((e & EPOLLIN) && (f->events & LOOP_READ))
			got |= LOOP_READ;
		if ((e & EPOLLOUT) && (f->events & LOOP_WRITE))
			got |= LOOP_WRITE;
		if (e & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))
			got |= LOOP_HUP;
		if (e & (EPOLLHUP | EPOLLERR))
			got |= LOOP_ERR;
		if (!got)
			continue;
		/* the loop's own fds (timers, signals, the bulk epoll) are not
		 * the others a small bulk batch gives way to */
		if (f->cb != timerfd_cb && f->cb != signalfd_cb && f->cb != bulk_cb &&
		    !(f->events & LOOP_BULK))
			l->served++;
		f->cb(l, fd, got, f->arg);
		ran++;
	}
	return ran;
}

int loop_once(struct loop *l, int64_t max_ms)
{
	struct epoll_event evs[LOOP_BATCH];
	int timeout = max_ms < 0 ? -1 : max_ms > 0x7fffffff ? 0x7fffffff : (int)max_ms;
	int n = epoll_wait(l->epfd, evs, LOOP_BATCH, timeout);
	if (n < 0) {
		if (errno != EINTR)
			return -1;
		n = 0;
	}
	l->bulk_ready = 0;
	l->served = 0;
	int ran = dispatch(l, evs, n);
	if (l->bulk_ready) {
		/* One batch: the bulk epoll stays ready on epfd while more wait,
		 * and hands them out in turn (it queues a reported fd that is
		 * still ready behind the others). A small one while other fds
		 * are busy: a client's reply of a megabyte takes a pass per
		 * socket buffer, each of which would wait for a full batch. */
		n = epoll_wait(l->bulk_epfd, evs, l->served ? LOOP_BULK_BUSY : LOOP_BULK_BATCH, 0);
		if (n > 0)
			ran += dispatch(l, evs, n);
	}
	ran += timers_fire(l);
	timers_sweep(l);
	if (l->sweep)
		l->sweep(l, l->sweep_arg);
	return ran;
}

int loop_run(struct loop *l)
{
	l->stop = 0;
	while (!l->stop)
		if (loop_once(l, -1) < 0)
			return -1;
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}
