/* procfds: walks of this test's own children through files kept open from
 * one pass to the next: what they find follows the processes (a child
 * reaped, a new one forked), the files of a process gone from a walked
 * subtree are closed, those of a subtree not walked are kept (for a
 * minute), and a budget bounds what is held. */
#include "tap.h"
#include "procfds.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static int count_cb(const struct procfs_stat *p, void *arg)
{
	(void)p;
	(*(int *)arg)++;
	return 0;
}

static pid_t spawn(void)
{
	pid_t pid = fork();
	if (pid == 0)
		for (;;)
			pause();
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int64_t now = 1000;

/* One pass over root's subtree with a budget, a second after the last:
 * how many processes it found (-1 when the walk failed). */
static int pass(struct procfds *t, pid_t root, int budget)
{
	struct proctree_src src;
	int n = 0;
	procfds_src(t, &src);
	procfds_begin(t, budget, now += 1000);
	procfds_root(t, root);
	int r = proctree_walk_src(&src, root, count_cb, &n);
	procfds_end(t);
	return r < 0 ? -1 : n;
}

int main(void)
{
	struct procfds t = { 0 };
	pid_t me = getpid();
	pid_t a = spawn(), b = spawn();

	is_int(pass(&t, me, 100), 2, "two children found");
	is_int(t.nfds, 6, "three processes' stat and children files kept");
	is_int(pass(&t, me, 100), 2, "found again through the kept files");
	is_int(t.nfds, 6, "nothing more opened");

	reap(a);
	is_int(pass(&t, me, 100), 1, "a reaped child is not found");
	is_int(t.nfds, 4, "its files are closed");

	pid_t c = spawn();
	is_int(pass(&t, me, 100), 2, "a new child is found (the kept children file reads afresh)");
	is_int(t.nfds, 6, "and its files kept");

	is_int(pass(&t, c, 100), 0, "another subtree walked (the new child's own)");
	is_int(t.nfds, 6, "the files of the one not walked stay open");
	is_int(pass(&t, me, 100), 2, "and serve its next walk");
	is_int(t.nfds, 6, "with nothing more opened");

	is_int(pass(&t, me, 4), 2, "a budget of 4 descriptors: still found");
	ok(t.nfds <= 4, "at most 4 kept (%d)", t.nfds);
	is_int(pass(&t, me, 0), 2, "a budget of none: still found");
	is_int(t.nfds, 0, "nothing kept");

	is_int(pass(&t, me, 100), 2, "kept again");
	now += PROCFDS_IDLE_MS;
	is_int(pass(&t, c, 100), 0, "another subtree walked a minute later");
	is_int(t.nfds, 2, "the files not read for a minute are closed");
	is_int(pass(&t, me, 100), 2, "and opened again when needed");
	procfds_free(&t);
	is_int(t.nfds, 0, "all closed when freed");

	reap(b);
	reap(c);
	return done_testing();
}
