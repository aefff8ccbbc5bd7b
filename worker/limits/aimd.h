/* Effective concurrency under 429s: on repeated 429s (429s above about 8%
 * of the last twenty or so answers; at most one decrease per cooldown,
 * since one burst brings many 429s at once; or a 429 that says how long to
 * wait) halve the concurrency; then add about one slot per window of
 * successes. A lone 429 lowers nothing. The rate is learn.c's: concurrency
 * alone cannot follow a limit when answers are fast. Pure: time passed in. */
#ifndef PSUP_AIMD_H
#define PSUP_AIMD_H

#include <stdint.h>

struct aimd {
	double cur;              /* current limit, min <= cur <= max */
	int min, max;
	int64_t cooldown_ns;     /* at most one decrease per cooldown */
	int64_t last_decrease;   /* ns; INT64_MIN when never */
	double limited_share;    /* moving average of "this answer was a 429" */
};

void aimd_init(struct aimd *a, int max, int64_t cooldown_ns);
/* A 429 at time now: multiplicative decrease when 429s repeat, or at once
 * when `told` (the API said how long to wait: it means its limit, not a
 * random refusal), unless a decrease came less than a cooldown ago.
 * Returns 1 if the concurrency went down. */
int aimd_on_limited(struct aimd *a, int64_t now, int told);
/* A success: additive increase of 1/cur, so a full window of successes adds
 * one slot. No increase during the cooldown after a decrease. */
void aimd_on_success(struct aimd *a, int64_t now);
/* The number of requests that may be in flight now (>= 1). */
int aimd_limit(const struct aimd *a);

#endif
