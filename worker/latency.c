/* The latency histogram (see latency.h): like HdrHistogram with three bits
 * of precision, indexes from the position of the highest set bit. */
#include "latency.h"

int latency_bucket(int64_t ms)
{
	if (ms < LATENCY_SUB)
		return ms < 0 ? 0 : (int)ms;
	if (ms >= LATENCY_MAX_MS)
		return LATENCY_BUCKETS - 1;
	int e = 63 - __builtin_clzll((unsigned long long)ms);   /* >= 3 */
	int sub = (int)((ms >> (e - 3)) & (LATENCY_SUB - 1));
	return LATENCY_SUB + (e - 3) * LATENCY_SUB + sub;
}

void latency_bounds(int b, int64_t *lo, int64_t *hi)
{
	if (b < LATENCY_SUB) {
		*lo = *hi = b;
		return;
	}
	if (b >= LATENCY_BUCKETS - 1) {
		*lo = *hi = LATENCY_MAX_MS;
		return;
	}
	int e = (b - LATENCY_SUB) / LATENCY_SUB + 3;
	int64_t sub = (b - LATENCY_SUB) % LATENCY_SUB;
	*lo = (LATENCY_SUB + sub) << (e - 3);
	*hi = ((LATENCY_SUB + sub + 1) << (e - 3)) - 1;
}

void latency_add(struct latency *h, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms > LATENCY_MAX_MS)
		ms = LATENCY_MAX_MS;
	h->bucket[latency_bucket(ms)]++;
	h->n++;
	h->sum_ms += ms;
	if (ms > h->max_ms)
		h->max_ms = ms;
}

int64_t latency_quantile(const struct latency *h, double q)
{
	if (h->n == 0)
		return 0;
	/* the rank of the q-quantile, 1-based: the smallest covering q */
	uint64_t rank = (uint64_t)(q * (double)h->n);
	if ((double)rank < q * (double)h->n)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank >= h->n)
		return h->max_ms;
	uint64_t seen = 0;
	for (int b = 0; b < LATENCY_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank) {
			int64_t lo, hi;
			latency_bounds(b, &lo, &hi);
			int64_t mid = lo + (hi - lo) / 2;
			return mid < h->max_ms ? mid : h->max_ms;
		}
	}
	return h->max_ms;
}

void latency_merge(struct latency *into, const struct latency *from)
{
	for (int b = 0; b < LATENCY_BUCKETS; b++)
		into->bucket[b] += from->bucket[b];
	into->n += from->n;
	into->sum_ms += from->sum_ms;
	if (from->max_ms > into->max_ms)
		into->max_ms = from->max_ms;
}
