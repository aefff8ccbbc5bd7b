/* GCRA, virtual-scheduling form: a request of cost c is allowed at time t
 * when max(TAT, t) + c*T - t <= tolerance, and then TAT = max(TAT, t) + c*T. */
#include "gcra.h"

void gcra_init(struct gcra *g, double rate_per_min, double burst)
{
	if (rate_per_min <= 0) {
		g->interval_ns = 0;
		g->tolerance_ns = 0;
		return;
	}
	if (burst < 1)
		burst = 1;
	g->interval_ns = 60e9 / rate_per_min;
	g->tolerance_ns = g->interval_ns * burst;
}

int64_t gcra_wait(const struct gcra *g, int64_t tat, int64_t now, double cost)
{
	if (g->interval_ns <= 0)
		return 0;
	int64_t base = tat > now ? tat : now;
	double inc = g->interval_ns * cost;
	if (inc > g->tolerance_ns) {
		/* Bigger than the bucket: wait until it is empty, then go. */
		return base - now;
	}
	double ahead = (double)(base - now) + inc;
	if (ahead <= g->tolerance_ns)
		return 0;
	int64_t w = (int64_t)(ahead - g->tolerance_ns + 0.999);
	return w > 0 ? w : 1;
}

int64_t gcra_take(const struct gcra *g, int64_t *tat, int64_t now, double cost)
{
	if (g->interval_ns <= 0)
		return 0;
	int64_t w = gcra_wait(g, *tat, now, cost);
	if (w > 0)
		return w;
	gcra_reserve(g, tat, now, cost);
	return 0;
}

void gcra_reserve(const struct gcra *g, int64_t *tat, int64_t now, double cost)
{
	if (g->interval_ns <= 0)
		return;
	int64_t base = *tat > now ? *tat : now;
	*tat = base + (int64_t)(g->interval_ns * cost);
}

void gcra_adjust(const struct gcra *g, int64_t *tat, int64_t now, double delta)
{
	if (g->interval_ns <= 0)
		return;
	int64_t t = *tat + (int64_t)(g->interval_ns * delta);
	if (delta < 0 && t < now)
		t = *tat > now ? now : *tat;
	*tat = t;
}

int64_t gcra_horizon_ns(const struct gcra *g)
{
	/* A minute's worth of budget plus the burst: no take or adjust of a sane
	 * request pushes the TAT further than that. */
	return (int64_t)(60e9 + g->tolerance_ns) + 60000000000LL;
}
