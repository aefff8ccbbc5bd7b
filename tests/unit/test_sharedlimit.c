/* Shared limits across fork()ed processes: together they keep one rate; a
 * hold set by one stops all; a stale page is replaced; bad names refused. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "sharedlimit.h"
#include "tap.h"

#define MS 1000000LL

static void nap_ns(int64_t ns)
{
	struct timespec ts = { ns / 1000000000LL, ns % 1000000000LL };
	nanosleep(&ts, NULL);
}

/* Each child takes as fast as the limit lets it until `until`, then writes
 * its count to the pipe. */
static void child_run(const char *name, double rpm, int64_t until, int wfd)
{
	struct pacer p;
	char *cause = NULL;
	long long n = 0;
	double rates[LEARN_N] = { rpm };
	if (pacer_init(&p, rates, name, &cause) < 0)
		_exit(3);
	for (;;) {
		int64_t now = clock_mono_ns();
		if (now >= until)
			break;
		double cost[LEARN_N] = { 1 };
		int64_t w = pacer_take(&p, now, cost);
		if (w == 0) {
			n++;
			continue;
		}
		nap_ns(w < 2 * MS ? w : 2 * MS);
	}
	pacer_close(&p);
	if (write(wfd, &n, sizeof n) != sizeof n)
		_exit(4);
	_exit(0);
}

/* Runs `procs` children for `ms`; returns the summed count. Each child
 * uses name, or name-i when split. */
static long long run_children(const char *name, int procs, double rpm, int64_t ms, int split)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	int64_t until = clock_mono_ns() + ms * MS;
	for (int i = 0; i < procs; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char nm[64];
			snprintf(nm, sizeof nm, "%s-%d", name, split ? i : 0);
			close(fds[0]);
			child_run(nm, rpm, until, fds[1]);
		}
	}
	close(fds[1]);
	long long total = 0, n;
	int got = 0;
	while (read(fds[0], &n, sizeof n) == sizeof n) {
		total += n;
		got++;
	}
	close(fds[0]);
	int bad = 0;
	for (int i = 0; i < procs; i++) {
		int st;
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	return bad || got != procs ? -1 : total;
}

int main(void)
{
	char home[] = "/tmp/psup-test-sl-XXXXXX";
	if (!mkdtemp(home))
		return 1;
	setenv("PSUP_HOME", home, 1);

	/* 6000 rpm = 100/s with a burst of 5: five processes over 1.5 s may take
	 * 150 + 5 together, not five times that. */
	long long total = run_children("api", 5, 6000, 1500, 0);
	ok(total >= 100 && total <= 156, "5 processes sharing 100/s took %lld in 1.5 s", total);

	/* The same with separate names: each gets the full rate. */
	total = run_children("own", 5, 6000, 1000, 1);
	ok(total >= 200, "5 processes with their own limits took %lld in 1 s (more than one budget)", total);

	/* A hold set through one pacer stops takes through another. */
	struct pacer a, b;
	char *cause = NULL;
	static const double none[LEARN_N] = { 0 };
	double one[LEARN_N] = { 1 };
	ok(pacer_init(&a, none, "hold", &cause) == 0, "open hold (1)");
	ok(pacer_init(&b, none, "hold", &cause) == 0, "open hold (2)");
	int64_t now = clock_mono_ns();
	is_int(pacer_take(&b, now, one), 0, "no hold: goes");
	pacer_hold(&a, now + 300 * MS);
	pacer_hold(&a, now + 100 * MS);
	is_int(pacer_take(&b, now, one), 300 * MS, "held: waits for the later hold");
	is_int(pacer_hold_until(&b), now + 300 * MS, "hold_until is shared");
	is_int(pacer_take(&b, now + 300 * MS, one), 0, "goes after the hold");

	/* What one worker learns of the API paces every worker on the name. */
	struct learn_obs obs[LEARN_N] = {
		{ .ok = 1, .sent_at = now, .limit = 600, .remaining = 599, .reset_ns = -1 },
		{ .ok = 1, .sent_at = now, .remaining = -1, .reset_ns = -1 },
		{ .ok = 1, .sent_at = now, .remaining = -1, .reset_ns = -1 },
		{ .ok = 1, .sent_at = now, .remaining = -1, .reset_ns = -1 },
	};
	pacer_learn(&a, obs, now);
	struct pacer_view v;
	pacer_view(&b, now, &v);
	ok(v.api_rpm == 600 && (int)v.rpm == 588, "learned through one, paced by the other (%.0f of %.0f)",
	    v.rpm, v.api_rpm);
	pacer_close(&a);
	pacer_close(&b);
	struct gcra unlimited[LEARN_N];
	for (int i = 0; i < LEARN_N; i++)
		gcra_init(&unlimited[i], 0, 1);

	/* A page from another boot (or garbage) is replaced, not trusted. */
	char *path = NULL;
	{
		struct sharedlimit *s = NULL;
		sharedlimit_open("stale", &s, NULL);
		path = strdup(sharedlimit_path(s));
		sharedlimit_close(s);
		int fd = open(path, O_WRONLY);
		/* Overwrite the boot id with something else. */
		ok(fd >= 0 && pwrite(fd, "not-this-boot", 13, 8) == 13, "spoil the boot id");
		close(fd);
		ok(sharedlimit_open("stale", &s, &cause) == 0, "reopen a stale page");
		struct limit_state *ls = sharedlimit_lock(s);
		is_int(pace_take(&ls->pace, unlimited, clock_mono_ns(), one), 0, "and use it");
		sharedlimit_unlock(s);
		sharedlimit_close(s);
		fd = open(path, O_WRONLY | O_TRUNC);
		ok(fd >= 0 && write(fd, "junk", 4) == 4, "truncate the page to junk");
		close(fd);
		ok(sharedlimit_open("stale", &s, &cause) == 0, "reopen a junk page");
		sharedlimit_close(s);
		struct stat st;
		ok(stat(path, &st) == 0 && st.st_size > 100 && (st.st_mode & 0777) == 0600,
		    "the page is whole again, mode 0600");
	}

	static const char *const bad[] = { "", ".hidden", "a/b", "../x", "sp ace" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sharedlimit *s = NULL;
		cause = NULL;
		int rc = sharedlimit_open(bad[i], &s, &cause);
		ok(rc == -1 && cause, "name \"%s\" refused: %s", bad[i], cause ? cause : "(none)");
		free(cause);
	}

	/* Clean up the test home. */
	unlink(path);
	free(path);
	const char *names[] = { "api-0", "own-0", "own-1", "own-2", "own-3", "own-4", "hold" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char p[512];
		snprintf(p, sizeof p, "%s/limits/%s", home, names[i]);
		unlink(p);
	}
	char p[512];
	snprintf(p, sizeof p, "%s/limits", home);
	rmdir(p);
	rmdir(home);
	return done_testing();
}
