/* The cluster limit on a real PostgreSQL (PSUP_TEST_STORE_URL, a
 * postgresql:// URL; skipped without one): a store that is not
 * PostgreSQL is refused, a server that cannot be reached is an error at
 * open, places come one interval apart, workers on one name together
 * keep the rate and never more, a hold one writes reaches the others,
 * and a steady worker is never told to wait for the database (the next
 * slice is booked ahead). 34-worker-hosts runs it on its private server.
 *
 * Given a TCP proxy to the same server (PSUP_TEST_PROXY_URL through it,
 * PSUP_TEST_PROXY_PID to pause it with SIGSTOP and cut it with SIGUSR1,
 * as helpers/tcpproxy does; 35-worker-cluster-cut), also: no call waits
 * while the server does not answer or cannot be reached, nothing beyond
 * the places booked is sent meanwhile, places come again once it is
 * back, and close does not wait for a statement that never ends. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "clock.h"
#include "clusterlimit.h"
#include "tap.h"

#define MS 1000000LL

static void nap(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };
	if (ns > 0)
		nanosleep(&ts, NULL);
}

/* What a run of spend_all saw. */
struct run_seen {
	long long used;          /* places spent */
	int64_t slowest;         /* the longest clusterlimit_due call */
	int long_waits;          /* answers over 1.5 intervals (a place's
	                          * time maps to ours within a round trip) */
};

/* Spends every place of the handles as it comes due for ms, at rpm;
 * returns the places used. */
static long long spend_all(struct clusterlimit **cl, int n, double rpm, int64_t ms,
    struct run_seen *seen)
{
	struct run_seen local = { 0 };
	if (!seen)
		seen = &local;
	memset(seen, 0, sizeof *seen);
	int64_t interval = (int64_t)(60e9 / rpm);
	int64_t end = clock_mono_ns() + ms * MS;
	while (clock_mono_ns() < end) {
		int64_t next = MS;
		for (int i = 0; i < n; i++) {
			int64_t hold, t0 = clock_mono_ns();
			int64_t w = clusterlimit_due(cl[i], rpm, t0, &hold);
			int64_t took = clock_mono_ns() - t0;
			if (took > seen->slowest)
				seen->slowest = took;
			if (w > interval * 3 / 2)
				seen->long_waits++;
			if (w > 0) {
				next = w < next ? w : next;
				continue;
			}
			clusterlimit_spend(cl[i]);
			seen->used++;
			next = 0;
		}
		/* no spinning: it runs beside the hosts of 34-worker-hosts */
		nap(next);
	}
	return seen->used;
}

/* The short wait clusterlimit_due answers while nothing is booked. */
#define POLL_WAIT (20 * MS)

/* The wait clusterlimit_due answers once a place is booked (the first
 * call asks the thread for a slice), or -1 after 2 s. */
static int64_t booked_wait(struct clusterlimit *cl, double rpm, int64_t *hold)
{
	int64_t give_up = clock_mono_ns() + 2000 * MS;
	while (clock_mono_ns() < give_up) {
		int64_t w = clusterlimit_due(cl, rpm, clock_mono_ns(), hold);
		if (w != POLL_WAIT)
			return w;
		nap(MS);
	}
	return -1;
}

/* Whether places come again within ms at rpm. */
static int places_again(struct clusterlimit *cl, double rpm, int64_t ms)
{
	struct run_seen seen;
	int64_t give_up = clock_mono_ns() + ms * MS;
	while (clock_mono_ns() < give_up)
		if (spend_all(&cl, 1, rpm, 100, &seen) > 0)
			return 1;
	return 0;
}

/* A call that waited for the server would take the whole pause (1.5 s);
 * a loaded machine may hold a call that does not wait for a while. */
#define SLOW_CALL (250 * MS)

/* Through the proxy: paused, then cut. */
static void through_proxy(const char *via, pid_t proxy, const char *name)
{
	struct clusterlimit *cl = NULL;
	char *cause = NULL;
	if (clusterlimit_open(via, name, &cl, &cause) < 0) {
		ok(0, "open through the proxy: %s", cause);
		free(cause);
		return;
	}
	struct run_seen seen;
	spend_all(&cl, 1, 6000, 300, NULL);

	/* Paused: statements hang (the kernel takes the bytes, nothing
	 * answers), the worst case for a caller that would wait. */
	kill(proxy, SIGSTOP);
	spend_all(&cl, 1, 6000, 1500, &seen);
	ok(seen.slowest < SLOW_CALL, "while the server does not answer no call waits (slowest %.2f ms)",
	    (double)seen.slowest / 1e6);
	ok(seen.used <= 21, "and nothing beyond the places booked is sent: %lld in 1.5 s",
	    seen.used);
	kill(proxy, SIGCONT);
	ok(places_again(cl, 6000, 3000), "places come again once it answers");

	/* Cut: connections closed, new ones refused. */
	kill(proxy, SIGUSR1);
	spend_all(&cl, 1, 6000, 1500, &seen);
	ok(seen.slowest < SLOW_CALL, "while it cannot be reached no call waits (slowest %.2f ms)",
	    (double)seen.slowest / 1e6);
	ok(seen.used <= 21, "and nothing beyond the places booked is sent: %lld", seen.used);
	kill(proxy, SIGUSR2);
	ok(places_again(cl, 6000, 5000), "places come again once it can be reached");

	/* Paused with a booking under way: close does not wait for it. */
	kill(proxy, SIGSTOP);
	spend_all(&cl, 1, 6000, 500, NULL);
	int64_t t0 = clock_mono_ns();
	clusterlimit_close(cl);
	int64_t took = clock_mono_ns() - t0;
	ok(took < 1500 * MS, "close leaves a statement that never ends (%lld ms)",
	    (long long)(took / MS));
	kill(proxy, SIGCONT);
}

