/* A spend's rate, from successive readings of its running total, and what
 * it adds after the last reading. A worker sees the other workers' spend
 * on a job only once they commit it and it reads the store again; left at
 * that, every worker keeps sending on a stale reading and a job with
 * several workers ends well above its budget. Their rate carries the last
 * reading forward: over the time since it was asked, and over the time a
 * request takes from being sent until its result is committed (in flight
 * and waiting for a commit it is unseen however fresh the reading). Pure:
 * the clock and the readings are passed in; the caller owns the struct
 * (zeroed is no reading yet). */
#ifndef PSUP_SPENDRATE_H
#define PSUP_SPENDRATE_H

#include <stdint.h>

/* The rate is smoothed over about this long; until that much has passed
 * since the first reading, it is the average since then. */
#define SPENDRATE_WINDOW_MS 500

struct spendrate {
	double first, last;          /* the totals at the first and last readings */
	int64_t first_at, at;        /* when those were read (monotonic ns), 0 none */
	double per_s;                /* the spend per second, 0 before two readings */
};

/* The running total read at at. A total that falls (a worker's results
 * the store refused, counted as its own) counts as no spend, and the
 * rate goes on from the new total; a reading not later than the last is
 * ignored. */
void spendrate_reading(struct spendrate *o, double total, int64_t at);
/* What the spend adds from the last reading to now + horizon_ns at its
 * rate: 0 before two readings. */
double spendrate_ahead(const struct spendrate *o, int64_t now, int64_t horizon_ns);

#endif
