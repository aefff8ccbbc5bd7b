/* Starting a keeper process (keeperexec.c): a pipe on which it says it
 * listens (keeperctl.h), then fork and a clean exec. When is link.c's. */
#ifndef PSUP_KEEPEREXEC_H
#define PSUP_KEEPEREXEC_H

#include <sys/types.h>

#include "loop.h"

struct daemon;
struct dapp;

/* Opens d->keeper_slot and d->keeper_slot_null (early, while descriptor
 * numbers are low); without them keepers still start, their children
 * copying every descriptor of the daemon's up to the readiness pipe.
 * keeperexec_fini closes them. */
void keeperexec_init(struct daemon *d);
void keeperexec_fini(struct daemon *d);

/* The readiness pipe: its read end becomes a->ready_fd, on the loop with
 * cb(a) called when the keeper listens or died; returns the write end for
 * keeperexec_fork. -1 (a->ready_fd too) when it cannot be had or would
 * reach into the descriptors kept for clients (at or above limit): the
 * caller then polls for the keeper's socket. */
int keeperexec_ready_open(struct dapp *a, loop_fd_cb *cb, long long limit);
/* Takes a->ready_fd off the loop and closes it (when open). */
void keeperexec_ready_close(struct dapp *a);

/* Forks and execs a's keeper (child_vfork_few) as `psup-keeper SPEC_DIR RUN_DIR
 * [CGROUP_BASE]` titled "psup: keep NAME": its own session, no signal
 * blocked or ignored, stdin /dev/null, stdout and stderr to keeper.log, the
 * soft descriptor limit the daemon started with, and ready_wfd (when >= 0)
 * on descriptor 3, named in its environment; ready_wfd is closed here.
 * Returns the pid, or -1 with errno. */
pid_t keeperexec_fork(struct daemon *d, const struct dapp *a, int ready_wfd);

#endif
