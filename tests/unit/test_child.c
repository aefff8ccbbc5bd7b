/* The child reset: descriptors land where asked (also when the sources
 * are each other's targets), nothing else stays open, handlers and mask
 * are reset, a session is made when asked; exec failures travel back
 * through the report pipe with their stage and errno; child_vfork runs its
 * child on the caller's memory with signals blocked, and waits for its
 * exec; child_vfork_few's child starts with only the descriptors below its
 * bound. */
#include "tap.h"
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_I386
#endif
/* elsewhere the seccomp case is skipped */

/* Runs fn in a forked child; returns its exit code (-1 when it did not
 * exit). */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* In a child: after the reset, 0..2 are open (not close-on-exec), the
 * report pipe is on 3 (close-on-exec), nothing else is open, handlers and
 * mask are reset and the child leads a new session. Exit code: 0, or the
 * number of the first failed check. */
static int reset_cb(void *arg)
{
	(void)arg;
	int ep[2];
	if (pipe2(ep, O_CLOEXEC) < 0)
		return 1;
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int extra = open("/dev/null", O_RDONLY); /* not close-on-exec */
	if (devnull < 0 || extra < 0)
		return 2;
	signal(SIGUSR1, SIG_IGN);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	const int fds[3] = { devnull, devnull, devnull };
	int report = ep[1];
	if (child_reset(fds, 3, 1, &report) < 0)
		return 3;
	if (report != 3 || fcntl(3, F_GETFD) != FD_CLOEXEC)
		return 4;
	for (int fd = 4; fd < 64; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			return 5;
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) != 0)
			return 6;
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	if (sa.sa_handler != SIG_DFL)
		return 7;
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	if (sigismember(&now, SIGUSR2))
		return 8;
	if (getsid(0) != getpid())
		return 9;
	return 0;
}

static void test_reset(void)
{
	is_int(in_child(reset_cb, NULL), 0, "fds placed, others closed, signals reset, own session");
}

/* The placement itself: fd i is the write end of pipe i (checked through
 * the read ends the parent keeps). */
static void test_placement(void)
{
	int p[3][2];
	for (int i = 0; i < 3; i++)
		if (pipe(p[i]) < 0) {
			ok(0, "pipe: %s", strerror(errno));
			return;
		}
	pid_t pid = fork();
	if (pid == 0) {
		/* rotate the write ends onto 0, 1, 2, so every source is
		 * another one's target */
		int fds[3];
		for (int i = 0; i < 3; i++) {
			if (dup2(p[i][1], (i + 1) % 3) < 0)
				_exit(1);
			fds[i] = (i + 1) % 3;
		}
		if (child_reset(fds, 3, 0, NULL) < 0)
			_exit(2);
		for (int i = 0; i < 3; i++) {
			char c = (char)('a' + i);
			if (write(i, &c, 1) != 1)
				_exit(3);
		}
		_exit(0);
	}
	for (int i = 0; i < 3; i++)
		close(p[i][1]);
	int st = -1;
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0, "the child wrote through 0, 1, 2");
	for (int i = 0; i < 3; i++) {
		char c = 0;
		ok(read(p[i][0], &c, 1) == 1 && c == 'a' + i, "fd %d is the pipe it was given", i);
		close(p[i][0]);
	}
}

