/* Effective concurrency under 429s: halve on a 429 (at most once per
 * cooldown, since one burst brings many 429s at once), then add about one
 * slot per window of successes. Pure: time passed in. */
#ifndef PSUP_AIMD_H
#define PSUP_AIMD_H

#include <stdint.h>

struct aimd {
	double cur;              /* current limit, min <= cur <= max */
	int min, max;
	int64_t cooldown_ns;     /* at most one decrease per cooldown */
	int64_t last_decrease;   /* ns; INT64_MIN when never */
};

void aimd_init(struct aimd *a, int max, int64_t cooldown_ns);
/* A 429 at time now: multiplicative decrease (x0.5), unless one happened
 * less than a cooldown ago. Returns 1 if the limit went down. */
int aimd_on_limited(struct aimd *a, int64_t now);
/* A success: additive increase of 1/cur, so a full window of successes adds
 * one slot. No increase during the cooldown after a decrease. */
void aimd_on_success(struct aimd *a, int64_t now);
/* The number of requests that may be in flight now (>= 1). */
int aimd_limit(const struct aimd *a);

#endif
