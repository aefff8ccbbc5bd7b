/* The daemon's watch of its home (homewatch.c): inotify on the home for
 * its own removal or move and for the socket's and lock file's names, or,
 * when inotify cannot be had, a look every second. What is seen goes
 * through homecheck_decide(); this carries the answer out: listen again,
 * lock again, or stop the apps (`psup kill`) or step aside, then exit. */
#ifndef PSUP_HOMEWATCH_H
#define PSUP_HOMEWATCH_H

#include "daemon_core.h"

/* Starts watching d's home, socket and lock file as they are now (call it
 * once the daemon listens). Says in the log when it falls back to a look
 * every second; never fails. */
void homewatch_open(struct daemon *d);
void homewatch_free(struct daemon *d);

#endif
