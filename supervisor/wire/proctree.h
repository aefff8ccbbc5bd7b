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

/* Where a walk reads each process's stat line and children files: by path
 * (proctree_walk), or through files a caller keeps open across walks
 * (procfds.h, the daemon's). stat: as procfs_stat_read(). children: the
 * text of /proc/PID/task/TID/children into *buf (grown as needed with
 * realloc, NUL-terminated), its length, or -1 with errno (ENOENT or ESRCH:
 * gone). */
struct proctree_src {
	int (*stat)(void *ctx, pid_t pid, struct procfs_stat *out);
	ssize_t (*children)(void *ctx, pid_t pid, pid_t tid, char **buf, size_t *cap);
	void *ctx;
};
/* proctree_walk() reading through src. */
int proctree_walk_src(const struct proctree_src *src, pid_t root,
    int (*fn)(const struct procfs_stat *p, void *arg), void *arg);

/* The text of /proc/PID/task/TID/children, opened for this one read, into
 * *buf as src->children gives it. */
ssize_t proctree_children(pid_t pid, pid_t tid, char **buf, size_t *cap);

/* The whole of a /proc file open as fd, read from its start (pread: a kept
 * file gives fresh text each time) into *buf, grown as needed and
 * NUL-terminated. Returns its length, or -1 with errno. */
ssize_t proctree_read_fd(int fd, char **buf, size_t *cap);

#endif
