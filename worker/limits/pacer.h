/* Pacing of requests: an rpm and a tpm GCRA plus a "hold until" time (from
 * Retry-After), either private to this worker or shared by every worker on
 * the host through a named shared limit. The rates are the user's, lowered
 * to what is learned of the API's own limits (learn.h), which is kept in
 * the same private or shared state, so workers on one name learn together.
 * Times are CLOCK_MONOTONIC ns, which all processes of one boot share. */
#ifndef PSUP_PACER_H
#define PSUP_PACER_H

#include <stdint.h>

#include "gcra.h"
#include "learn.h"

/* The GCRA state and the hold. */
struct pace_state {
	int64_t rpm_tat;
	int64_t tpm_tat;
	int64_t hold_until;      /* 0 when not holding */
};

/* The whole mutable state; it lives in the process or in a shared page. */
struct limit_state {
	struct pace_state pace;
	struct learn_state req, tok;
};

/* Pure: spends one request of `cost` tokens at now if both limits allow and
 * no hold is on; returns 0, or the ns to wait (state unchanged). A TAT
 * beyond the limit's horizon is reset first (state left by a clock mix-up). */
int64_t pace_take(struct pace_state *st, const struct gcra *rpm, const struct gcra *tpm,
    int64_t now, double cost);

struct sharedlimit;

struct pacer {
	struct gcra rpm, tpm;
	double rpm_base, tpm_base;  /* as configured, 0 = unset */
	double rpm_now, tpm_now;    /* paced at now, 0 = unlimited */
	int learn_tokens;           /* tokens are counted for real: learn tpm too */
	struct limit_state local;
	struct sharedlimit *shared; /* NULL: local state */
};

/* rpm/tpm 0 = unlimited. shared_name NULL = private to this process.
 * Learns requests; set learn_tokens after init to learn tokens as well.
 * Returns 0, or -1 with *cause (the shared state file could not be opened). */
int pacer_init(struct pacer *p, double rpm, double tpm, const char *shared_name, char **cause);
void pacer_close(struct pacer *p);
int64_t pacer_take(struct pacer *p, int64_t now, double cost);
/* The real token count is known: correct the tpm budget by delta tokens. */
void pacer_adjust(struct pacer *p, int64_t now, double delta_tokens);
/* Holds everything until `until` (later holds win). */
void pacer_hold(struct pacer *p, int64_t until);
int64_t pacer_hold_until(struct pacer *p);

/* What one answer says about the requests and the tokens budgets.
 * Returns 1 when it cut the request rate. */
int pacer_learn(struct pacer *p, const struct learn_obs *req, const struct learn_obs *tok,
    int64_t now);

/* The limits at now, per minute (0 = none): what pacing uses, what was
 * learned of the API, and what the API advertises. */
struct pacer_view {
	double rpm, tpm;
	double learned_rpm, learned_tpm;
	double api_rpm, api_tpm;
};
void pacer_view(struct pacer *p, int64_t now, struct pacer_view *v);

#endif
