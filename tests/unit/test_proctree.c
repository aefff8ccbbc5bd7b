/* proctree: children files (stat lines are test_procfs's), and a walk of
 * a real tree this test forks: every descendant found, parents first,
 * orphans of a subreaper included. */
#include "tap.h"
#include "proctree.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_children(void)
{
	static const struct {
		const char *in;
		int n;
		pid_t first, last;
	} cases[] = {
		{ "", 0, 0, 0 },
		{ "12", 1, 12, 12 },
		{ "12 345 ", 2, 12, 345 },
		{ "1 2 3 4 5 6 7 8 9 10 ", 10, 1, 10 },   /* past max: counted */
		{ "12 x", -1, 0, 0 },
		{ "-3 ", -1, 0, 0 },
		{ "12a ", -1, 0, 0 },
		{ "99999999999 ", -1, 0, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pid_t out[4] = { 0 };
		int n = proctree_parse_children(cases[i].in, strlen(cases[i].in), out, 4);
		is_int(n, cases[i].n, "children \"%s\": %d pids", cases[i].in, cases[i].n);
		if (n > 0) {
			is_int(out[0], cases[i].first, "first pid");
			is_int(out[(n < 4 ? n : 4) - 1], n <= 4 ? cases[i].last : 4, "last pid stored");
		}
	}
}

struct seen {
	pid_t pids[16];
	pid_t ppids[16];
	int n;
};

static int seen_cb(const struct procfs_stat *p, void *arg)
{
	struct seen *s = arg;
	if (s->n < 16) {
		s->pids[s->n] = p->pid;
		s->ppids[s->n] = p->ppid;
	}
	s->n++;
	return 0;
}

static int seen_has(const struct seen *s, pid_t pid)
{
	for (int i = 0; i < s->n && i < 16; i++)
		if (s->pids[i] == pid)
			return i + 1;
	return 0;
}

static void test_walk(void)
{
	/* a child with a grandchild, and an orphan whose parent exits: as a
	 * subreaper, this test becomes the orphan's parent */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	int p[2];
	if (pipe(p) < 0)
		return;
	pid_t child = fork();
	if (child == 0) {
		if (fork() == 0) {
			pause();
			_exit(0);
		}
		pid_t mid = fork();
		if (mid == 0) {
			pid_t orphan = fork();
			if (orphan == 0) {
				pause();
				_exit(0);
			}
			if (write(p[1], &orphan, sizeof orphan) < 0)
				_exit(1);
			_exit(0);
		}
		waitpid(mid, NULL, 0);
		pause();
		_exit(0);
	}
	pid_t orphan = 0;
	if (read(p[0], &orphan, sizeof orphan) != (ssize_t)sizeof orphan)
		orphan = 0;
	close(p[0]);
	close(p[1]);
	struct seen s = { 0 };
	for (int tries = 0; tries < 200; tries++) {
		memset(&s, 0, sizeof s);
		if (proctree_walk(getpid(), seen_cb, &s) < 0)
			break;
		/* until the orphan's parent is gone and it is ours */
		int i = seen_has(&s, orphan);
		if (s.n == 3 && i && s.ppids[i - 1] == getpid())
			break;
		usleep(10000);
	}
	is_int(s.n, 3, "three descendants: the child, its child, the orphan");
	ok(seen_has(&s, child) == 1 || seen_has(&s, orphan) == 1, "a child of the root comes first");
	int ci = seen_has(&s, child);
	int gi = 0;
	for (int i = 0; i < s.n && i < 16; i++)
		if (s.ppids[i] == child)
			gi = i + 1;
	ok(ci && gi > ci, "a grandchild comes after its parent");
	ok(orphan > 0 && seen_has(&s, orphan), "the orphan is found under the subreaper");
	struct seen none = { 0 };
	ok(proctree_walk(999999999, seen_cb, &none) < 0 && errno == ENOENT, "a gone root: ENOENT");
	for (int i = 0; i < s.n && i < 16; i++)
		kill(s.pids[i], SIGKILL);
	kill(child, SIGKILL);
	if (orphan > 0)
		kill(orphan, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

int main(void)
{
	test_children();
	test_walk();
	return done_testing();
}
