/* Inside `psup-worker run`: the job file's budget (max_cost, max_tokens)
 * over every run and worker of the job. The spend is what the store's
 * finished items record (read every second, and more often near the
 * limit), plus this worker's results not yet committed, plus its requests
 * in flight at the average item's cost, plus what the other workers spent
 * that the reading does not show yet: taken to be what this worker spent
 * beyond the reading, scaled by the others' rate over its own (both
 * spendrate.h), as their requests and commits go as ours do. Near the limit a worker keeps in flight no more than its
 * share (its rate over the job's) of the room left, at least one request:
 * so the workers together stop at the limit, not a batch after it. */
#ifndef PSUP_RUN_BUDGET_H
#define PSUP_RUN_BUDGET_H

#include <stdint.h>

#include "spendrate.h"

struct run;
struct work;

/* What a budget counts: money at the endpoints' prices, or tokens. */
enum { BUDGET_COST, BUDGET_TOKENS, BUDGET_N };

struct run_budget {
	double store[BUDGET_N];      /* the store's spend at the last reading */
	long long store_items;       /* the items it was spent on */
	double since[BUDGET_N];      /* this worker's answers since that reading */
	double charged[BUDGET_N];    /* this worker's answers over the run */
	double committed[BUDGET_N];  /* this worker's commits over the run */
	long long committed_items;
	double committed_read[BUDGET_N]; /* and of them, those in the last reading */
	long long committed_items_read;
	struct spendrate others[BUDGET_N], mine[BUDGET_N];
	double latency_ms;           /* this worker's answers', smoothed */
	int64_t read_at;             /* monotonic ns of the last reading asked, 0 never */
	int reading;                 /* a reading is under way on the store thread */
	int known;                   /* a reading came back (or failed): store and
	                              * store_items say what the store holds */
	int spent;                   /* reached: the run is stopping */
};

/* What w's answer cost at its endpoint's price: sets w->spend (per 1M
 * tokens; only all tokens counted: priced as input). */
void run_budget_price(struct run *r, struct work *w, const long long tokens[3],
    const int have[3]);
/* Counts a finished w into this worker's spend. */
void run_budget_charge(struct run *r, const struct work *w);
/* Counts w's spend as committed to the store. */
void run_budget_committed(struct run *r, const struct work *w);
/* 1 when the budget is reached at now: then the run is stopping (in-flight
 * requests finish, nothing more is sent) with CMD_BUDGET; the caller must
 * not touch the queue's items after it. -1 to send nothing yet: while the
 * first reading of the store is under way (its answer pumps again), or
 * while this worker has its share of the room left in flight (an answer
 * pumps again). 0 otherwise (no budget, or room left, or the store could
 * not be read: the last reading stands). The store is read on its thread
 * (storeq.h). */
int run_budget_reached(struct run *r, int64_t now);

#endif
