/* Pacing of requests: an rpm and a tpm GCRA plus a "hold until" time (from
 * Retry-After), either private to this worker or shared by every worker on
 * the host through a named shared limit. Times are CLOCK_MONOTONIC ns, which
 * all processes of one boot share. */
#ifndef PSUP_PACER_H
#define PSUP_PACER_H

#include <stdint.h>

#include "gcra.h"

/* The whole mutable state; it lives in the process or in a shared page. */
struct pace_state {
	int64_t rpm_tat;
	int64_t tpm_tat;
	int64_t hold_until;      /* 0 when not holding */
};

/* Pure: spends one request of `cost` tokens at now if both limits allow and
 * no hold is on; returns 0, or the ns to wait (state unchanged). A TAT
 * beyond the limit's horizon is reset first (state left by a clock mix-up). */
int64_t pace_take(struct pace_state *st, const struct gcra *rpm, const struct gcra *tpm,
    int64_t now, double cost);

struct sharedlimit;

struct pacer {
	struct gcra rpm, tpm;
	double rpm_base, tpm_base;  /* as configured */
	double factor;              /* applied to both (AIMD), 0 < factor <= 1 */
	struct pace_state local;
	struct sharedlimit *shared; /* NULL: local state */
};

/* rpm/tpm 0 = unlimited. shared_name NULL = private to this process.
 * Returns 0, or -1 with *cause (the shared state file could not be opened). */
int pacer_init(struct pacer *p, double rpm, double tpm, const char *shared_name, char **cause);
void pacer_close(struct pacer *p);
/* Runs at factor (0..1] of the configured rates (AIMD lowers it on 429s). */
void pacer_scale(struct pacer *p, double factor);
int64_t pacer_take(struct pacer *p, int64_t now, double cost);
/* The real token count is known: correct the tpm budget by delta tokens. */
void pacer_adjust(struct pacer *p, int64_t now, double delta_tokens);
/* Holds everything until `until` (later holds win). */
void pacer_hold(struct pacer *p, int64_t until);
int64_t pacer_hold_until(struct pacer *p);

#endif
