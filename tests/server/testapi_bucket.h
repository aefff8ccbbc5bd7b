/* The pure parts of the test API's provider emulation: a per-minute token
 * bucket that refills continuously (as OpenAI and Anthropic describe their
 * limits), and the time formats providers put in headers and bodies. No
 * clock is read here: time is passed in, so tests/unit can drive it. */
#ifndef PSUP_TESTAPI_BUCKET_H
#define PSUP_TESTAPI_BUCKET_H

#include <stddef.h>
#include <stdint.h>

/* per_min units per minute, refilled at per_min/60 per second up to
 * capacity (a minute's worth unless sized). level may go below 0 when more
 * is charged than was there (an answer's output tokens): the debt is paid
 * back by the refill. */
struct bucket {
	double capacity;
	double per_min;
	double level;
	int64_t t_ns;            /* when level was last brought up to date */
};

/* A full bucket of a minute's worth of per_min (> 0) at now_ns. */
void bucket_init(struct bucket *b, double per_min, int64_t now_ns);
/* The same holding window_s seconds' worth (at least one unit): a limit
 * enforced over a shorter window, as OpenAI says it may do. */
void bucket_init_window(struct bucket *b, double per_min, double window_s, int64_t now_ns);
/* Brings level up to date at now_ns (a clock going back changes nothing). */
void bucket_refill(struct bucket *b, int64_t now_ns);
/* Takes n if that much is there at now_ns: returns 1, else 0 and takes nothing. */
int bucket_take(struct bucket *b, double n, int64_t now_ns);
/* Takes n whatever is there (level may go negative). */
void bucket_charge(struct bucket *b, double n, int64_t now_ns);
/* Whole units there now (never negative). */
double bucket_remaining(const struct bucket *b);
/* Nanoseconds until the bucket is full again (0 when it is). */
int64_t bucket_full_in(const struct bucket *b);
/* Nanoseconds until n units are there (0 when they are; n above the
 * capacity is measured as the capacity: it can never pass). */
int64_t bucket_wait(const struct bucket *b, double n);

/* Tokens a text of len bytes bills, as the echo answers count them: about
 * four bytes a token. */
double bucket_tokens_of(size_t len);

/* Go's time.Duration.String() of ns: "0s", "850ns", "1.5µs", "12ms",
 * "1s", "1m30.5s", "6m0s", "114h18m0s". OpenAI's reset headers and its "try
 * again in" text, and Gemini's "retry in" text use it. Writes at most n
 * bytes with the NUL; returns buf. */
char *bucket_fmt_duration(int64_t ns, char *buf, size_t n);
/* RFC 3339 UTC to the second, rounded up: "2026-12-06T08:00:31Z"
 * (Anthropic's reset headers). real_ms is milliseconds since the epoch. */
char *bucket_fmt_rfc3339(int64_t real_ms, char *buf, size_t n);

#endif
