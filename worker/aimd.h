/* Effective concurrency under 429s: halve on repeated 429s (a second one
 * within a cooldown of the last; at most one decrease per cooldown, since
 * one burst brings many 429s at once), then add about one slot per window
 * of successes. A lone 429 lowers nothing. Pure: time passed in. */
#ifndef PSUP_AIMD_H
#define PSUP_AIMD_H

#include <stdint.h>

struct aimd {
	double cur;              /* current limit, min <= cur <= max */
	int min, max;
	int64_t cooldown_ns;     /* at most one decrease per cooldown */
	int64_t last_decrease;   /* ns; INT64_MIN when never */
	int64_t last_limited;    /* the last 429, ns; INT64_MIN when never */
};

void aimd_init(struct aimd *a, int max, int64_t cooldown_ns);
/* A 429 at time now: multiplicative decrease (x0.5) when the previous 429
 * came less than a cooldown ago, unless a decrease did. Returns 1 if the
 * limit went down. */
int aimd_on_limited(struct aimd *a, int64_t now);
/* A success: additive increase of 1/cur, so a full window of successes adds
 * one slot. No increase during the cooldown after a decrease. */
void aimd_on_success(struct aimd *a, int64_t now);
/* The number of requests that may be in flight now (>= 1). */
int aimd_limit(const struct aimd *a);

#endif