int main(void)
{
	const char *url = getenv("PSUP_TEST_STORE_URL");
	if (!url || strncmp(url, "postgres", 8) != 0) {
		printf("1..0 # SKIP no PostgreSQL (set PSUP_TEST_STORE_URL to a postgresql:// URL)\n");
		return 0;
	}
	struct clusterlimit *cl[3] = { NULL };
	char *cause = NULL;
	int r = clusterlimit_open("job.db", "t", &cl[0], &cause);
	ok(r < 0 && cause && strstr(cause, "needs a PostgreSQL job store"),
	    "a SQLite store is refused: %s", cause ? cause : "(no cause)");
	free(cause);
	cause = NULL;
	r = clusterlimit_open("postgresql://nobody@127.0.0.1:1/none", "t", &cl[0], &cause);
	ok(r < 0 && cause && strstr(cause, "cannot connect"), "a server that is not there: %s",
	    cause ? cause : "(no cause)");
	free(cause);
	cause = NULL;

	char name[64];
	snprintf(name, sizeof name, "test-%lld", (long long)clock_mono_ns());
	int opened = 0;
	for (int i = 0; i < 3; i++) {
		if (clusterlimit_open(url, name, &cl[i], &cause) < 0) {
			diag("%s", cause);
			free(cause);
			cause = NULL;
		} else {
			opened++;
		}
	}
	is_int(opened, 3, "three handles on one name");
	if (opened < 3)
		return done_testing();

	/* 600 rpm: a place every 100 ms. */
	int64_t hold, t0 = clock_mono_ns();
	int64_t w = clusterlimit_due(cl[0], 600, t0, &hold);
	int64_t took = clock_mono_ns() - t0;
	ok(w == POLL_WAIT && took < SLOW_CALL, "with nothing booked: a short wait (%lld ms), "
	    "answered at once (%.2f ms)", (long long)(w / MS), (double)took / 1e6);
	is_int(booked_wait(cl[0], 600, &hold), 0, "the first place is due once booked");
	clusterlimit_spend(cl[0]);
	w = booked_wait(cl[1], 600, &hold);
	/* The first worker books its next slice (one place) ahead, at once:
	 * the other's comes after one or both of them. */
	ok(w > 60 * MS && w <= 200 * MS, "another worker's first place comes one or two intervals "
	    "later (%lld ms)", (long long)(w / MS));

	/* 6000 rpm for 1.5 s, three workers spending all they are given
	 * (after 300 ms to take up the new rate). */
	spend_all(cl, 3, 6000, 300, NULL);
	long long used = spend_all(cl, 3, 6000, 1500, NULL);
	ok(used >= 135 && used <= 154, "three workers together keep 6000 rpm, never more: %lld "
	    "places in 1.5 s", used);

	/* One worker alone, on a name of its own, at 6000 rpm: its slices
	 * of 10 places follow one another, each booked while the last is
	 * half left, so it is never told to wait much longer than a place's
	 * interval (a late answer or two of a loaded machine allowed, against
	 * one per slice otherwise). A machine busy enough to delay several
	 * answers in one run is not the design failing, which would show in
	 * every run: the best of three runs counts. */
	struct clusterlimit *alone = NULL;
	char own[80];
	snprintf(own, sizeof own, "%s-alone", name);
	if (clusterlimit_open(url, own, &alone, &cause) < 0) {
		ok(0, "a handle of its own: %s", cause);
		free(cause);
		cause = NULL;
	} else {
		struct run_seen seen;
		spend_all(&alone, 1, 6000, 300, NULL);
		for (int run = 1; run <= 3; run++) {
			spend_all(&alone, 1, 6000, 1500, &seen);
			if (seen.long_waits <= 2 && seen.used >= 140)
				break;
			diag("run %d: %d waits over 15 ms in %lld places", run, seen.long_waits,
			    seen.used);
		}
		ok(seen.long_waits <= 2 && seen.used >= 140, "a steady worker never waits for the "
		    "database: %d waits over 15 ms in %lld places", seen.long_waits, seen.used);
		clusterlimit_close(alone);
	}

	/* A hold one writes, the others meet at their next grant. */
	clusterlimit_hold(cl[0], clock_mono_ns() + 800 * MS, clock_mono_ns());
	int64_t until = 0, give_up = clock_mono_ns() + 500 * MS;
	while (until == 0 && clock_mono_ns() < give_up) {
		w = clusterlimit_due(cl[2], 6000, clock_mono_ns(), &until);
		if (w == 0)
			clusterlimit_spend(cl[2]);
		else
			nap(w < MS ? w : MS);
	}
	ok(until > clock_mono_ns() + 500 * MS && until < clock_mono_ns() + 900 * MS,
	    "a hold of 800 ms written by one reaches another (%lld ms left)",
	    (long long)((until - clock_mono_ns()) / MS));
	for (int i = 0; i < 3; i++)
		clusterlimit_close(cl[i]);

	const char *via = getenv("PSUP_TEST_PROXY_URL");
	const char *pid = getenv("PSUP_TEST_PROXY_PID");
	long proxy = pid ? strtol(pid, NULL, 10) : 0;
	if (via && proxy > 1) {
		snprintf(name, sizeof name, "test-proxy-%lld", (long long)clock_mono_ns());
		through_proxy(via, (pid_t)proxy, name);
	} else {
		diag("no proxy (PSUP_TEST_PROXY_URL, PSUP_TEST_PROXY_PID): pause and cut not tried");
	}
	return done_testing();
}
