/* A small epoll loop for the worker: fd watches with callbacks, and timers
 * on timerfds at absolute CLOCK_MONOTONIC deadlines. A callback may remove
 * any watch, its own included: removal marks the watch and the loop frees it
 * after the pass, skipping events of removed watches (redis ae.c does this). */
#ifndef PSUP_LOOP_H
#define PSUP_LOOP_H

#include <stdint.h>

struct loop;
struct loop_watch;
struct loop_timer;

typedef void (*loop_fd_cb)(int fd, uint32_t events, void *arg);
typedef void (*loop_timer_cb)(void *arg);

int loop_create(struct loop **out, char **cause);
/* Frees the loop and every watch still registered (fds are not closed). */
void loop_free(struct loop *l);

/* Watches fd for events (EPOLLIN/EPOLLOUT). Returns NULL with *cause on error. */
struct loop_watch *loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb,
    void *arg, char **cause);
int loop_mod(struct loop *l, struct loop_watch *w, uint32_t events, char **cause);
/* Stops watching; safe inside any callback. The fd may already be closed. */
void loop_del(struct loop *l, struct loop_watch *w);

/* Waits for events up to timeout_ms (-1 = no limit) and runs callbacks.
 * Returns 0, or -1 with *cause when epoll itself fails. */
int loop_run_once(struct loop *l, int timeout_ms, char **cause);

/* Timers: one timerfd each, armed at an absolute monotonic time in ns. */
struct loop_timer *loop_timer_create(struct loop *l, loop_timer_cb cb, void *arg, char **cause);
/* Arms t for deadline_ns (CLOCK_MONOTONIC; a past deadline fires at once);
 * 0 disarms. */
void loop_timer_arm(struct loop_timer *t, int64_t deadline_ns);
/* The armed deadline, 0 when disarmed. */
int64_t loop_timer_deadline(const struct loop_timer *t);
void loop_timer_free(struct loop_timer *t);

#endif
