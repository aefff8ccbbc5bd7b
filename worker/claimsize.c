/* Claim sizing (see claimsize.h). The pace is measured between claims on
 * finished items, not on requests sent: a worker whose requests bounce off
 * 429s sends fast and finishes little. */
#include "claimsize.h"

#include <math.h>

#define MS 1000000LL

int claimsize_next(struct claimsize *c, int64_t now, long long finished, int held,
    int window, int first)
{
	if (c->at == 0) {
		c->at = now;
		c->finished_at = finished;
	} else if (now - c->at >= CLAIMSIZE_MEASURE_MS * MS) {
		double sample = (double)(finished - c->finished_at) * 1e9 / (double)(now - c->at);
		/* Half the last measure, half the new: a change shows within
		 * two measures, a single odd interval does not swing it. */
		c->rate = c->measured ? (c->rate + sample) / 2 : sample;
		c->measured = 1;
		c->at = now;
		c->finished_at = finished;
	}
	double target = c->measured ? ceil(c->rate * CLAIMSIZE_WORK_MS / 1000) : (double)first;
	if (target > CLAIMSIZE_MAX)
		target = CLAIMSIZE_MAX;
	if (target < window)
		target = window;
	if (target < 1)
		target = 1;
	return target > held ? (int)target - held : 0;
}
