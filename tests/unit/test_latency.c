/* The latency histogram: bucket bounds, percentiles within 1/8, and the
 * request counts a run reports (runstats.c). */
#include "latency.h"
#include "runstats.h"
#include "tap.h"

#include <stdlib.h>

int main(void)
{
	plan_no_plan();
	/* Buckets tile the times: each one's lowest follows the last's
	 * highest, and each is at most 1/8 of its lowest wide. */
	int tiled = 1, narrow = 1, found = 1;
	int64_t next = 0;
	for (int b = 0; b < LATENCY_BUCKETS - 1; b++) {
		int64_t lo, hi;
		latency_bounds(b, &lo, &hi);
		if (lo != next || hi < lo)
			tiled = 0;
		if (lo >= LATENCY_SUB && (hi - lo + 1) * LATENCY_SUB > lo)
			narrow = 0;
		if (latency_bucket(lo) != b || latency_bucket(hi) != b)
			found = 0;
		next = hi + 1;
	}
	ok(tiled, "buckets tile 0 .. the maximum");
	is_int((int)next, (int)LATENCY_MAX_MS, "the last regular bucket ends below the maximum");
	ok(narrow, "each bucket is within 1/8 of its times");
	ok(found, "each time falls in the bucket whose bounds hold it");
	is_int(latency_bucket(-5), 0, "negative times count as 0");
	is_int(latency_bucket(LATENCY_MAX_MS * 4), LATENCY_BUCKETS - 1, "longer times count at the top");

	struct latency h = { 0 };
	is_int((int)latency_quantile(&h, 0.5), 0, "empty: 0");
	for (int i = 1; i <= 1000; i++)
		latency_add(&h, i);
	int64_t p50 = latency_quantile(&h, 0.50), p95 = latency_quantile(&h, 0.95),
	    p99 = latency_quantile(&h, 0.99);
	ok(labs((long)(p50 - 500)) <= 500 / 8, "p50 of 1..1000 ms is %lld (500 within 1/8)", (long long)p50);
	ok(labs((long)(p95 - 950)) <= 950 / 8, "p95 is %lld (950)", (long long)p95);
	ok(labs((long)(p99 - 990)) <= 990 / 8, "p99 is %lld (990)", (long long)p99);
	ok(latency_quantile(&h, 1.0) == 1000, "p100 is the largest, not past it");
	ok(h.n == 1000 && h.sum_ms == 500500 && h.max_ms == 1000, "count, sum and max");

	/* a few slow answers among fast ones show at p99, not p50 */
	struct latency t = { 0 };
	for (int i = 0; i < 980; i++)
		latency_add(&t, 40 + i % 5);
	for (int i = 0; i < 20; i++)
		latency_add(&t, 30000);
	ok(latency_quantile(&t, 0.5) >= 40 && latency_quantile(&t, 0.5) <= 44, "tail: p50 fast");
	ok(latency_quantile(&t, 0.99) >= 30000 * 7 / 8, "tail: p99 slow (%lld)",
	    (long long)latency_quantile(&t, 0.99));
	ok(latency_quantile(&t, 0.0001) >= 40 && latency_quantile(&t, 0.0001) <= 43,
	    "the smallest rank is in the fastest bucket");

	/* runstats: classes, retries, tokens, cost */
	static const struct { long status; enum runstats_class c; } cls[] = {
		{ 200, RUNSTATS_2XX }, { 204, RUNSTATS_2XX }, { 404, RUNSTATS_4XX }, { 408, RUNSTATS_4XX },
		{ 429, RUNSTATS_429 }, { 500, RUNSTATS_5XX }, { 503, RUNSTATS_5XX }, { 0, RUNSTATS_OTHER },
		{ 302, RUNSTATS_OTHER }, { 101, RUNSTATS_OTHER }, { 600, RUNSTATS_OTHER },
	};
	for (size_t i = 0; i < sizeof cls / sizeof cls[0]; i++)
		is_int(runstats_class(cls[i].status), cls[i].c, "HTTP %ld's class", cls[i].status);

	static struct runstats s;
	struct progress p = { 0 };
	runstats_report(&s, &p);
	is_int((int)p.stat_have, 0, "no request yet: no stats");
	struct outcome o = { .kind = OUTCOME_DONE, .have_tokens = { 0, 1, 1 }, .tokens = { 0, 100, 20 } };
	runstats_note(&s, 200, 50, &o);
	o = (struct outcome){ .kind = OUTCOME_RETRY };
	runstats_note(&s, 429, 10, &o);
	runstats_note(&s, 0, 5000, &o);
	o = (struct outcome){ .kind = OUTCOME_FAIL };
	runstats_note(&s, 400, 30, &o);
	runstats_note(&s, 503, 20, NULL);
	runstats_add_cost(&s, 0.0012345);
	runstats_add_cost(&s, -1);
	runstats_report(&s, &p);
	ok(p.stat[PROGRESS_STAT_REQ_2XX] == 1 && p.stat[PROGRESS_STAT_REQ_429] == 1 &&
	    p.stat[PROGRESS_STAT_REQ_OTHER] == 1 && p.stat[PROGRESS_STAT_REQ_4XX] == 1 &&
	    p.stat[PROGRESS_STAT_REQ_5XX] == 1, "one answer of each class");
	is_int((int)p.stat[PROGRESS_STAT_RETRIES], 2, "two sent their item again");
	is_int((int)p.stat[PROGRESS_STAT_LAT_SUM_MS], 5110, "latency sum");
	is_int((int)p.stat[PROGRESS_STAT_LAT_P50_MS], 30, "p50 (exact in its 30..31 bucket's middle)");
	is_int((int)p.stat[PROGRESS_STAT_LAT_P99_MS], 5000, "p99 of five is the slowest");
	ok(p.stat[PROGRESS_STAT_TOKENS] == 120 && p.stat[PROGRESS_STAT_TOKENS_IN] == 100 &&
	    p.stat[PROGRESS_STAT_TOKENS_OUT] == 20, "tokens: input plus output when no total");
	is_int((int)p.stat[PROGRESS_STAT_COST_UUSD], 1235, "cost in millionths of a dollar, rounded");
	ok(p.stat_have & (1u << PROGRESS_STAT_COST_UUSD), "cost present once priced");
	return done_testing();
}
