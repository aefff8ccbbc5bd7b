/* Keepers from the daemon's side (link.c): launch one detached per app,
 * connect to its control.sock, keep its latest pushed status, and recover
 * when one dies. The link's fields live in struct dapp (apps.h). */
#ifndef PSUP_LINK_H
#define PSUP_LINK_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon_core.h"
#include "lifecycle.h"

struct dapp;

/* Steps a's lifecycle with ev (what the daemon knows of the app is filled
 * in here) and carries out the actions. Returns the seq of the last request
 * sent to the keeper, 0 when none was. The caller re-checks gates and ops
 * (ops_changed) once it is done with its own changes. */
uint64_t link_event(struct dapp *a, struct lc_event *ev);
/* link_event() of an event with nothing more to say than its kind. */
uint64_t link_step(struct dapp *a, enum lc_event_kind kind);
/* Queues a request line (without newline), sent in the loop's next pass.
 * Returns its sequence number, or 0 when the app has no connected keeper. */
uint64_t link_send(struct dapp *a, const char *line);
/* Sends what is queued for every keeper, as far as each socket takes it
 * without waiting (the daemon exits). */
void link_flush_all(struct daemon *d);
/* Closes the connection and timers without killing anything (the daemon
 * exits, or the app is forgotten). */
void link_detach(struct dapp *a);
/* The keeper process with this pid exited (SIGCHLD). */
void link_reaped(struct daemon *d, pid_t pid);

#endif
