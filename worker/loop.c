/* The worker's event loop: epoll with mark-and-sweep removal, and timerfd
 * timers, so every wait is a deadline on the loop and nothing sleeps. */
#include "loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "xalloc.h"

struct loop_watch {
	int fd;
	int dead;
	loop_fd_cb cb;
	void *arg;
	int idx;                  /* position in loop->all */
	struct loop_watch *next_dead;
};

struct loop {
	int epfd;
	struct loop_watch *dead;  /* removed during this pass, freed after it */
	struct loop_watch **all;  /* live watches */
	int n_all, cap_all;
};

struct loop_timer {
	struct loop *l;
	struct loop_watch *w;
	int fd;
	int64_t deadline;
	loop_timer_cb cb;
	void *arg;
};

/* Every live watch, so loop_free can release them; w->idx makes removal O(1). */
static void registry_add(struct loop *l, struct loop_watch *w)
{
	if (l->n_all == l->cap_all) {
		l->cap_all = l->cap_all ? l->cap_all * 2 : 64;
		l->all = xreallocarray(l->all, (size_t)l->cap_all, sizeof *l->all);
	}
	w->idx = l->n_all;
	l->all[l->n_all++] = w;
}

static void registry_remove(struct loop *l, struct loop_watch *w)
{
	struct loop_watch *last = l->all[--l->n_all];
	l->all[w->idx] = last;
	last->idx = w->idx;
}

int loop_create(struct loop **out, char **cause)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0)
		return fail(cause, "epoll_create1: %s", strerror(errno));
	struct loop *l = xcalloc(1, sizeof *l);
	l->epfd = fd;
	*out = l;
	return 0;
}

static void sweep(struct loop *l)
{
	while (l->dead) {
		struct loop_watch *w = l->dead;
		l->dead = w->next_dead;
		free(w);
	}
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	sweep(l);
	for (int i = 0; i < l->n_all; i++)
		free(l->all[i]);
	free(l->all);
	close(l->epfd);
	free(l);
}

struct loop_watch *loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb,
    void *arg, char **cause)
{
	struct loop_watch *w = xcalloc(1, sizeof *w);
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		fail(cause, "epoll_ctl add fd %d: %s", fd, strerror(errno));
		free(w);
		return NULL;
	}
	registry_add(l, w);
	return w;
}

int loop_mod(struct loop *l, struct loop_watch *w, uint32_t events, char **cause)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return fail(cause, "epoll_ctl mod fd %d: %s", w->fd, strerror(errno));
	return 0;
}

void loop_del(struct loop *l, struct loop_watch *w)
{
	if (!w || w->dead)
		return;
	/* The fd may be closed already (epoll then dropped it itself). */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = 1;
	w->next_dead = l->dead;
	l->dead = w;
	registry_remove(l, w);
}

int loop_run_once(struct loop *l, int timeout_ms, char **cause)
{
	struct epoll_event evs[256];
	int n = epoll_wait(l->epfd, evs, 256, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return fail(cause, "epoll_wait: %s", strerror(errno));
	}
	for (int i = 0; i < n; i++) {
		struct loop_watch *w = evs[i].data.ptr;
		if (w->dead)
			continue;
		w->cb(w->fd, evs[i].events, w->arg);
	}
	sweep(l);
	return 0;
}

static void timer_fd_cb(int fd, uint32_t events, void *arg)
{
	(void)events;
	struct loop_timer *t = arg;
	uint64_t ticks;
	/* Clears the expiry; EAGAIN if it was re-armed meanwhile. */
	if (read(fd, &ticks, sizeof ticks) < 0 && errno == EAGAIN)
		return;
	t->deadline = 0;
	t->cb(t->arg);
}

struct loop_timer *loop_timer_create(struct loop *l, loop_timer_cb cb, void *arg, char **cause)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0) {
		fail(cause, "timerfd_create: %s", strerror(errno));
		return NULL;
	}
	struct loop_timer *t = xcalloc(1, sizeof *t);
	t->l = l;
	t->fd = fd;
	t->cb = cb;
	t->arg = arg;
	t->w = loop_add(l, fd, EPOLLIN, timer_fd_cb, t, cause);
	if (!t->w) {
		close(fd);
		free(t);
		return NULL;
	}
	return t;
}

void loop_timer_arm(struct loop_timer *t, int64_t deadline_ns)
{
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	if (deadline_ns > 0) {
		/* 0 would disarm: a deadline at the epoch means "now". */
		its.it_value.tv_sec = deadline_ns / 1000000000LL;
		its.it_value.tv_nsec = deadline_ns % 1000000000LL;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		/* Only EINVAL is possible here, from a bad value: a bug. */
		fprintf(stderr, "psup-worker: timerfd_settime: %s\n", strerror(errno));
		abort();
	}
	t->deadline = deadline_ns > 0 ? deadline_ns : 0;
}

int64_t loop_timer_deadline(const struct loop_timer *t)
{
	return t->deadline;
}

void loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return;
	loop_del(t->l, t->w);
	close(t->fd);
	free(t);
}
