/* GCRA (generic cell rate algorithm) as pure functions of time: a limit of
 * `rate` units per minute with a burst tolerance, where a request costs
 * `cost` units (1 for rpm, its tokens for tpm). The whole state is one
 * number, the theoretical arrival time (TAT), so it can live in a shared page. */
#ifndef PSUP_GCRA_H
#define PSUP_GCRA_H

#include <stdint.h>

struct gcra {
	double interval_ns;      /* ns per unit: 60e9 / rate; 0 = unlimited */
	double tolerance_ns;     /* burst: how far the TAT may run ahead of now */
};

/* rate_per_min 0 or less means unlimited. burst (in units, at least 1) is
 * how many units may go back to back after an idle time. */
void gcra_init(struct gcra *g, double rate_per_min, double burst);

/* Tries to spend cost units at time now (ns, any monotonic origin). On
 * success updates *tat and returns 0; otherwise leaves *tat and returns the
 * ns to wait before the same call can succeed. A cost above the burst is let
 * through once the limiter is idle and paid back by waiting after it. */
int64_t gcra_take(const struct gcra *g, int64_t *tat, int64_t now, double cost);

/* Charges cost units at time now whatever the wait: the TAT moves on from
 * max(TAT, now), so the units are booked for gcra_wait's answer from
 * before the charge. A caller that books a place this way owns that
 * moment: it waits for it and then sends without asking again. */
void gcra_reserve(const struct gcra *g, int64_t *tat, int64_t now, double cost);

/* How long gcra_take would make a request of this cost wait (no change). */
int64_t gcra_wait(const struct gcra *g, int64_t tat, int64_t now, double cost);

/* Corrects a past take by delta units (the real cost minus the estimate):
 * positive pushes later requests back, negative gives time back, but never
 * earlier than now. */
void gcra_adjust(const struct gcra *g, int64_t *tat, int64_t now, double delta);

/* A TAT further ahead than this is not believable (a state file from an
 * earlier boot, a clock mix-up): callers reset it to now. */
int64_t gcra_horizon_ns(const struct gcra *g);

#endif
