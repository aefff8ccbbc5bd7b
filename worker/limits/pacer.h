/* Pacing of requests: a GCRA per budget (requests, tokens, input tokens,
 * output tokens per minute) plus a "hold until" time (from Retry-After),
 * either private to this worker or shared by every worker on the host
 * through a named shared limit, and optionally a request budget shared by
 * every host of the job (clusterlimit.h). The rates are the user's,
 * lowered to what is learned of the API's own limits (learn.h), which is
 * kept in the same private or shared state, so workers on one name learn
 * together. Times are CLOCK_MONOTONIC ns, which all processes of one boot
 * share.
 *
 * A worker that must wait books its place: the budgets are charged at
 * once and the wait returned is its own, so workers sharing a state take
 * turns in the order they asked instead of racing for each free moment
 * (the earliest timer would win them all). While the request rate is
 * being found (the slow start, and the rise and probes after a 429's cut)
 * nothing is booked: a place would lag the moving rate, and the cut would
 * be made at a lower one. A rate set in the job file or advertised by the
 * API is booked. */
#ifndef PSUP_PACER_H
#define PSUP_PACER_H

#include <stdint.h>

#include "gcra.h"
#include "learn.h"

/* The GCRA states, one per budget, and the hold. */
struct pace_state {
	int64_t tat[LEARN_N];
	int64_t hold_until;      /* 0 when not holding */
};

/* The whole mutable state; it lives in the process or in a shared page. */
struct limit_state {
	struct pace_state pace;
	struct learn_state learn[LEARN_N];
};

/* Pure: spends one request costing cost[b] of each budget b at now if
 * every limit allows and no hold is on; returns 0, or the ns to wait
 * (state unchanged). A TAT beyond its limit's horizon is reset first
 * (state left by a clock mix-up). */
int64_t pace_take(struct pace_state *st, const struct gcra g[LEARN_N], int64_t now,
    const double cost[LEARN_N]);
/* Pure: as pace_take, but a request that must wait for its budgets is
 * charged all the same: the wait returned is the place it booked. Only a
 * hold charges nothing. */
int64_t pace_reserve(struct pace_state *st, const struct gcra g[LEARN_N], int64_t now,
    const double cost[LEARN_N]);

struct sharedlimit;
struct clusterlimit;

struct pacer {
	struct gcra g[LEARN_N];
	double base[LEARN_N];       /* as configured, 0 = unset */
	double rate[LEARN_N];       /* paced at now, 0 = unlimited */
	int counted[LEARN_N];       /* the answers count this budget for real:
	                             * pace by what is learned of it too */
	double out_avg;             /* output tokens an answer used, on average */
	struct limit_state local;
	struct sharedlimit *shared; /* NULL: local state */
	struct clusterlimit *cluster; /* NULL: requests paced on this host only */
	int64_t booked;             /* the place this worker booked, 0 = none */
	double booked_cost[LEARN_N]; /* what it was charged */
	int moving;                 /* the request rate is being found (slow
	                             * start, or 429s' cuts): nothing booked */
	int starting;               /* in the slow start */
};

/* rates[b] per minute, 0 = unlimited. shared_name NULL = private to this
 * process. Learns requests; set counted[b] after init to learn budget b
 * as well. Returns 0, or -1 with *cause (the shared state file could not
 * be opened). */
int pacer_init(struct pacer *p, const double rates[LEARN_N], const char *shared_name,
    char **cause);
void pacer_close(struct pacer *p);
/* Shares the request budget (and holds) with every host of the job whose
 * store is the PostgreSQL database url, under name (see clusterlimit.h).
 * Returns 0, or -1 with *cause. */
int pacer_cluster(struct pacer *p, const char *url, const char *name, char **cause);
/* 0: send now; > 0: the ns to wait, then ask again (the place is booked).
 * cost[LEARN_REQUESTS] is 1; a cost < 0 (output tokens, unknown before
 * the answer) is set to the average an answer used so far. */
int64_t pacer_take(struct pacer *p, int64_t now, double cost[LEARN_N]);
/* The real count of budget b is known: correct its budget from the
 * estimate charged to real. */
void pacer_adjust(struct pacer *p, int64_t now, enum learn_budget b, double estimate,
    double real);
/* Holds everything until `until` (later holds win). */
void pacer_hold(struct pacer *p, int64_t until);
int64_t pacer_hold_until(struct pacer *p);

/* What one answer says about each budget. Returns 1 when it cut the
 * request rate. */
int pacer_learn(struct pacer *p, const struct learn_obs obs[LEARN_N], int64_t now);

/* The limits at now, per minute (0 = none): what pacing uses (0 during a
 * slow start), what was learned of the API, and what the API advertises. */
struct pacer_view {
	double rpm, tpm;
	double learned_rpm, learned_tpm;
	double api_rpm, api_tpm;
};
void pacer_view(struct pacer *p, int64_t now, struct pacer_view *v);

#endif
