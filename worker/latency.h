/* A latency histogram for the job's reports: log-linear buckets (eight per
 * power of two, exact below 8 ms, within 1/8 above), so its percentiles
 * are within 12.5 % at any scale in a fixed 1.5 KB. Pure; the caller owns
 * the struct (zeroed is empty). */
#ifndef PSUP_LATENCY_H
#define PSUP_LATENCY_H

#include <stdint.h>

#define LATENCY_SUB 8            /* buckets per power of two */
#define LATENCY_MAX_MS (1LL << 24) /* ~4.7 h: longer times count here */
#define LATENCY_BUCKETS (LATENCY_SUB + 21 * LATENCY_SUB + 1)

struct latency {
	uint64_t bucket[LATENCY_BUCKETS];
	uint64_t n;
	int64_t sum_ms, max_ms;
};

/* Counts one time in ms (negative counts as 0, over the maximum as it). */
void latency_add(struct latency *h, int64_t ms);
/* Adds from's counts into into (histograms of several workers or runs). */
void latency_merge(struct latency *into, const struct latency *from);
/* The q-quantile (0 < q <= 1) in ms: the middle of the bucket the rank
 * falls in, never above the largest time counted, which the top rank
 * gives exactly; 0 when empty. */
int64_t latency_quantile(const struct latency *h, double q);
/* The bucket a time falls in, and that bucket's smallest and largest
 * times (exposed for tests). */
int latency_bucket(int64_t ms);
void latency_bounds(int b, int64_t *lo, int64_t *hi);

#endif
