/* Per-endpoint counters: classes, the latency histogram's percentiles,
 * merging, and the files every worker writes and status reads merged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "epstats.h"
#include "tap.h"

static void test_count(void)
{
	struct epstats s = { 0 };
	epstats_add(&s, 200, 10, 5);
	epstats_add(&s, 200, 12, 5);
	epstats_add(&s, 429, 3, 0);
	epstats_add(&s, 503, 100, 0);
	epstats_add(&s, 401, 4, 0);
	epstats_add(&s, 0, 30000, 0);
	ok(s.requests == 6 && s.ok == 2 && s.limited == 1 && s.server == 1 && s.other == 1 &&
	    s.failed == 1 && s.tokens == 10, "classes: 2xx, 429, 5xx, other, no answer");

	struct epstats u = { 0 };
	for (int i = 1; i <= 100; i++)
		epstats_add(&u, 200, i * 10, 0);
	long long p50 = latency_quantile(&u.lat, 0.5), p95 = latency_quantile(&u.lat, 0.95);
	ok(p50 >= 500 * 7 / 8 && p50 <= 500 * 9 / 8, "p50 of 10..1000 ms within 1/8 of 500 (%lld)",
	    p50);
	ok(p95 >= 950 * 7 / 8 && p95 <= 950 * 9 / 8, "p95 within 1/8 of 950 (%lld)", p95);
	is_int((int)u.lat.sum_ms, 50500, "the latencies' sum");
	is_int((int)s.lat.n, 5, "an unanswered request has no latency");

	struct epstats a = { .requests = 3, .ok = 3, .rpm = 100, .at_ms = 5 };
	struct epstats b = { .requests = 2, .limited = 2, .rpm = 80, .at_ms = 9 };
	for (int i = 0; i < 3; i++)
		latency_add(&a.lat, 20);
	latency_add(&b.lat, 20);
	latency_add(&b.lat, 900);
	epstats_merge(&a, &b);
	ok(a.requests == 5 && a.ok == 3 && a.limited == 2 && a.lat.n == 5 &&
	    a.lat.sum_ms == 980 && a.lat.max_ms == 900 && a.rpm == 80,
	    "merge sums counts and latencies and keeps the later report's rate");
}

static void test_files(void)
{
	char dir[] = "/tmp/psup-epstats-XXXXXX";
	if (!mkdtemp(dir)) {
		skip(2, "no temporary folder");
		return;
	}
	setenv("PSUP_HOME", dir, 1);
	struct epstats w1[2] = { { .name = "b", .requests = 4, .ok = 4 },
		{ .name = "a", .requests = 1, .server = 1 } };
	struct epstats w2[1] = { { .name = "b", .requests = 6, .ok = 5, .limited = 1 } };
	for (int i = 1; i <= 4; i++)
		latency_add(&w1[0].lat, 100 * i);
	latency_add(&w2[0].lat, 3000);
	char *cause = NULL;
	ok(epstats_write("job:abc", "host:1:w1", w1, 2, &cause) == 0 &&
	    epstats_write("job:abc", "host:2:w2", w2, 1, &cause) == 0 &&
	    epstats_write("job:other", "host:1:w1", w2, 1, &cause) == 0,
	    "two workers write: %s", cause ? cause : "");
	struct epstats *v = NULL;
	int n = 0;
	ok(epstats_read("job:abc", &v, &n, &cause) == 0 && n == 2 &&
	    strcmp(v[0].name, "a") == 0 && v[0].server == 1 && strcmp(v[1].name, "b") == 0 &&
	    v[1].requests == 10 && v[1].limited == 1,
	    "status reads them merged by name, in name order, this job's only");
	ok(n == 2 && v[1].lat.n == 5 && v[1].lat.sum_ms == 4000 && v[1].lat.max_ms == 3000 &&
	    latency_quantile(&v[1].lat, 1.0) == 3000 && latency_quantile(&v[1].lat, 0.2) >= 88 &&
	    latency_quantile(&v[1].lat, 0.2) <= 112,
	    "and their latency histograms: count, sum, maximum, quantiles");
	free(v);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
}

int main(void)
{
	plan_no_plan();
	test_count();
	test_files();
	return done_testing();
}
