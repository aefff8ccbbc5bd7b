/* The forked child's reset between fork and exec, done one careful way for
 * every program psup starts (the app, a keeper, the daemon): handlers back
 * to default and nothing blocked, a new session when asked, the wanted
 * descriptors on 0, 1, 2 (and 3), every dup2 checked, every other
 * descriptor closed. A failure is reported to the parent through a
 * close-on-exec pipe, or said on stderr, and the child exits 127. */
#ifndef PSUP_CHILD_H
#define PSUP_CHILD_H

#include <sys/types.h>

#define CHILD_FDS_MAX 8

enum child_stage {
	CHILD_STAGE_FDS = 1,    /* child_reset() failed */
	CHILD_STAGE_CHDIR,
	CHILD_STAGE_EXEC,
};

/* What travels through the report pipe when the child fails. */
struct child_report {
	int stage;              /* enum child_stage */
	int err;                /* errno */
};

/* In the child, after fork: async-signal-safe only. Resets every signal's
 * handler to SIG_DFL and unblocks all, calls setsid() when new_session,
 * puts fds[i] on descriptor i for each i < n (n <= CHILD_FDS_MAX; the
 * sources may be any descriptors, also each other's targets, one source on
 * several targets), moves *report_fd (when report_fd is not NULL) to n,
 * close-on-exec, updating *report_fd, and closes every other descriptor.
 * Returns 0, or -1 with errno set (then *report_fd still reaches the
 * parent). */
int child_reset(const int *fds, int n, int new_session, int *report_fd);
/* Sends {stage, errno} through report_fd and exits 127. */
_Noreturn void child_report_fail(int report_fd, int stage);
/* Writes "<what> <arg>: <strerror(errno)>" and a newline to fd (arg may be
 * NULL) and exits 127: for a child whose parent has no report pipe. */
_Noreturn void child_die(int fd, const char *what, const char *arg);

/* Runs fn(arg) in a new process that shares this one's memory until it
 * execs or exits (clone with CLONE_VM | CLONE_VFORK, on a stack of its
 * own), the caller paused meanwhile: no page tables are copied and no
 * page is faulted back in afterwards, which fork makes a start from a
 * big process pay. fn starts with every signal blocked and this process's
 * handlers (child_reset sets them to default); it may call only
 * async-signal-safe functions, must not write memory of this process
 * other than through arg, and must end in exec or _exit. Returns the
 * child's pid, or -1 with errno set. (A build with AddressSanitizer forks
 * instead, CHILD_VFORK_FORKS: the child then writes only its own copy.) */
pid_t child_vfork(int (*fn)(void *arg), void *arg);
/* child_vfork for a process with many descriptors: fork copies the whole
 * table into the child, which then closes it all again, a cost that grows
 * with every descriptor the caller holds. Here the child starts on a copy
 * of only the descriptors below `below` (close_range's
 * CLOSE_RANGE_UNSHARE); everything fn is to pass on must be there. Where
 * the kernel cannot do that, it falls back to child_vfork (fn then sees
 * the whole table, which child_reset closes as usual). */
pid_t child_vfork_few(int (*fn)(void *arg), void *arg, int below);
#if defined(__SANITIZE_ADDRESS__)
#define CHILD_VFORK_FORKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHILD_VFORK_FORKS 1
#endif
#endif
#ifndef CHILD_VFORK_FORKS
#define CHILD_VFORK_FORKS 0
#endif

/* In the parent: reads the report pipe's read end until EOF (exec closed
 * the write end) and closes it. Returns 0 when the child exec'd, or 1 with
 * *r filled when it failed (it has then exited 127, to be reaped). */
int child_exec_result(int report_rfd, struct child_report *r);

#endif
