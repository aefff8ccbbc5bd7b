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
	a->last_limited = INT64_MIN;
}

static int in_cooldown(const struct aimd *a, int64_t now)
{
	return a->last_decrease != INT64_MIN && now - a->last_decrease < a->cooldown_ns;
}

int aimd_on_limited(struct aimd *a, int64_t now)
{
	int repeated = a->last_limited != INT64_MIN && now - a->last_limited < a->cooldown_ns;
	a->last_limited = now;
	if (!repeated || in_cooldown(a, now))
		return 0;
	double next = a->cur / 2;
	if (next < a->min)
		next = a->min;
	a->last_decrease = now;
	if (next >= a->cur)
		return 0;
	a->cur = next;
	return 1;
}

void aimd_on_success(struct aimd *a, int64_t now)
{
	if (in_cooldown(a, now) || a->cur >= a->max)
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
