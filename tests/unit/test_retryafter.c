/* Retry-After in its forms, Go durations, RFC 3339, and the hold decision. */
#include <stdint.h>

#include "retryafter.h"
#include "tap.h"

/* 1994-11-06T08:49:37Z */
#define T0 784111777000LL

int main(void)
{
	static const struct { const char *v; int64_t now; int rc; int64_t want; } ra[] = {
		{ "120", T0, 0, 120000 },
		{ " 0 ", T0, 0, 0 },
		{ "1.5", T0, 0, 1500 },
		{ "1.2341", T0, 0, 1235 },                          /* rounded up */
		{ "Sun, 06 Nov 1994 08:49:37 GMT", T0, 0, 0 },
		{ "Sun, 06 Nov 1994 08:49:47 GMT", T0, 0, 10000 },
		{ "Sun, 06 Nov 1994 08:49:27 GMT", T0, 0, 0 },        /* past: clamped */
		{ "Sunday, 06-Nov-94 08:50:37 GMT", T0, 0, 60000 },    /* RFC 850 */
		{ "Sun Nov  6 08:49:40 1994", T0, 0, 3000 },           /* asctime */
		{ "-5", T0, -1, 0 },
		{ "soon", T0, -1, 0 },
		{ "12abc", T0, -1, 0 },
		{ "Sun, 06 Foo 1994 08:49:37 GMT", T0, -1, 0 },
		{ "Sun, 06 Nov 1994 25:49:37 GMT", T0, -1, 0 },
		{ "Sun, 06 Nov 1994 08:49:37 PST", T0, -1, 0 },
		{ "", T0, -1, 0 },
		{ "Mon, 0", T0, -1, 0 },                               /* found by fuzzing */
		{ "Mon,", T0, -1, 0 },
	};
	for (size_t i = 0; i < sizeof ra / sizeof ra[0]; i++) {
		int64_t d = -1;
		int rc = retryafter_parse(ra[i].v, ra[i].now, &d);
		is_int(rc, ra[i].rc, "Retry-After \"%s\" rc", ra[i].v);
		if (rc == 0)
			is_int(d, ra[i].want, "Retry-After \"%s\" delay", ra[i].v);
	}

	static const struct { const char *v; int rc; int64_t want; } go[] = {
		{ "12ms", 0, 12 }, { "1s", 0, 1000 }, { "6m0s", 0, 360000 }, { "0s", 0, 0 },
		{ "0", 0, 0 }, { "1h2m3.5s", 0, 3723500 }, { "20.5ms", 0, 21 }, { "500us", 0, 1 },
		{ "1500\xc2\xb5s", 0, 2 }, { "7ns", 0, 1 }, { "2m30s", 0, 150000 }, { ".5s", 0, 500 },
		{ "", -1, 0 }, { "5", -1, 0 }, { "s", -1, 0 }, { "1x", -1, 0 }, { "1s garbage", -1, 0 },
		{ "-1s", -1, 0 },
	};
	for (size_t i = 0; i < sizeof go / sizeof go[0]; i++) {
		int64_t ms = -1;
		int rc = retryafter_go_duration(go[i].v, &ms);
		is_int(rc, go[i].rc, "Go duration \"%s\" rc", go[i].v);
		if (rc == 0)
			is_int(ms, go[i].want, "Go duration \"%s\"", go[i].v);
	}

	static const struct { const char *v; int rc; int64_t want; } rfc[] = {
		{ "1994-11-06T08:49:37Z", 0, T0 },
		{ "1994-11-06T08:49:37.250Z", 0, T0 + 250 },
		{ "1994-11-06T08:49:37.2501Z", 0, T0 + 251 },
		{ "1994-11-06T10:49:37+02:00", 0, T0 },
		{ "1994-11-06T03:49:37-05:00", 0, T0 },
		{ "1994-11-06t08:49:37z", 0, T0 },
		{ "1994-11-06T08:49:37", -1, 0 },
		{ "1994-13-06T08:49:37Z", -1, 0 },
		{ "1994-11-06 08:49Z", -1, 0 },
		{ "yesterday", -1, 0 },
	};
	for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
		int64_t ms = -1;
		int rc = retryafter_rfc3339(rfc[i].v, &ms);
		is_int(rc, rfc[i].rc, "RFC 3339 \"%s\" rc", rfc[i].v);
		if (rc == 0)
			is_int(ms, rfc[i].want, "RFC 3339 \"%s\"", rfc[i].v);
	}

	/* The hold decision. */
	struct ratelimit_headers h;
	int64_t d;
	memset(&h, 0, sizeof h);
	is_int(retryafter_hold_ms(&h, T0, &d), 0, "no headers: no hold");
	h.retry_after = "2";
	h.reset_requests = "30s";
	ok(retryafter_hold_ms(&h, T0, &d) == 1 && d == 2000, "Retry-After, not the reset");
	h.retry_after_ms = "1234.5";
	ok(retryafter_hold_ms(&h, T0, &d) == 1 && d == 1235, "retry-after-ms wins, rounded up");
	h.retry_after_ms = NULL;
	h.ms_retry_after_ms = "700";
	ok(retryafter_hold_ms(&h, T0, &d) == 1 && d == 700, "x-ms-retry-after-ms wins over Retry-After");
	/* Resets say when the bucket is full again, not when to retry. */
	memset(&h, 0, sizeof h);
	h.reset_requests = "1s";
	h.reset_tokens = "6m0s";
	h.remaining_requests = "0";
	h.remaining_tokens = "0";
	h.anthropic_reset[0] = "1994-11-06T08:49:40Z";
	is_int(retryafter_hold_ms(&h, T0, &d), 0, "resets alone ask for no wait");

	/* One emission interval of the advertised per-minute limit. */
	memset(&h, 0, sizeof h);
	is_int(retryafter_interval_ms(&h, &d), 0, "no limit advertised: no interval");
	h.limit_requests = "600";
	ok(retryafter_interval_ms(&h, &d) == 1 && d == 100, "600 rpm: 100 ms");
	h.limit_requests = "7";
	ok(retryafter_interval_ms(&h, &d) == 1 && d == 8572, "7 rpm: 8572 ms, rounded up");
	h.limit_requests = "1000000";
	ok(retryafter_interval_ms(&h, &d) == 1 && d == 1, "a huge limit: 1 ms at least");
	h.limit_requests = "0";
	is_int(retryafter_interval_ms(&h, &d), 0, "a limit of 0 gives no interval");
	h.limit_requests = "lots";
	is_int(retryafter_interval_ms(&h, &d), 0, "an unreadable limit gives no interval");
	memset(&h, 0, sizeof h);
	h.retry_after = "garbage";
	is_int(retryafter_hold_ms(&h, T0, &d), 0, "an unreadable Retry-After says nothing");

	/* Used up before a 429: only a remaining of 0 with its reset counts. */
	memset(&h, 0, sizeof h);
	h.reset_requests = "250ms";
	h.reset_tokens = "2s";
	h.remaining_requests = "5";
	h.remaining_tokens = "100";
	is_int(retryafter_exhausted_ms(&h, &d), 0, "budget left: no hold");
	h.remaining_requests = "0";
	ok(retryafter_exhausted_ms(&h, &d) == 1 && d == 250, "requests used up: until their reset");
	h.remaining_tokens = "0";
	ok(retryafter_exhausted_ms(&h, &d) == 1 && d == 2000, "both used up: the later reset");
	h.reset_requests = h.reset_tokens = NULL;
	is_int(retryafter_exhausted_ms(&h, &d), 0, "used up without a reset: nothing to go by");
	return done_testing();
}
