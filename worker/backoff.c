/* Exponential backoff with full jitter, as in AWS's "Exponential Backoff and
 * Jitter": the draw covers the whole range, which spreads retries best. */
#include "backoff.h"

int64_t backoff_cap_ms(int attempt, int64_t base_ms, int64_t max_ms)
{
	if (base_ms < 0)
		base_ms = 0;
	if (max_ms < 0)
		max_ms = 0;
	if (attempt < 1)
		attempt = 1;
	int64_t cap = base_ms;
	for (int i = 1; i < attempt && cap < max_ms; i++)
		cap = cap > max_ms / 2 ? max_ms : cap * 2;
	return cap < max_ms ? cap : max_ms;
}

int64_t backoff_delay_ms(int attempt, int64_t base_ms, int64_t max_ms, uint64_t r)
{
	int64_t cap = backoff_cap_ms(attempt, base_ms, max_ms);
	/* (r >> 11) is 53 bits: a uniform double in [0, 1]. */
	double u = (double)(r >> 11) / (double)((1ULL << 53) - 1);
	return (int64_t)(u * (double)cap + 0.5);
}

uint64_t backoff_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}
