/* Effective concurrency and rate under 429s: on repeated 429s (429s above
 * about 8% of the last twenty or so answers; at most one decrease per
 * cooldown, since one burst brings many 429s at once; or a 429 that says
 * how long to wait) halve the concurrency and cut the
 * configured rate to 70%; then add about one slot per window of successes
 * and 1% of the rate per second. A lone 429 lowers nothing. Concurrency
 * alone cannot help when the configured rpm is above the API's real limit
 * and answers are fast: the rate factor does. Pure: time passed in. */
#ifndef PSUP_AIMD_H
#define PSUP_AIMD_H

#include <stdint.h>

struct aimd {
	double cur;              /* current limit, min <= cur <= max */
	int min, max;
	int64_t cooldown_ns;     /* at most one decrease per cooldown */
	int64_t last_decrease;   /* ns; INT64_MIN when never */
	double limited_share;    /* moving average of "this answer was a 429" */
	double rate;             /* factor on the configured rpm/tpm, 0.05..1 */
	int64_t rate_at;         /* when rate last changed, ns */
};

void aimd_init(struct aimd *a, int max, int64_t cooldown_ns);
/* A 429 at time now: multiplicative decrease when 429s repeat, or at once
 * when `told` (the API said how long to wait: it means its limit, not a
 * random refusal), unless a decrease came less than a cooldown ago.
 * Returns 1 if the limits went down. */
int aimd_on_limited(struct aimd *a, int64_t now, int told);
/* A success: additive increase of 1/cur, so a full window of successes adds
 * one slot. No increase during the cooldown after a decrease. */
void aimd_on_success(struct aimd *a, int64_t now);
/* The number of requests that may be in flight now (>= 1). */
int aimd_limit(const struct aimd *a);
/* The factor to apply to the configured rates now (0.05..1). */
double aimd_rate(const struct aimd *a);

#endif
