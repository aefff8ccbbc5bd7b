/* The part of a job-wide request budget one worker holds. The budget is a
 * schedule kept in the job's database (clusterlimit.h): one request every
 * `interval` for the whole cluster. A grant books n consecutive places of
 * that schedule for this worker, which sends each at its place's time, so
 * the workers of every host together keep the rate however they
 * interleave. Pure: times (local monotonic ns) are passed in. */
#ifndef PSUP_CLUSTERSLICE_H
#define PSUP_CLUSTERSLICE_H

#include <stdint.h>

/* A grant holds at most this much of the cluster's schedule, so that
 * saturated workers take turns in small slices and share it evenly ... */
#define CSLICE_SHARE_MS 100
/* ... and at most this much of the worker's own recent pace, so that a
 * slow worker books no places it cannot use in time. */
#define CSLICE_WORK_MS 1000
/* The shortest time a pace is measured over. */
#define CSLICE_MEASURE_MS 500
/* A place not used this long after its time is given up: sending it
 * later would crowd another worker's places (the worker was stalled, or
 * had no item to send). */
#define CSLICE_STALE_MS 1000
/* How far ahead of now the database books places (every worker's next
 * slice fits). */
#define CSLICE_HORIZON_MS 2000

struct cslice {
	int left;                /* places booked, not yet used */
	int64_t at;              /* time of the next one */
	int granted;             /* how many the slice in use had */
	int next_n;              /* a slice booked ahead: its places, */
	int64_t next_at;         /* the first one's time */
	int64_t interval;        /* ns between places: the cluster's rate */
	long long spent;         /* places used, ever */
	double pace;             /* places used per second, smoothed */
	int measured;            /* pace holds a measure */
	int64_t measure_at;      /* start of the measure under way, 0 = none yet */
	long long spent_at;      /* spent by then */
};

/* How many places to ask for at now, for a cluster rate of interval ns
 * per request: CSLICE_SHARE_MS of the cluster's rate, lowered to
 * CSLICE_WORK_MS of this worker's pace once measured, at least 1. */
int cslice_want(struct cslice *s, int64_t now, int64_t interval);

/* The database booked n places (n >= 0), the first at `first`, interval
 * ns apart. At the same interval, while places are left, they are the
 * slice booked ahead (used once those are); otherwise they replace what
 * is held (a new rate drops the old one's places). */
void cslice_grant(struct cslice *s, int n, int64_t first, int64_t interval);

/* Whether to book the next slice now: none is booked ahead and the one in
 * use is about half used (a slice of one at once), so that a worker that
 * keeps its pace never waits for the database. */
int cslice_ahead(const struct cslice *s);

/* 0: a place is due now (use it with cslice_spend once every other limit
 * agrees); > 0: ns until the next is; -1: none is held, ask for a grant.
 * Drops places more than CSLICE_STALE_MS old; moves on to the slice
 * booked ahead when the one in use is used up. */
int64_t cslice_due(struct cslice *s, int64_t now);
void cslice_spend(struct cslice *s);

#endif
