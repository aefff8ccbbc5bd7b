/* A named limit shared exactly by every worker on the host: a small
 * memory-mapped state file ($PSUP_HOME/limits/NAME, PSUP_HOME defaulting to
 * ~/.psup as for psup itself; /tmp/psup-limits-UID/NAME when there is no
 * home at all) holding a limit_state (pacing, hold, what is learned of the
 * API) behind a process-shared robust mutex, so a worker killed while
 * holding it blocks no one. */
#ifndef PSUP_SHAREDLIMIT_H
#define PSUP_SHAREDLIMIT_H

#include <stdint.h>

#include "pacer.h"

struct sharedlimit;

/* Opens (creating if needed) the state of limit `name` ([A-Za-z0-9._-],
 * not starting with '.'). A file left by an earlier boot is replaced.
 * Returns 0, or -1 with *cause (caller frees). */
int sharedlimit_open(const char *name, struct sharedlimit **out, char **cause);
void sharedlimit_close(struct sharedlimit *sl);
/* The folder of the state files, made (0700) if missing; malloc'd, or
 * NULL with *cause. */
char *sharedlimit_dir(char **cause);
/* The path of the state file (owned by sl). */
const char *sharedlimit_path(const struct sharedlimit *sl);

/* Locks the shared state and returns it; give it back with
 * sharedlimit_unlock soon (every worker on the name waits meanwhile). */
struct limit_state *sharedlimit_lock(struct sharedlimit *sl);
void sharedlimit_unlock(struct sharedlimit *sl);

#endif
