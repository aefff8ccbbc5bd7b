/* What a finished request means for its item and for the whole worker:
 * the item is done, retried at a time, failed, or released (shutting down,
 * or the account's quota is used up and the whole job must stop);
 * and every request may have to hold until a time the API named. Pure: the
 * clock and the jitter draw are passed in; run_send.c carries the
 * decision out (store, AIMD, pacer, tokens). */
#ifndef PSUP_OUTCOME_H
#define PSUP_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "retryafter.h"

/* What came back: the answer as classify.h reads it (its has_retry_after
 * may be left 0: the headers and the body are read here), the rate-limit
 * headers, and the wall clock for Retry-After dates. */
struct outcome_response {
	struct response_view answer;
	struct ratelimit_headers headers;
	int64_t real_ms;
};

/* The item's attempt that just finished. */
struct outcome_attempt {
	int n;                   /* attempts made in this run, this one included */
	int stopping;            /* the worker is shutting down */
	uint64_t draw;           /* a random draw for the backoff's full jitter */
	int refused_lately;      /* another 429 or 503 came among the worker's
	                          * last OUTCOME_LONE_ANSWERS answers */
	int probe;               /* sent to try an endpoint resting after failures
	                          * in a row: a failure worth retrying is the
	                          * endpoint's, not counted against the item */
};

/* A 429 whose headers show room, or a 503, with no other such refusal among
 * this many answers before it, is lone: a fault of that one request (a
 * server shedding load now and then), not a limit or an outage. Only its
 * own item waits what it asks; the others go on at the pace they had. */
#define OUTCOME_LONE_ANSWERS 50

/* From the job file. */
struct outcome_policy {
	int max_attempts;
	int64_t base_delay_ms, max_delay_ms;
	const char *extract;     /* JSON pointer or NULL */
	const char *usage[USAGE_N]; /* JSON pointers or NULL */
	int json;                /* the result must be JSON (classify_json_result) */
	const char *require;     /* and hold these (pointers, one a line), or NULL */
};

enum outcome_kind {
	OUTCOME_DONE,            /* store result */
	OUTCOME_RETRY,           /* send again at retry_at */
	OUTCOME_FAIL,            /* store error, not retried */
	OUTCOME_RELEASE,         /* would retry, but shutting down: back to the queue */
	OUTCOME_STOP,            /* the account's quota or money is used up: back to
	                          * the queue, and the job stops (error says why) */
};

/* The longest hold taken from an API's answer: a longer one is a stale or
 * broken value. */
#define OUTCOME_HOLD_MAX_MS 3600000

struct outcome {
	enum outcome_kind kind;
	int64_t retry_at;        /* RETRY: when, on the clock of `now` */
	int64_t hold_until;      /* 0, or hold every request until then */
	int hold_asked;          /* the hold is what a 429/503 asked for */
	int rate_limited;        /* a 429: AIMD lowers the limits, unless lone */
	int lone;                /* a lone refusal (OUTCOME_LONE_ANSWERS): nothing
	                          * to learn, no hold for the others */
	int exhausted;           /* FAIL: the last allowed attempt failed */
	int uncounted;           /* RETRY: a probe's failure; the attempt is
	                          * given back to the item */
	int refused;             /* FAIL: the endpoint's, not the item's
	                          * (REFUSED_*, classify.h) */
	long long tokens[USAGE_N]; /* from the usage pointers, when have_tokens[k] */
	int have_tokens[USAGE_N];
	char *result;            /* DONE: JSON text to store (malloc'd) */
	char *error;             /* FAIL: the error to store; STOP: what the API
	                          * said; else why (malloc'd) */
	const char *why;         /* not DONE: the reason alone, inside error */
};

/* Decides for the answer r to attempt a under policy p, at monotonic time
 * now (ns). Fills *o; free it with outcome_free. */
void outcome_decide(const struct outcome_response *r, const struct outcome_attempt *a,
    const struct outcome_policy *p, int64_t now, struct outcome *o);
void outcome_free(struct outcome *o);

#endif
