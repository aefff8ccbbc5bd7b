/* inotify on the loop: one descriptor whose queued events are read to the
 * end at each wake-up and handed to a callback one by one (the keeper's
 * watch of an app's files, the daemon's watch of its home). libc only. */
#ifndef PSUP_INOWATCH_H
#define PSUP_INOWATCH_H

#include <sys/inotify.h>

#include "loop.h"

/* One event (ev->name is valid when ev->len > 0). The callback may add and
 * remove watches, but must not close the descriptor it came from. */
typedef void inowatch_cb(const struct inotify_event *ev, void *arg);

/* A new inotify descriptor (non-blocking, close-on-exec) registered on l,
 * its events going to cb. Watches are added with inotify_add_watch() on
 * the returned fd. Returns the fd, or -1 with *cause set. */
int inowatch_open(struct loop *l, inowatch_cb *cb, void *arg, char **cause);
/* Unregisters and closes fd (from inowatch_open(); -1 is ignored). */
void inowatch_close(struct loop *l, int fd);

#endif
