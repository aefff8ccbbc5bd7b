/* A small single-threaded event loop on epoll: fd readiness, monotonic
 * timers on one timerfd, and signals through a signalfd. Callbacks may add or
 * remove anything, including the fd or timer being dispatched: each event is
 * re-checked against its registration before its callback runs (as redis
 * ae.c does), and removed timers are only marked, then swept after the pass.
 * An idle loop makes no wake-ups: the timerfd is armed only while a timer
 * exists. */
#ifndef PSUP_LOOP_H
#define PSUP_LOOP_H

#include <stdint.h>

struct loop;

enum {
	LOOP_READ = 1 << 0,
	LOOP_WRITE = 1 << 1,
	/* reported to callbacks only: */
	LOOP_HUP = 1 << 2,      /* hang-up or error on the fd (a half-close
	                         * only while LOOP_READ is asked for) */
	LOOP_ERR = 1 << 3,      /* with LOOP_HUP when it is a full hang-up or
	                         * an error, not only the peer's half-close */
	/* loop_fd_add only: one of many alike (a supervisor's links to its
	 * keepers). Their events are handled after the others' of a pass, at
	 * most LOOP_BULK_BATCH of them a pass (LOOP_BULK_BUSY when the pass
	 * also served other fds), so a flood of them (a thousand keepers
	 * reporting at once) never keeps the others (a client's request)
	 * waiting behind it. */
	LOOP_BULK = 1 << 4,
};

#define LOOP_BULK_BATCH 16
#define LOOP_BULK_BUSY 4

/* fd readiness: events is a mask of LOOP_*. */
typedef void loop_fd_cb(struct loop *l, int fd, unsigned events, void *arg);
typedef void loop_timer_cb(struct loop *l, uint64_t id, void *arg);
typedef void loop_signal_cb(struct loop *l, int signo, void *arg);
/* Runs once after each pass of events and timers: the place to free what
 * callbacks marked dead. */
typedef void loop_sweep_cb(struct loop *l, void *arg);

/* Returns a new loop, or NULL with *cause set. */
struct loop *loop_create(char **cause);
/* Closes the loop's own fds (not the registered ones) and frees it. The
 * signals it blocked stay blocked. */
void loop_free(struct loop *l);

/* Registers fd for events (LOOP_READ | LOOP_WRITE, or 0 to get only hang-ups;
 * with LOOP_BULK, see above). One registration per fd. Returns 0, or -1
 * with *cause set. */
int loop_fd_add(struct loop *l, int fd, unsigned events, loop_fd_cb *cb, void *arg,
    char **cause);
/* Changes the events of a registered fd (LOOP_BULK stays as registered).
 * Returns 0 or -1 (not registered). */
int loop_fd_mod(struct loop *l, int fd, unsigned events);
/* Unregisters fd (before the caller closes it). Events of fd already fetched
 * in this pass are not delivered. Unknown fds are ignored. */
void loop_fd_del(struct loop *l, int fd);
/* The arg fd is registered with, when its callback is cb; else NULL (not
 * registered, or by someone else). */
void *loop_fd_arg(const struct loop *l, int fd, loop_fd_cb *cb);

/* Calls cb once at the monotonic time at_ms (clock_mono_ms()); returns the
 * timer's id (never 0). */
uint64_t loop_timer_at(struct loop *l, int64_t at_ms, loop_timer_cb *cb, void *arg);
/* Same at the monotonic time at_ns (clock_mono_ns()), for callers that pace
 * work finer than a millisecond. */
uint64_t loop_timer_at_ns(struct loop *l, int64_t at_ns, loop_timer_cb *cb, void *arg);
/* Same, after ms milliseconds from now. */
uint64_t loop_timer_after(struct loop *l, int64_t ms, loop_timer_cb *cb, void *arg);
/* Cancels a timer; ids that fired or are unknown (and 0) are ignored. */
void loop_timer_del(struct loop *l, uint64_t id);
/* Number of pending timers (for tests: an idle loop has none). */
int loop_timer_count(const struct loop *l);

/* Blocks signo (in this thread's mask) and delivers it through the loop's
 * signalfd to cb. Returns 0, or -1 with *cause set. */
int loop_signal(struct loop *l, int signo, loop_signal_cb *cb, void *arg, char **cause);

void loop_set_sweep(struct loop *l, loop_sweep_cb *cb, void *arg);

/* Waits at most max_ms (-1: no limit) for events, dispatches them and due
 * timers, then sweeps. Returns the number of callbacks run, or -1 when
 * epoll_wait failed for another reason than EINTR. */
int loop_once(struct loop *l, int64_t max_ms);
/* Runs passes until loop_stop(). Returns 0, or -1 on a broken epoll. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
