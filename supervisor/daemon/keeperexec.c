/* Starting a keeper process: the readiness pipe, fork, and in the child
 * only descriptor and signal set-up before exec (see keeperexec.h). */
#include "keeperexec.h"
#include "apps.h"
#include "daemon_core.h"
#include "child.h"
#include "keeperctl.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

int keeperexec_ready_open(struct dapp *a, loop_fd_cb *cb, long long limit)
{
	int p[2];
	a->ready_fd = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	if (p[0] >= limit || loop_fd_add(a->d->loop, p[0], LOOP_READ, cb, a, NULL) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	a->ready_fd = p[0];
	return p[1];
}

void keeperexec_ready_close(struct dapp *a)
{
	if (a->ready_fd >= 0) {
		loop_fd_del(a->d->loop, a->ready_fd);
		close(a->ready_fd);
		a->ready_fd = -1;
	}
}

pid_t keeperexec_fork(const struct daemon *d, const struct dapp *a, int ready_wfd)
{
	char *argv0 = xasprintf("psup: keep %s", a->name);
	char *argv[] = { argv0, a->spec_dir, a->dir, d->cgroup_base, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		static char ready_env[] = KEEPERCTL_READY_ENV "=3";
		int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int out = open(d->keeper_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (out < 0)
			out = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (in < 0 || out < 0)
			child_die(2, "psup: cannot open /dev/null for the keeper of", a->name);
		const int fds[4] = { in, out, out, ready_wfd };
		if (child_reset(fds, ready_wfd >= 0 ? 4 : 3, 1, NULL) < 0)
			child_die(out, "psup: cannot set up the descriptors of the keeper of", a->name);
		if (ready_wfd >= 0)
			putenv(ready_env);
		if (d->nofile_soft >= 0) {
			struct rlimit rl;
			if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
				rl.rlim_cur = (rlim_t)d->nofile_soft;
				setrlimit(RLIMIT_NOFILE, &rl);
			}
		}
		execv(d->keeper_path, argv);
		child_die(2, "psup: cannot exec keeper", d->keeper_path);
	}
	int e = errno;
	free(argv0);
	if (ready_wfd >= 0)
		close(ready_wfd);
	errno = e;
	return pid;
}
