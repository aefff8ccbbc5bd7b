/* The forked child's reset (see child.h). Only async-signal-safe calls run
 * in the child: it may be a copy of a process whose other state (malloc
 * locks, stdio) is in any shape. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

/* valgrind runs a clone that shares the descriptor table as no program
 * could (it exits, "Unsupported clone() flags"): under it, the plain way.
 * Its header is valgrind's own; where valgrind is not installed, no
 * program runs under it. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#endif
#endif
#ifndef UNDER_VALGRIND
#define UNDER_VALGRIND() 0
#endif

static void close_from(int lowfd)
{
	/* the system call, not libc's wrapper: musl (the keeper's libc where
	 * it is installed) has none */
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = lowfd; fd < max; fd++)
		close(fd);
}

int child_reset(const int *fds, int n, int new_session, int *report_fd)
{
	if (n < 0 || n > CHILD_FDS_MAX) {
		errno = EINVAL;
		return -1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL); /* fails only for numbers
			                              * the libc keeps to itself */
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		return -1;
	if (new_session && setsid() < 0)
		return -1;
	/* Copy every source above the targets first, so no dup2 below
	 * overwrites a descriptor still to be placed. The copies are
	 * close-on-exec and go with the others at the end. */
	int lowest = n + 1;
	int hi[CHILD_FDS_MAX];
	for (int i = 0; i < n; i++)
		if ((hi[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, lowest)) < 0)
			return -1;
	if (report_fd) {
		int r = fcntl(*report_fd, F_DUPFD_CLOEXEC, lowest);
		if (r < 0)
			return -1;
		*report_fd = r;
	}
	for (int i = 0; i < n; i++)
		if (dup2(hi[i], i) < 0) /* dup2 leaves i without close-on-exec */
			return -1;
	if (report_fd) {
		if (dup3(*report_fd, n, O_CLOEXEC) < 0)
			return -1;
		*report_fd = n;
	}
	close_from(report_fd ? n + 1 : n);
	return 0;
}

_Noreturn void child_report_fail(int report_fd, int stage)
{
	struct child_report r = { stage, errno };
	ssize_t w = write(report_fd, &r, sizeof r);
	(void)w;        /* the parent then sees an exec; its wait tells */
	_exit(127);
}

static void put(int fd, const char *s)
{
	ssize_t w = write(fd, s, strlen(s));
	(void)w;
}

_Noreturn void child_die(int fd, const char *what, const char *arg)
{
	const char *why = strerror(errno);
	put(fd, what);
	if (arg) {
		put(fd, " ");
		put(fd, arg);
	}
	put(fd, ": ");
	put(fd, why);
	put(fd, "\n");
	_exit(127);
}

/* Enough for child_reset and an exec; the kernel needs none of it. */
#define VFORK_STACK (64 * 1024)

#if CHILD_VFORK_FORKS
/* AddressSanitizer cannot follow a child that runs on a stack of its own
 * in its parent's memory: a sanitized build forks (and so never shares
 * the descriptor table either). */
static pid_t start_child(int (*fn)(void *arg), void *arg, int share_fds)
{
	(void)share_fds;
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	return pid;
}
#else
static pid_t start_child(int (*fn)(void *arg), void *arg, int share_fds)
{
	char *stack = mmap(NULL, VFORK_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	int flags = CLONE_VM | CLONE_VFORK | SIGCHLD | (share_fds ? CLONE_FILES : 0);
	pid_t pid = clone(fn, stack + VFORK_STACK, flags, arg);
	int e = errno;
	/* the child has exec'd or exited: its stack is free */
	munmap(stack, VFORK_STACK);
	errno = e;
	return pid;
}
#endif

static pid_t start_blocked(int (*fn)(void *arg), void *arg, int share_fds)
{
	/* a handler run in the child would run on this process's memory */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t pid = start_child(fn, arg, share_fds);
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return pid;
}

pid_t child_vfork(int (*fn)(void *arg), void *arg)
{
	return start_blocked(fn, arg, 0);
}

struct few {
	int (*fn)(void *arg);
	void *arg;
	int below;
	volatile int failed;    /* written by the child, read by the parent */
};

static int few_child(void *p)
{
	struct few *f = p;
	/* Until this returns the table is the parent's: nothing may touch it.
	 * The kernel copies only the descriptors below f->below. */
	if (syscall(SYS_close_range, (unsigned)f->below, ~0U, CLOSE_RANGE_UNSHARE) < 0) {
		f->failed = 1;
		_exit(127);
	}
	return f->fn(f->arg);
}

pid_t child_vfork_few(int (*fn)(void *arg), void *arg, int below)
{
	/* a kernel before 5.9, or a seccomp filter refusing close_range:
	 * found at the first start, which is then made again the plain way */
	static int no_unshare = -1;
	if (no_unshare < 0)
		no_unshare = UNDER_VALGRIND() != 0;
	if (!CHILD_VFORK_FORKS && !no_unshare && below >= 0) {
		struct few f = { fn, arg, below, 0 };
		pid_t pid = start_blocked(few_child, &f, 1);
		if (pid < 0 || !f.failed)
			return pid;
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		no_unshare = 1;
	}
	return start_blocked(fn, arg, 0);
}

int child_exec_result(int report_rfd, struct child_report *r)
{
	ssize_t got;
	do
		got = read(report_rfd, r, sizeof *r);
	while (got < 0 && errno == EINTR);
	close(report_rfd);
	return got == (ssize_t)sizeof *r ? 1 : 0;
}
