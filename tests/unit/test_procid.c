/* procid: a pid is proven to be the process recorded by its start time; a
 * keeper also by its program and directory; a group by its leader's start
 * time. Run against real processes: this one and a forked child. */
#include "tap.h"
#include "procid.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	plan_no_plan();
	unsigned long long self = 0, again = 0;
	is_int(procid_start(getpid(), &self), PROCID_YES, "own start time");
	ok(self > 0, "is after boot (%llu)", self);
	procid_start(getpid(), &again);
	ok(again == self, "and does not change");
	is_int(procid_start(0, &again), PROCID_NO, "pid 0 is nobody");

	/* a child leading its own group */
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	setpgid(c, c);
	unsigned long long cs = 0;
	is_int(procid_start(c, &cs), PROCID_YES, "a child's start time");
	is_int(procid_group(c, cs, "PSUP_APP_NAME=x", NULL), PROCID_YES,
	    "its group, with its leader's start time, is proven");
	is_int(procid_group(c, cs + 1, "PSUP_APP_NAME=x", NULL), PROCID_NO,
	    "with another start time it is a stranger's (a recycled pid)");
	is_int(procid_group(c, 0, "PSUP_APP_NAME=x", NULL), PROCID_NO,
	    "without a recorded start time nothing is proven");
	is_int(procid_group(1, cs, "PSUP_APP_NAME=x", NULL), PROCID_NO, "never group 1");
	is_int(procid_keeper(c, 0, "/"), PROCID_NO, "a process that is not psup-keeper is no keeper");
	is_int(procid_keeper(getpid(), self, "/"), PROCID_NO, "nor is this test");

	kill(c, SIGKILL);
	/* a zombie keeps its start time (read before reaping) but is no group */
	unsigned long long zs = 0;
	int st;
	siginfo_t si;
	ok(waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT) == 0, "the child exited (not reaped)");
	is_int(procid_start(c, &zs), PROCID_YES, "a zombie still has its start time");
	ok(zs == cs, "the same one");
	is_int(procid_group(c, cs, "PSUP_APP_NAME=x", NULL), PROCID_NO, "but its group is gone");
	waitpid(c, &st, 0);
	is_int(procid_start(c, &zs), PROCID_NO, "reaped: gone");

	/* a keeper: titled "keep NAME", living in its app's directory */
	char dir[] = "/tmp/procid.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	int p[2];
	if (pipe(p) < 0)
		return 1;
	pid_t k = fork();
	if (k == 0) {
		if (chdir(dir) < 0)
			_exit(1);
		prctl(PR_SET_NAME, "keep w-1");
		close(p[0]);
		close(p[1]);    /* ready */
		pause();
		_exit(0);
	}
	close(p[1]);
	char b;
	if (read(p[0], &b, 1) < 0)
		return 1;
	close(p[0]);
	unsigned long long ks = 0;
	procid_start(k, &ks);
	is_int(procid_keeper(k, 0, dir), PROCID_YES, "a keeper in its app's directory");
	is_int(procid_keeper(k, ks, dir), PROCID_YES, "with its start time");
	is_int(procid_keeper(k, ks + 1, dir), PROCID_NO, "not with another start time");
	is_int(procid_keeper(k, 0, "/tmp"), PROCID_NO, "not another home's app's keeper");
	kill(k, SIGKILL);
	waitpid(k, &st, 0);
	is_int(procid_keeper(k, 0, dir), PROCID_NO, "gone: no keeper");
	rmdir(dir);

	ok(procid_short_errno(EMFILE) && procid_short_errno(ENFILE), "EMFILE, ENFILE: cannot tell");
	ok(!procid_short_errno(ENOENT) && !procid_short_errno(EACCES), "ENOENT, EACCES: an answer");
	return done_testing();
}
