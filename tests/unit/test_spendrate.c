/* A spend's rate from readings of its total: none before two readings,
 * the average since the first while young (500 ms), then each interval
 * weighed in by its length; a fall counts as no spend and moves the
 * baseline; a reading older than the last is ignored; what the spend adds
 * from the last reading to now plus a horizon. Each figure worked out by
 * hand. */
#include <math.h>
#include <stdint.h>

#include "spendrate.h"
#include "tap.h"

#define MS 1000000LL

struct reading {
	int64_t at_ms;
	double total;
};

static const struct scenario {
	const char *name;
	struct reading r[4];         /* at_ms 0 ends the list */
	int64_t now_ms, horizon_ms;
	double ahead, per_s;
} cases[] = {
	{ "no reading: nothing ahead", { { 0, 0 } }, 2000, 100, 0, 0 },
	{ "one reading: no rate yet", { { 1000, 5 } }, 2000, 100, 0, 0 },
	/* 2 in 0.2 s: 10/s, over 0.1 s since and 0.1 s of horizon */
	{ "young: the average since the first", { { 1000, 10 }, { 1200, 12 } }, 1300, 100, 2.0, 10 },
	/* 4 in 0.4 s, however it came */
	{ "young: bursts averaged", { { 1000, 0 }, { 1100, 1 }, { 1400, 4 } }, 1500, 50, 1.5, 10 },
	{ "at the reading with no horizon: nothing", { { 1000, 0 }, { 1400, 4 } }, 1400, 0, 0, 10 },
	/* young 10/s; then 0.1 s of nothing weighs 0.1/0.5: 10 - 0.2 * 10 */
	{ "mature: a short quiet interval weighs by its length",
	    { { 1000, 0 }, { 1500, 5 }, { 1600, 5 } }, 1600, 1000, 8, 8 },
	/* an interval of a whole window or more is the rate: 20 in 1 s */
	{ "mature: a long interval sets the rate", { { 1000, 0 }, { 1500, 5 }, { 2500, 25 } }, 2500,
	    100, 2, 20 },
	/* 4 in 0.2 s, then a fall of 2: the baseline moves to 8, 4 in 0.3 s */
	{ "a fall is no spend", { { 1000, 10 }, { 1200, 14 }, { 1300, 12 } }, 1300, 300, 4, 40.0 / 3 },
	{ "a reading older than the last is ignored", { { 1000, 0 }, { 1200, 2 }, { 1100, 5 } }, 1200,
	    100, 1, 10 },
	{ "no spend: nothing ahead", { { 1000, 3 }, { 1300, 3 }, { 2000, 3 } }, 3000, 100, 0, 0 },
};

int main(void)
{
	int n = (int)(sizeof cases / sizeof cases[0]);
	plan_no_plan();
	for (int i = 0; i < n; i++) {
		const struct scenario *c = &cases[i];
		struct spendrate s = { 0 };
		for (int j = 0; j < 4 && c->r[j].at_ms; j++)
			spendrate_reading(&s, c->r[j].total, c->r[j].at_ms * MS);
		double got = spendrate_ahead(&s, c->now_ms * MS, c->horizon_ms * MS);
		ok(fabs(got - c->ahead) < 1e-9, "%s: %g ahead (want %g)", c->name, got, c->ahead);
		ok(fabs(s.per_s - c->per_s) < 1e-9, "%s: %g per second (want %g)", c->name, s.per_s,
		    c->per_s);
	}
	return done_testing();
}
