/* The test API's pure parts: the per-minute token bucket (continuous refill,
 * debt, waits) and the time formats the provider emulations send (Go
 * durations, RFC 3339). */
#include <stdint.h>

#include "server/testapi_bucket.h"
#include "tap.h"

#define MS 1000000LL
#define S 1000000000LL

static void test_bucket(void)
{
	struct bucket b;

	/* 600 per minute: 10 a second, one every 100 ms. */
	bucket_init(&b, 600, 5 * S);
	is_int(bucket_remaining(&b), 600, "starts full");
	is_int(bucket_full_in(&b), 0, "a full bucket is full now");
	ok(bucket_take(&b, 600, 5 * S), "the whole capacity can be taken at once");
	ok(!bucket_take(&b, 1, 5 * S), "then nothing is left");
	is_int(bucket_wait(&b, 1), 100 * MS, "one unit comes back in 100 ms");
	is_int(bucket_full_in(&b), 60 * S, "full again in a minute");
	ok(!bucket_take(&b, 1, 5 * S + 99 * MS), "not at 99 ms");
	ok(bucket_take(&b, 1, 5 * S + 100 * MS), "at 100 ms");
	is_int(bucket_remaining(&b), 0, "and it is spent");
	bucket_refill(&b, 5 * S + 100 * MS + 10 * S);
	is_int(bucket_remaining(&b), 100, "10 s later: 100 more");
	bucket_refill(&b, 5 * S);
	is_int(bucket_remaining(&b), 100, "a clock going back changes nothing");
	bucket_refill(&b, 3600 * S);
	is_int(bucket_remaining(&b), 600, "never above the capacity");
	ok(!bucket_take(&b, 601, 3600 * S), "more than the capacity never passes");
	is_int(bucket_remaining(&b), 600, "a refused take takes nothing");
	is_int(bucket_wait(&b, 601), 0, "a wait for more than the capacity is the wait for full");

	/* A limit enforced over a second: 600 a minute, 10 at most at once. */
	bucket_init_window(&b, 600, 1, 0);
	is_int(bucket_remaining(&b), 10, "a one-second window holds 10 of 600/min");
	ok(bucket_take(&b, 10, 0) && !bucket_take(&b, 1, 0), "10 pass at once, the 11th not");
	is_int(bucket_wait(&b, 1), 100 * MS, "still one every 100 ms");
	is_int(bucket_full_in(&b), 1 * S, "full again in a second");

	/* Output tokens charged after the answer can overdraw: the debt is
	 * repaid by the refill before anything passes again. */
	bucket_init(&b, 60, 0);
	bucket_charge(&b, 90, 0);
	is_int(bucket_remaining(&b), 0, "overdrawn reads as 0");
	is_int(bucket_wait(&b, 1), 31 * S, "31 s until one token: 30 of debt, then 1");
	is_int(bucket_full_in(&b), 90 * S, "90 s until full");
	ok(!bucket_take(&b, 1, 30 * S), "still in debt at 30 s");
	ok(bucket_take(&b, 1, 31 * S), "one token at 31 s");

	/* Fractional refill is kept, not rounded away per call. */
	bucket_init(&b, 7, 0);
	ok(bucket_take(&b, 7, 0), "7 per minute: all taken");
	for (int i = 1; i <= 6; i++)
		bucket_refill(&b, i * 1428 * MS);
	is_int(bucket_remaining(&b), 0, "8.568 s in small steps: not a whole token yet");
	bucket_refill(&b, 8572 * MS);
	is_int(bucket_remaining(&b), 1, "8.572 s: one token (60/7 s)");

	is_int(bucket_tokens_of(0), 0, "tokens of 0 bytes");
	is_int(bucket_tokens_of(1), 1, "tokens of 1 byte");
	is_int(bucket_tokens_of(8), 2, "tokens of 8 bytes");
	is_int(bucket_tokens_of(9), 3, "tokens of 9 bytes");
}

static void test_go_duration(void)
{
	static const struct { int64_t ns; const char *want; } cases[] = {
		{ 0, "0s" },
		{ 1, "1ns" },
		{ 850, "850ns" },
		{ 1500, "1.5µs" },
		{ 12 * MS, "12ms" },
		{ 12 * MS + 345678, "12.345678ms" },
		{ 999 * MS, "999ms" },
		{ S, "1s" },
		{ 8640 * MS, "8.64s" },
		{ 20 * S, "20s" },
		{ 38900 * MS, "38.9s" },
		{ 47 * S + 434392449, "47.434392449s" },
		{ 60 * S, "1m0s" },
		{ 90 * S + 500 * MS, "1m30.5s" },
		{ 360 * S, "6m0s" },
		{ 3600 * S, "1h0m0s" },
		{ 411480 * S, "114h18m0s" },
		{ -1500 * MS, "-1.5s" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(bucket_fmt_duration(cases[i].ns, buf, sizeof(buf)), cases[i].want,
		    "Go duration of %lld ns", (long long)cases[i].ns);
	bucket_fmt_duration(90 * S + 500 * MS, buf, 4);
	is_str(buf, "1m3", "a short buffer is cut, still terminated");
}

static void test_rfc3339(void)
{
	char buf[64];

	is_str(bucket_fmt_rfc3339(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z", "the epoch");
	is_str(bucket_fmt_rfc3339(1796544030000LL, buf, sizeof(buf)), "2026-12-06T08:00:30Z",
	    "a whole second");
	is_str(bucket_fmt_rfc3339(1796544030001LL, buf, sizeof(buf)), "2026-12-06T08:00:31Z",
	    "a part of a second rounds up: the bucket is not full before");
	is_str(bucket_fmt_rfc3339(1735689599500LL, buf, sizeof(buf)), "2025-01-01T00:00:00Z",
	    "rounding up crosses the year");
}

int main(void)
{
	test_bucket();
	test_go_duration();
	test_rfc3339();
	return done_testing();
}
