/* One endpoint's circuit breaker: answers that keep failing (5xx,
 * overloaded, no connection) rest it for a cooldown, then one probe
 * request tries it again; an answer about the endpoint itself (a rejected
 * key, a used-up quota) takes it out for the rest of the run. It also says
 * since when the endpoint has failed without a break (a job's only
 * endpoint gives up after a long outage). Pure: (state, event, now) ->
 * actions; run_endpoint.c carries them out. */
#ifndef PSUP_BREAKER_H
#define PSUP_BREAKER_H

#include <stdint.h>

/* Failures in a row that open a closed breaker: one of several endpoints
 * rests at once (its items go to the others); a job's only endpoint waits
 * for more, as its rest stops the whole run, and a few failures in a row
 * are common where one request in ten fails. */
#define BREAKER_THRESHOLD 5
#define BREAKER_THRESHOLD_ALONE 10

enum breaker_state {
	BREAKER_CLOSED,          /* in rotation */
	BREAKER_OPEN,            /* resting until `until` */
	BREAKER_HALF_OPEN,       /* its probe is in flight */
	BREAKER_OUT,             /* out for the rest of the run */
};

enum breaker_event {
	BREAKER_SEND,            /* a request goes to it (only when usable) */
	BREAKER_OK,              /* it answered (2xx, or a 4xx about the item) */
	BREAKER_FAIL,            /* 5xx, overloaded, timeout, no connection */
	BREAKER_FATAL,           /* 401, 403, quota used up: about the endpoint */
};

/* What the caller does: a bitmask. */
enum {
	BREAKER_A_OPENED = 1,    /* log it: resting until `until` */
	BREAKER_A_CLOSED = 2,    /* log it: back in rotation */
	BREAKER_A_OUT = 4,       /* log it once: out for good */
	BREAKER_A_PROBE = 8,     /* this request is the probe */
};

struct breaker {
	enum breaker_state state;
	int fails;               /* in a row while closed */
	int threshold;           /* fails that open it */
	int64_t until;           /* OPEN: when a probe may go (ns) */
	int64_t cooldown;        /* ns */
	int64_t down_since;      /* OPEN, HALF_OPEN: when it first opened,
	                          * failed probes since included (ns) */
};

void breaker_init(struct breaker *b, int64_t cooldown_ns, int threshold);
/* Applies ev at now; returns BREAKER_A_* bits. */
int breaker_step(struct breaker *b, enum breaker_event ev, int64_t now);
/* 1 if a request may go to it at now (an open one once its rest is over:
 * that request is the probe). */
int breaker_usable(const struct breaker *b, int64_t now);
/* How long it has failed without a good answer at now: 0 while closed. */
int64_t breaker_down_for(const struct breaker *b, int64_t now);
const char *breaker_state_name(enum breaker_state s);

#endif
