/* Inside `psup-worker run`: the job file's budget (max_cost, max_tokens)
 * over every run and worker of the job. The spend is what the store's
 * finished items record (read every second, and more often near the
 * limit) plus this worker's results not yet committed; the requests in flight are counted at the average item's cost,
 * so the workers stop before the limit, not a batch after it. */
#ifndef PSUP_RUN_BUDGET_H
#define PSUP_RUN_BUDGET_H

#include <stdint.h>

struct run;
struct work;

struct run_budget {
	double cost;             /* the store's, at read_at */
	long long tokens, items;
	double own_cost;         /* this worker's since then (to read again soon) */
	long long own_tokens, own_items;
	int64_t read_at;         /* monotonic ns of the last reading asked, 0 never */
	int reading;             /* a reading is under way on the store thread */
	int known;               /* a reading came back (or failed): cost, tokens
	                          * and items say what the store holds */
	int spent;               /* reached: the run is stopping */
};

/* What w's answer cost at its endpoint's price: sets w->spend (per 1M
 * tokens; only all tokens counted: priced as input). */
void run_budget_price(struct run *r, struct work *w, const long long tokens[3],
    const int have[3]);
/* Counts a finished w into this worker's spend. */
void run_budget_charge(struct run *r, const struct work *w);
/* 1 when the budget is reached at now: then the run is stopping (in-flight
 * requests finish, nothing more is sent) with CMD_BUDGET; the caller must
 * not touch the queue's items after it. -1 while the first reading of the
 * store is under way: send nothing yet (its answer pumps again). 0
 * otherwise (no budget, or room left, or the store could not be read: the
 * last reading stands). The store is read on its thread (storeq.h). */
int run_budget_reached(struct run *r, int64_t now);

#endif
