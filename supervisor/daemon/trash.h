/* Removing APPDIRs (trash.c): set aside at once, removed after the loop
 * pass by a child process. */
#ifndef PSUP_TRASH_H
#define PSUP_TRASH_H

#include "daemon_core.h"

/* Removes dir (an APPDIR: files, no subdirectories): renamed out of the way
 * at once (its name is free for a new app), removed after the loop pass by
 * a child process, so deleting a thousand apps does not hold up the loop
 * on the file system. Once the home is lost, dir is removed at once. */
void trash_put(struct daemon *d, const char *dir);
/* Removes what trash_put() set aside (from the loop's sweep). */
void trash_empty(struct daemon *d);
/* Takes up what a daemon that died set aside (at start-up). */
void trash_find(struct daemon *d);

#endif
