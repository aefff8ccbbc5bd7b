/* A cgroup (v2) per app, where psup may make one: the daemon finds a base
 * under its own cgroup (psup-HASH, one per home) when cgroup2 is mounted
 * and writable (root, or a user owning a delegated subtree); each keeper
 * makes app-ENTRY below it for its app. Kill is then one write to
 * cgroup.kill and the app's processes are the cgroup's, whatever they did
 * with sessions and groups. Nothing here touches a cgroup outside a base
 * psup made. Libc only: the keeper and the daemon use it. */
#ifndef PSUP_CGROUP_H
#define PSUP_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

/* The longest cgroup path psup builds. */
#define CGROUP_PATH_MAX 512

/* The mount point of the first cgroup2 file system in a /proc/PID/mountinfo
 * text of len bytes, into out[0..n) (octal escapes such as \040 undone).
 * Returns 0, or -1 when there is none or it does not fit. Pure. */
int cgroup_parse_mountinfo(const char *buf, size_t len, char *out, size_t n);

/* The cgroup2 path ("0::/a/b") in a /proc/PID/cgroup text of len bytes,
 * into out[0..n) ("/a/b"). Returns 0, or -1 when there is none (a v1-only
 * system), it is unreachable ("/.." of another namespace, or deleted) or
 * does not fit. Pure. */
int cgroup_parse_self(const char *buf, size_t len, char *out, size_t n);

/* The "populated" value of a cgroup.events text: 1, 0, or -1 when absent.
 * Pure. */
int cgroup_parse_populated(const char *buf, size_t len);

/* The directory name of a home's base: "psup-" and 16 hex digits of a
 * hash of the home's path, into out[0..n) (n >= 22). Pure. */
void cgroup_base_name(const char *home, char *out, size_t n);

/* The base of home's apps: MOUNT/OWN/psup-HASH when this process's cgroup2
 * is mounted and the base can be made and written; into out[0..n). Its
 * empty app cgroups are removed, and the base too when no app is left in
 * it (keepers make it again). Returns 0, or -1 with *cause set (the caller
 * frees) saying why psup goes without cgroups. */
int cgroup_base_open(const char *home, char *out, size_t n, char **cause);

/* The cgroup of an app: base/app-ENTRY (ENTRY its apps/ entry name), into
 * out[0..n). Returns 0, or -1 when it does not fit. */
int cgroup_app_path(const char *base, const char *entry, char *out, size_t n);

/* Makes dir (an app's cgroup) anew when it is empty, else keeps it as it is
 * (a base gone with its last app is made again), and opens it (O_DIRECTORY,
 * O_CLOEXEC) for the calls below; *fresh says whether it was made now.
 * Returns the fd, or -1 with errno. */
int cgroup_app_open(const char *dir, int *fresh);

/* fork(), the child starting in the cgroup dir_fd is: clone3 with
 * CLONE_INTO_CGROUP (Linux 5.7), no migration of a running process (which
 * takes a lock every fork and migration on the machine waits for). Returns
 * as fork does; -1 with errno also where the kernel cannot (ENOSYS, E2BIG,
 * EINVAL before 5.7): the caller then forks and moves the child. The child
 * may only do what is safe after fork in a single-threaded process. Only
 * into a fresh cgroup (cgroup_app_open): Linux (6.18 at least) SIGKILLs
 * every process cloned into a cgroup that was ever killed by cgroup.kill,
 * while one moved there lives. */
pid_t cgroup_fork_into(int dir_fd);

/* In a child between fork and exec (async-signal-safe): moves the calling
 * process into the cgroup dir_fd is. 0 or -1. */
int cgroup_join_self(int dir_fd);

/* Moves pid into the cgroup dir_fd is. 0 or -1 with errno. */
int cgroup_move(int dir_fd, pid_t pid);

/* 1 when processes live in dir, 0 when none, -1 with errno when it cannot
 * be read. */
int cgroup_populated(const char *dir);

/* Waits up to timeout_ms for dir to hold no process (cgroup.events
 * notifies each change). Returns 0 when empty, -1 with errno (ETIMEDOUT
 * when processes are still there). */
int cgroup_wait_empty(const char *dir, int timeout_ms);

/* Sends sig to every process in dir (SIGKILL through cgroup.kill where the
 * kernel has it, 5.14 on). Returns how many were signalled (1 for a
 * cgroup.kill write), or -1 with errno when dir cannot be read. */
int cgroup_signal(const char *dir, int sig);

/* The value of key in a memory.stat text ("anon 123\nfile 45\n"), or -1
 * when absent or not a number. Pure. */
long long cgroup_parse_stat(const char *buf, size_t len, const char *key);

/* The memory charged to dir (memory.current) less its page cache
 * (memory.stat's file), in bytes; -1 when the memory controller is not
 * enabled there. */
long long cgroup_memory(const char *dir);

/* Removes dir when no process is left in it (a busy or missing one is left
 * as it is), then its base when that holds no other app's. Returns 0 when
 * dir was removed or missing, -1 with errno. */
int cgroup_remove(const char *dir);

/* Removes the empty app cgroups under base, then base itself when empty
 * (what psup made and no longer uses). */
void cgroup_base_remove(const char *base);

#endif
