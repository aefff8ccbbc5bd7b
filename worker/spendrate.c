/* A spend's rate from readings of its total (see spendrate.h). */
#include "spendrate.h"

#define NS_PER_S 1e9

void spendrate_reading(struct spendrate *o, double total, int64_t at)
{
	if (o->at == 0) {
		o->first = o->last = total;
		o->first_at = o->at = at;
		return;
	}
	if (at <= o->at)
		return;
	/* A fall moves the whole baseline: the rate goes on from here. */
	if (total < o->last)
		o->first -= o->last - total;
	double window = SPENDRATE_WINDOW_MS / 1e3;
	double since_first = (double)(at - o->first_at) / NS_PER_S;
	if (since_first <= window) {
		/* Young: one interval between two commits is no rate. */
		o->per_s = total > o->first ? (total - o->first) / since_first : 0;
	} else {
		/* Each interval weighs in by its length, so a burst of quick
		 * readings near the end does not swing the rate. */
		double dt = (double)(at - o->at) / NS_PER_S;
		double rate = total > o->last ? (total - o->last) / dt : 0;
		double w = dt >= window ? 1 : dt / window;
		o->per_s += w * (rate - o->per_s);
	}
	o->last = total;
	o->at = at;
}

double spendrate_ahead(const struct spendrate *o, int64_t now, int64_t horizon_ns)
{
	if (o->per_s <= 0)
		return 0;
	int64_t since = now > o->at ? now - o->at : 0;
	return o->per_s * (double)(since + horizon_ns) / NS_PER_S;
}
