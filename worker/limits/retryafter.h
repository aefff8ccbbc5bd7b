/* When may we send again? Parses the rate-limit headers APIs send:
 * Retry-After (delta seconds or an HTTP date), retry-after-ms, OpenAI's
 * x-ratelimit-reset-* (Go durations: "12ms", "1s", "6m0s") and Anthropic's
 * anthropic-ratelimit-*-reset (RFC 3339 timestamps). Pure: times passed in. */
#ifndef PSUP_RETRYAFTER_H
#define PSUP_RETRYAFTER_H

#include <stdint.h>

/* Retry-After: "120" or "Wed, 21 Oct 2015 07:28:00 GMT" (also the obsolete
 * RFC 850 and asctime forms). now_ms is real time. *delay_ms is clamped to
 * >= 0 (a date in the past means now). Returns 0, or -1 if unparsable. */
int retryafter_parse(const char *value, int64_t now_ms, int64_t *delay_ms);

/* An HTTP date to Unix milliseconds. Returns 0 or -1. */
int retryafter_http_date(const char *value, int64_t *unix_ms);

/* A Go duration ("1h2m3.5s", "12ms", "500us", "0s") to milliseconds,
 * rounded up so we never come back early. Returns 0 or -1. */
int retryafter_go_duration(const char *value, int64_t *ms);

/* An RFC 3339 timestamp ("2024-05-01T12:00:03Z", "...T12:00:03.25+02:00")
 * to Unix milliseconds. Returns 0 or -1. */
int retryafter_rfc3339(const char *value, int64_t *unix_ms);

/* The rate-limit headers of one response, as received (NULL if absent). */
struct ratelimit_headers {
	const char *retry_after;
	const char *retry_after_ms;
	const char *ms_retry_after_ms; /* x-ms-retry-after-ms: Azure, sometimes alone */
	const char *reset_requests, *reset_tokens;         /* x-ratelimit-reset-* */
	const char *remaining_requests, *remaining_tokens; /* x-ratelimit-remaining-* */
	const char *limit_requests, *limit_tokens;         /* x-ratelimit-limit-* */
	/* anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{reset,limit,remaining} */
	const char *anthropic_reset[4];
	const char *anthropic_limit[4];
	const char *anthropic_remaining[4];
};

/* How long a 429/503 asks us to wait: retry-after-ms, x-ms-retry-after-ms,
 * then Retry-After. Returns 1 with *delay_ms (>= 0), or 0 when none says.
 * The x-ratelimit-reset-* and anthropic-ratelimit-*-reset headers are not
 * asked waits: they say when the bucket is full again, which can be a
 * minute away while one request fits in a fraction of a second. */
int retryafter_hold_ms(const struct ratelimit_headers *h, int64_t now_ms, int64_t *delay_ms);

/* One emission interval of the advertised request limit (the limit is per
 * minute: 60 s / limit, rounded up): the wait after a 429 that asks for
 * none. Returns 1 with *delay_ms, or 0 when no limit is advertised. */
int retryafter_interval_ms(const struct ratelimit_headers *h, int64_t *delay_ms);

/* Before any 429: a response (even a 200) that says a limit is used up
 * (x-ratelimit-remaining-requests or -tokens is 0) and when it resets.
 * Returns 1 with *delay_ms, the latest such reset, else 0. */
int retryafter_exhausted_ms(const struct ratelimit_headers *h, int64_t *delay_ms);

#endif
