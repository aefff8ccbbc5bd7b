/* The cluster limit on a real PostgreSQL (PSUP_TEST_STORE_URL, a
 * postgresql:// URL; skipped without one): a store that is not
 * PostgreSQL is refused, a server that cannot be reached is an error at
 * open, places come one interval apart, workers on one name together
 * keep the rate and never more, and a hold one writes reaches the
 * others. 34-worker-hosts runs it on its private server. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "clusterlimit.h"
#include "tap.h"

#define MS 1000000LL

/* Spends every place of the handles as it comes due for ms, at rpm;
 * returns the places used. */
static long long spend_all(struct clusterlimit **cl, int n, double rpm, int64_t ms)
{
	long long used = 0;
	int64_t end = clock_mono_ns() + ms * MS;
	while (clock_mono_ns() < end) {
		int64_t next = MS;
		for (int i = 0; i < n; i++) {
			int64_t hold, w = clusterlimit_due(cl[i], rpm, clock_mono_ns(), &hold);
			if (w > 0) {
				next = w < next ? w : next;
				continue;
			}
			clusterlimit_spend(cl[i]);
			used++;
			next = 0;
		}
		/* no spinning: it runs beside the hosts of 34-worker-hosts */
		struct timespec ts = { 0, (long)next };
		if (next > 0)
			nanosleep(&ts, NULL);
	}
	return used;
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
	int64_t hold, now = clock_mono_ns();
	is_int(clusterlimit_due(cl[0], 600, now, &hold), 0, "the first place is due at once");
	clusterlimit_spend(cl[0]);
	int64_t w = clusterlimit_due(cl[1], 600, clock_mono_ns(), &hold);
	ok(w > 80 * MS && w <= 100 * MS, "another worker's first place comes an interval later "
	    "(%lld ms)", (long long)(w / MS));

	/* 6000 rpm for 1.5 s, three workers spending all they are given
	 * (after 300 ms to take up the new rate). */
	spend_all(cl, 3, 6000, 300);
	long long used = spend_all(cl, 3, 6000, 1500);
	ok(used >= 135 && used <= 154, "three workers together keep 6000 rpm, never more: %lld "
	    "places in 1.5 s", used);

	/* A hold one writes, the others meet at their next grant. */
	clusterlimit_hold(cl[0], clock_mono_ns() + 800 * MS, clock_mono_ns());
	int64_t until = 0, give_up = clock_mono_ns() + 500 * MS;
	while (until == 0 && clock_mono_ns() < give_up) {
		w = clusterlimit_due(cl[2], 6000, clock_mono_ns(), &until);
		if (w == 0)
			clusterlimit_spend(cl[2]);
	}
	ok(until > clock_mono_ns() + 500 * MS && until < clock_mono_ns() + 900 * MS,
	    "a hold of 800 ms written by one reaches another (%lld ms left)",
	    (long long)((until - clock_mono_ns()) / MS));
	for (int i = 0; i < 3; i++)
		clusterlimit_close(cl[i]);
	return done_testing();
}
