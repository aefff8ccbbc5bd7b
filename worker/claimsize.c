/* Claim sizing (see claimsize.h). The pace is measured between claims on
 * finished items, not on requests sent: a worker whose requests bounce off
 * 429s sends fast and finishes little. */
#include "claimsize.h"

#include <math.h>

#define MS 1000000LL

static double smooth(double old, int measured, double sample)
{
	return measured ? (old + sample) / 2 : sample;
}

/* This worker's share (its pace over the job's) of what the job has left,
 * rounded up: 0 while either pace is unmeasured or the counts unknown. */
static int fair_share(const struct claimsize *c, double *fair)
{
	if (!c->measured || !c->job_known || !c->job_measured || c->job_rate <= 0)
		return 0;
	double share = c->rate < c->job_rate ? c->rate / c->job_rate : 1;
	*fair = ceil((double)c->job_left * share);
	return 1;
}

int claimsize_next(struct claimsize *c, int64_t now, long long finished, int held,
    int window, int first)
{
	if (c->at == 0) {
		c->at = now;
		c->finished_at = finished;
		c->job_finished_at = c->job_finished;
	} else if (now - c->at >= CLAIMSIZE_MEASURE_MS * MS) {
		double dt = (double)(now - c->at) / 1e9;
		/* Half the last measure, half the new: a change shows within
		 * two measures, a single odd interval does not swing it. */
		c->rate = smooth(c->rate, c->measured, (double)(finished - c->finished_at) / dt);
		c->measured = 1;
		if (c->job_known) {
			c->job_rate = smooth(c->job_rate, c->job_measured,
			    (double)(c->job_finished - c->job_finished_at) / dt);
			c->job_measured = 1;
		}
		c->at = now;
		c->finished_at = finished;
		c->job_finished_at = c->job_finished;
	} else if (!c->measured && now - c->at >= CLAIMSIZE_EARLY_MS * MS &&
	    finished - c->finished_at >= (long long)CLAIMSIZE_EARLY_BATCHES * first) {
		c->early_rate = (double)(finished - c->finished_at) / ((double)(now - c->at) / 1e9);
	}
	double target = (double)first;
	if (c->measured)
		target = ceil(c->rate * CLAIMSIZE_WORK_MS / 1000);
	else if (c->early_rate * CLAIMSIZE_EARLY_WORK_MS / 1000 > target)
		target = ceil(c->early_rate * CLAIMSIZE_EARLY_WORK_MS / 1000);
	/* Our share of what is left: with every worker holding its share,
	 * all run out at the same time. */
	double fair;
	if (fair_share(c, &fair) && fair < target)
		target = fair;
	if (target > CLAIMSIZE_MAX)
		target = CLAIMSIZE_MAX;
	if (target < window)
		target = window;
	if (target < 1)
		target = 1;
	return target > held ? (int)target - held : 0;
}

int claimsize_excess(const struct claimsize *c, int held, int unsent, int window,
    int64_t hold_ms)
{
	if (c->job_pending > 0)
		return 0;
	if (hold_ms > CLAIMSIZE_GIVE_MS)
		return unsent;
	double fair;
	if (!fair_share(c, &fair))
		return 0;
	if (fair < window)
		fair = window;
	double excess = (double)held - fair;
	/* A give-back costs the others a claim each: only when it is worth
	 * a good part of a second. */
	if (excess <= 0 || excess <= c->rate * CLAIMSIZE_GIVE_MS / 1000)
		return 0;
	return excess < unsent ? (int)excess : unsent;
}
