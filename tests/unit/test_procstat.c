/* procstat: a real process group this test creates, measured by a scan of
 * /proc and from its "keeper" (this test) down: members counted, CPU time
 * and memory summed, a busy group's CPU percent. */
#include "tap.h"
#include "procstat.h"
#include "clock.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A group of a leader, a child and a grandchild; the grandchild spins. */
static pid_t make_group(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		if (fork() == 0) {
			if (fork() == 0) {
				volatile char *big = malloc(8 << 20);
				for (int i = 0; i < (8 << 20); i += 4096)
					big[i] = 1;
				for (;;)
					;   /* spin */
			}
			pause();
			_exit(0);
		}
		pause();
		_exit(0);
	}
	setpgid(pid, pid);
	return pid;
}

static void test_scan(void)
{
	pid_t pg = make_group();
	struct procstat_group g[3] = { { .pgid = pg }, { .pgid = 0 }, { .pgid = 999999 } };
	int64_t deadline = clock_mono_ms() + 3000;
	char *cause = NULL;
	do {
		usleep(20000);
		procstat_scan(g, 3, NULL, 0, &cause);
	} while ((g[0].nprocs < 3 || g[0].rss_bytes < (8 << 20)) && clock_mono_ms() < deadline);
	is_int(g[0].nprocs, 3, "three processes in the group (grandchild included)");
	ok(g[0].rss_bytes >= (8 << 20), "memory counts the grandchild's 8 MiB (%lld)", g[0].rss_bytes);
	is_int(g[1].nprocs, 0, "pgid 0 is skipped");
	is_int(g[2].nprocs, 0, "a missing group has no members");
	pid_t skip[] = { pg };
	struct procstat_group g1 = { .pgid = pg };
	procstat_scan(&g1, 1, skip, 1, &cause);
	is_int(g1.nprocs, 2, "a skipped pid is not counted");

	struct procstat_sample s = { 0 };
	double first = procstat_cpu_percent(&s, &g[0], clock_mono_ms());
	ok(first >= 0, "first sample: lifetime average %.1f%%", first);
	usleep(400000);
	procstat_scan(g, 3, NULL, 0, &cause);
	double busy = procstat_cpu_percent(&s, &g[0], clock_mono_ms());
	/* a loaded machine shares the core: an idle group would show 0 */
	ok(busy > 5 && busy < 250, "a spinning grandchild shows as a busy group (%.1f%%)", busy);
	is_int((long long)procstat_cpu_percent(&s, &g[0], s.at_ms + 10), (long long)busy,
	    "a sample within 250 ms repeats the last figure");

	/* repeated scans agree (their cost is measured in bench/, not here:
	 * it grows with every process on the machine) */
	int same = 1;
	for (int i = 0; i < 20; i++) {
		long n0 = g[0].nprocs;
		if (procstat_scan(g, 3, NULL, 0, &cause) < 0 || g[0].nprocs != n0)
			same = 0;
	}
	ok(same, "20 more scans find the same %ld processes in the group", (long)g[0].nprocs);

	struct procstat_group m[2] = { { .pgid = pg }, { .pgid = 999999 } };
	pid_t keepers[2] = { getpid(), getpid() };
	ok(procstat_measure(m, keepers, 2, 1000, &cause) == 0, "measured from the keeper down");
	is_int(m[0].nprocs, g[0].nprocs, "the walk finds what the scan finds (%d)", m[0].nprocs);
	ok(m[0].rss_bytes >= (8 << 20), "and the grandchild's memory (%lld)", m[0].rss_bytes);
	is_int(m[1].nprocs, 0, "a group not under the keeper has no members");

	kill(-pg, SIGKILL);
	while (waitpid(pg, NULL, 0) < 0 && errno == EINTR)
		;
	deadline = clock_mono_ms() + 3000;
	do {
		procstat_scan(g, 1, NULL, 0, &cause);
	} while (g[0].nprocs > 0 && clock_mono_ms() < deadline && usleep(10000) == 0);
	is_int(g[0].nprocs, 0, "a killed group is gone");
	is_int((long long)procstat_cpu_percent(&s, &g[0], clock_mono_ms()), 0, "a gone group uses no CPU");
	free(cause);
}

/* The cumulative figure: live and reaped time summed, never falling within
 * a run, starting over for another. */
static void test_cpu_ms(void)
{
	long hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	struct procstat_sample s = { 0 };
	struct procstat_group g = { .pgid = 50, .nprocs = 2, .ticks = 3 * hz, .child_ticks = hz };
	is_int(procstat_cpu_ms(&s, &g, 1000), 4000, "live members' and reaped children's time");
	g.ticks = 2 * hz;
	g.child_ticks = 3 * hz;
	is_int(procstat_cpu_ms(&s, &g, 1000), 5000, "a child reaped by a member counts on");
	g.ticks = hz;
	is_int(procstat_cpu_ms(&s, &g, 1000), 5000, "one reaped outside the group does not make it fall");
	g.ticks = 7 * hz;
	is_int(procstat_cpu_ms(&s, &g, 1000), 10000, "and it rises again from there");
	g.ticks = hz / 2;
	g.child_ticks = 0;
	is_int(procstat_cpu_ms(&s, &g, 2000), 500, "a restart (a new start time) starts over");
	g.pgid = 51;
	g.ticks = hz / 10;
	is_int(procstat_cpu_ms(&s, &g, 2000), 100, "so does another group");
	g.nprocs = 0;
	is_int(procstat_cpu_ms(&s, &g, 2000), 0, "a gone group has none");
}

int main(void)
{
	test_scan();
	test_cpu_ms();
	return done_testing();
}
