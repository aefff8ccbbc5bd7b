/* AIMD, as TCP congestion control: it converges on the largest concurrency
 * the API takes without 429s and follows it when it moves. */
#include "aimd.h"

void aimd_init(struct aimd *a, int max, int64_t cooldown_ns)
{
	if (max < 1)
		max = 1;
	a->max = max;
	a->min = 1;
	a->cur = max;
	a->cooldown_ns = cooldown_ns;
	a->last_decrease = INT64_MIN;
	a->limited_share = 0;
}

static int in_cooldown(const struct aimd *a, int64_t now)
{
	return a->last_decrease != INT64_MIN && now - a->last_decrease < a->cooldown_ns;
}

/* Weight of one answer in limited_share: about the last twenty count. */
#define SHARE_ALPHA 0.05
/* Two 429s within ten answers pass it; one in a hundred answers does not. */
#define SHARE_REPEATED 0.08

int aimd_on_limited(struct aimd *a, int64_t now, int told)
{
	a->limited_share = a->limited_share * (1 - SHARE_ALPHA) + SHARE_ALPHA;
	if ((!told && a->limited_share < SHARE_REPEATED) || in_cooldown(a, now))
		return 0;
	a->last_decrease = now;
	double next = a->cur / 2;
	a->cur = next < a->min ? a->min : next;
	return 1;
}

void aimd_on_success(struct aimd *a, int64_t now)
{
	a->limited_share *= 1 - SHARE_ALPHA;
	if (in_cooldown(a, now))
		return;
	if (a->cur >= a->max)
		return;
	a->cur += 1.0 / a->cur;
	if (a->cur > a->max)
		a->cur = a->max;
}

int aimd_limit(const struct aimd *a)
{
	int n = (int)a->cur;
	return n < a->min ? a->min : n;
}
