/* GCRA with time passed in: spacing, burst, costs above the burst, idle
 * refill, adjustments, and the long-run rate. */
#include <stdint.h>

#include "gcra.h"
#include "tap.h"

#define MS 1000000LL
#define S 1000000000LL

int main(void)
{
	struct gcra g;
	int64_t tat = 0;

	/* 600 rpm = one per 100 ms; burst 1: strictly spaced. */
	gcra_init(&g, 600, 1);
	static const struct { int64_t now; int64_t want_wait; } steps[] = {
		{ 0, 0 },            /* first goes at once */
		{ 0, 100 * MS },     /* second waits a full interval */
		{ 50 * MS, 50 * MS },
		{ 100 * MS, 0 },
		{ 150 * MS, 50 * MS },
		{ 500 * MS, 0 },     /* idle time is not banked beyond the burst */
		{ 500 * MS, 100 * MS },
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		is_int(gcra_take(&g, &tat, steps[i].now, 1), steps[i].want_wait,
		    "burst 1: take at %lld ms", (long long)(steps[i].now / MS));

	/* Burst 3: three back to back, then spaced. */
	gcra_init(&g, 600, 3);
	tat = 0;
	int64_t now = 10 * S;
	is_int(gcra_take(&g, &tat, now, 1), 0, "burst 3: 1st");
	is_int(gcra_take(&g, &tat, now, 1), 0, "burst 3: 2nd");
	is_int(gcra_take(&g, &tat, now, 1), 0, "burst 3: 3rd");
	is_int(gcra_take(&g, &tat, now, 1), 100 * MS, "burst 3: 4th waits one interval");
	is_int(gcra_wait(&g, tat, now + 100 * MS, 1), 0, "burst 3: then goes");

	/* Cost: tpm 60000 = 1000 tokens/s, burst 500 tokens. */
	gcra_init(&g, 60000, 500);
	tat = 0;
	now = 100 * S;
	is_int(gcra_take(&g, &tat, now, 300), 0, "300 tokens fit");
	is_int(gcra_take(&g, &tat, now, 300), 100 * MS, "the next 300 wait 100 ms");
	is_int(gcra_take(&g, &tat, now + 100 * MS, 300), 0, "and then go");
	/* A request above the burst goes when the bucket is empty, then is paid back. */
	tat = 0;
	is_int(gcra_take(&g, &tat, now, 2000), 0, "2000 tokens go on an idle limiter");
	is_int(gcra_take(&g, &tat, now, 1), 1500 * MS + 1 * MS, "then 2 s of debt minus the burst");
	is_int(gcra_take(&g, &tat, now + 1 * S, 2000), 1 * S, "a second big one waits the debt out");

	/* Adjust: a request estimated at 100 tokens used 600. */
	tat = 0;
	gcra_take(&g, &tat, now, 100);
	gcra_adjust(&g, &tat, now, 500);
	is_int(tat - now, 600 * MS, "adjust +500 moves the TAT");
	gcra_adjust(&g, &tat, now, -10000);
	is_int(tat, now, "a big refund stops at now");

	/* Unlimited. */
	gcra_init(&g, 0, 1);
	tat = 0;
	for (int i = 0; i < 5; i++)
		is_int(gcra_take(&g, &tat, 0, 1000), 0, "unlimited %d", i);

	/* Long run: polling every 1 ms for 60 s at 3500 rpm lets through
	 * 3500 + burst requests. */
	gcra_init(&g, 3500, 2);
	tat = 0;
	int n = 0;
	for (int64_t t = 0; t < 60 * S; t += MS)
		while (gcra_take(&g, &tat, t, 1) == 0)
			n++;
	ok(n >= 3500 && n <= 3502, "3500 rpm over 60 s: %d requests", n);

	/* Late wake-ups lose nothing while within the burst: waking 5 ms late
	 * each time still keeps 10/s with burst 2. */
	gcra_init(&g, 600, 2);
	tat = 0;
	n = 0;
	int64_t t = 0;
	while (t < 10 * S) {
		int64_t w = gcra_take(&g, &tat, t, 1);
		if (w == 0) {
			n++;
			continue;
		}
		t += w + 5 * MS;
	}
	ok(n >= 100 && n <= 102, "late timers keep the rate: %d in 10 s", n);
	return done_testing();
}
