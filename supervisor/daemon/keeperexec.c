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
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

void keeperexec_init(struct daemon *d)
{
	d->keeper_slot = open("/dev/null", O_RDONLY | O_CLOEXEC);
	d->keeper_slot_null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (d->keeper_slot < 0 || d->keeper_slot_null < 0)
		keeperexec_fini(d);
}

void keeperexec_fini(struct daemon *d)
{
	if (d->keeper_slot >= 0)
		close(d->keeper_slot);
	if (d->keeper_slot_null >= 0)
		close(d->keeper_slot_null);
	d->keeper_slot = d->keeper_slot_null = -1;
}

int keeperexec_ready_open(struct dapp *a, loop_fd_cb *cb, long long limit)
{
	int p[2];
	a->ready_fd = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	if (p[0] >= limit || loop_fd_add(a->d->loop, p[0], LOOP_READ | LOOP_BULK, cb, a, NULL) < 0) {
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

/* What the keeper's child needs, all made before it runs: it shares the
 * daemon's memory and may not allocate. */
struct exec_args {
	const char *path, *log, *name;
	char **argv, **envp;
	int ready_wfd;
	long long nofile_soft;
};

static int keeper_child(void *arg)
{
	const struct exec_args *x = arg;
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int out = open(x->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (out < 0)
		out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (in < 0 || out < 0)
		child_die(2, "psup: cannot open /dev/null for the keeper of", x->name);
	const int fds[4] = { in, out, out, x->ready_wfd };
	if (child_reset(fds, x->ready_wfd >= 0 ? 4 : 3, 1, NULL) < 0)
		child_die(out, "psup: cannot set up the descriptors of the keeper of", x->name);
	if (x->nofile_soft >= 0) {
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
			rl.rlim_cur = (rlim_t)x->nofile_soft;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	execve(x->path, x->argv, x->envp);
	child_die(2, "psup: cannot exec keeper", x->path);
}

/* The daemon's environment, with the readiness descriptor named when
 * there is one (malloc'd array; the strings are environ's). */
static char **keeper_env(int ready)
{
	static char ready_env[] = KEEPERCTL_READY_ENV "=3";
	size_t n = 0;
	for (char **e = environ; *e; e++)
		n++;
	char **v = xcalloc(n + 2, sizeof *v);
	size_t k = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, KEEPERCTL_READY_ENV "=", sizeof KEEPERCTL_READY_ENV) != 0)
			v[k++] = *e;
	if (ready)
		v[k++] = ready_env;
	return v;
}

pid_t keeperexec_fork(struct daemon *d, const struct dapp *a, int ready_wfd)
{
	char *argv0 = xasprintf("psup: keep %s", a->name);
	/* the keeper reads its spec from its own folder (specs.h) */
	char *argv[] = { argv0, a->dir, a->dir, d->cgroup_base, NULL };
	struct exec_args x = {
		.path = d->keeper_path, .log = d->keeper_log, .name = a->name,
		.argv = argv, .envp = keeper_env(ready_wfd >= 0), .ready_wfd = ready_wfd,
		.nofile_soft = d->nofile_soft,
	};
	/* The child needs none of the daemon's descriptors but the readiness
	 * pipe: moved to the low slot, it is the last one the child copies.
	 * (With 1,000 apps listed the daemon holds some 4,000; copying them
	 * into each keeper's child and closing them there took a start of
	 * 1,000 apps from 1 s of the keepers' CPU to 2-3 s.) */
	int slotted = ready_wfd >= 0 && d->keeper_slot >= 0 &&
	    dup3(ready_wfd, d->keeper_slot, O_CLOEXEC) >= 0;
	if (slotted)
		x.ready_wfd = d->keeper_slot;
	/* not fork: copying the daemon's page tables (and faulting its pages
	 * back in afterwards) was half of its work per app started */
	pid_t pid = child_vfork_few(keeper_child, &x, x.ready_wfd + 1);
	int e = errno;
	/* the slot must not hold the pipe open: its end says the keeper died */
	if (slotted && dup3(d->keeper_slot_null, d->keeper_slot, O_CLOEXEC) < 0) {
		dlog("cannot put /dev/null back on descriptor %d: %s; keepers now start "
		    "the slower way", d->keeper_slot, strerror(errno));
		keeperexec_fini(d);
	}
	free(x.envp);
	free(argv0);
	if (ready_wfd >= 0)
		close(ready_wfd);
	errno = e;
	return pid;
}