static void test_report(void)
{
	int ep[2];
	if (pipe2(ep, O_CLOEXEC) < 0) {
		ok(0, "pipe2: %s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		const int fds[3] = { devnull, devnull, devnull };
		int rep = ep[1];
		if (child_reset(fds, 3, 1, &rep) < 0)
			child_report_fail(rep, CHILD_STAGE_FDS);
		char *argv[] = { (char *)"/nonexistent/psup-test", NULL };
		execv(argv[0], argv);
		child_report_fail(rep, CHILD_STAGE_EXEC);
	}
	close(ep[1]);
	struct child_report r;
	int got = child_exec_result(ep[0], &r);
	ok(got == 1 && r.stage == CHILD_STAGE_EXEC && r.err == ENOENT,
	    "an exec failure comes back with its stage and errno");
	int st = -1;
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 127, "and the child exits 127");

	if (pipe2(ep, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		const int fds[3] = { devnull, devnull, devnull };
		int rep = ep[1];
		if (child_reset(fds, 3, 0, &rep) < 0)
			child_report_fail(rep, CHILD_STAGE_FDS);
		char *argv[] = { (char *)"/bin/true", NULL };
		execv(argv[0], argv);
		child_report_fail(rep, CHILD_STAGE_EXEC);
	}
	close(ep[1]);
	is_int(child_exec_result(ep[0], &r), 0, "a successful exec reads as EOF");
	waitpid(pid, &st, 0);
}

static int bad_fd_cb(void *arg)
{
	(void)arg;
	const int fds[3] = { 1000, 1, 2 };
	errno = 0;
	return child_reset(fds, 3, 0, NULL) == -1 && errno == EBADF ? 0 : 1;
}

/* What the child of child_vfork sees and leaves. */
struct vf {
	int seen_blocked;       /* SIGTERM blocked when fn started */
	int mark;               /* written by the child: the memory is shared */
	const char *sh;
};

static int vfork_exec_cb(void *arg)
{
	struct vf *v = arg;
	sigset_t cur;
	v->seen_blocked = sigprocmask(SIG_SETMASK, NULL, &cur) == 0 && sigismember(&cur, SIGTERM);
	v->mark = 42;
	const int fds[3] = { 0, 1, 2 };
	if (child_reset(fds, 3, 0, NULL) < 0)
		_exit(126);
	static char dash_c[] = "-c", script[] = "exit 7";
	char *argv[] = { (char *)v->sh, dash_c, script, NULL };
	char *envp[] = { NULL };
	execve(v->sh, argv, envp);
	_exit(127);
}

static int vfork_exit_cb(void *arg)
{
	(void)arg;
	_exit(5);
}

static int wait_code(pid_t pid)
{
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_vfork(void)
{
	struct vf v = { .sh = "/bin/sh" };
	sigset_t before, after;
	sigprocmask(SIG_SETMASK, NULL, &before);
	pid_t pid = child_vfork(vfork_exec_cb, &v);
	sigprocmask(SIG_SETMASK, NULL, &after);
	ok(pid > 0, "child_vfork starts a child");
	if (CHILD_VFORK_FORKS) {
		skip(2, "a sanitized build forks: the child's memory is its own");
	} else {
		is_int(v.mark, 42, "it ran on this process's memory, before the call returned");
		is_int(v.seen_blocked, 1, "with every signal blocked");
	}
	is_int(sigismember(&after, SIGTERM), sigismember(&before, SIGTERM),
	    "the caller's signal mask is back as it was");
	is_int(wait_code(pid), 7, "the exec'd program's exit code");
	is_int(wait_code(child_vfork(vfork_exit_cb, NULL)), 5, "a child that only exits");
	v.sh = "/nonexistent/sh";
	is_int(wait_code(child_vfork(vfork_exec_cb, &v)), 127, "a failed exec exits 127");
}

/* child_vfork_few: the child starts with the descriptors below `below`
 * only; its exit code says what it saw (1: a low one missing, 2: a high
 * one there). */
static int few_high;

static int few_cb(void *arg)
{
	int below = *(const int *)arg;
	for (int fd = 0; fd < below; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			_exit(1);
	if (fcntl(few_high, F_GETFD) >= 0)
		_exit(2);
	_exit(0);
}

static void test_vfork_few(void)
{
	/* a process holding many descriptors, one of them high */
	int fds[300], n = 0;
	for (; n < 300; n++)
		if ((fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
			break;
	ok(n == 300, "300 descriptors open");
	few_high = fds[n - 1];
	int below = fds[0] + 1;
	int code = wait_code(child_vfork_few(few_cb, &below, below));
	if (CHILD_VFORK_FORKS)
		is_int(code, 2, "a sanitized build forks: the child has every descriptor");
	else
		is_int(code, 0, "the child has the descriptors below its bound and no others");
	int all = 1;
	for (int i = 0; i < n; i++)
		all &= fcntl(fds[i], F_GETFD) >= 0;
	ok(all, "the caller's descriptors are all still open");
	for (int i = 0; i < n; i++)
		close(fds[i]);
	below = 0;
	few_high = 0;
	is_int(wait_code(child_vfork_few(few_cb, &below, 0)), CHILD_VFORK_FORKS ? 2 : 0,
	    "a bound of 0: the child starts with no descriptor at all");
	is_int(wait_code(child_vfork_few(vfork_exit_cb, NULL, 3)), 5, "a child that only exits");
}

/* In a child process where close_range fails (a seccomp filter, as a
 * container's may have; or a kernel before 5.9): child_vfork_few falls
 * back to the plain way, its children run with every descriptor (exit code
 * 2 of few_cb), twice over. Returns 0, or the number of the failed step. */
#ifdef AUDIT_ARCH_NATIVE
static int no_close_range_cb(void *arg)
{
	(void)arg;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_NATIVE, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close_range, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof f / sizeof f[0]), f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return 1;
	if (syscall(SYS_close_range, 1000u, 1000u, 0u) == 0 || errno != ENOSYS)
		return 2;
	few_high = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int below = 3;
	if (wait_code(child_vfork_few(few_cb, &below, below)) != 2)
		return 3;
	if (wait_code(child_vfork_few(few_cb, &below, below)) != 2)
		return 4;
	return 0;
}
#endif

int main(void)
{
	test_reset();
	test_vfork();
	test_vfork_few();
#ifdef AUDIT_ARCH_NATIVE
	is_int(in_child(no_close_range_cb, NULL), 0,
	    "where close_range is refused, child_vfork_few starts its children the plain way");
#else
	skip(1, "no seccomp architecture known for this build");
#endif
	test_placement();
	test_report();
	is_int(in_child(bad_fd_cb, NULL), 0, "a bad source descriptor fails with EBADF");
	return done_testing();
}
