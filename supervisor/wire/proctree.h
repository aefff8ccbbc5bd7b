/* An app's processes found from its keeper down (proctree.c): the keeper is
 * a child subreaper, so every process of its app (the leader, its
 * children, orphans reparented to the keeper) descends from it, and
 * /proc/PID/task/TID/children names them without reading the rest of
 * /proc: the cost follows psup's own processes, not the machine's. Libc
 * only: the keeper and the daemon use it. */
#ifndef PSUP_PROCTREE_H
#define PSUP_PROCTREE_H

#include <stddef.h>
#include <sys/types.h>

#include "procfs.h"

/* Parses a children file ("12 345 ") into out[0..max): returns how many
 * pids it holds (those past max are counted, not stored), -1 when it holds
 * anything but pids. Pure. */
int proctree_parse_children(const char *buf, size_t len, pid_t *out, int max);

/* Calls fn for every live descendant of root (not root itself: a
 * single-threaded process, such as a keeper), parents
 * before their children; fn returns 0 to go on, non-zero to stop the walk
 * (that value is returned). Returns 0 when done, or -1 with errno: ENOENT
 * when this kernel has no children files (CONFIG_PROC_CHILDREN) or root is
 * gone, EMFILE and the like when a resource ran short. A walk stops after
 * PROCTREE_MAX processes (a fork bomb must not wedge its supervisor). */
#define PROCTREE_MAX 65536
int proctree_walk(pid_t root, int (*fn)(const struct procfs_stat *p, void *arg), void *arg);

#endif
