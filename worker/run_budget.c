/* The job's budget (see run_budget.h). */
#include "run_budget.h"
#include "run_endpoint.h"
#include "run_state.h"
#include "run_store.h"

#include <stdlib.h>

#include "cmd.h"

/* How often the spend is read from the store at least. */
#define BUDGET_READ_EVERY (1000 * MS)

void run_budget_price(struct run *r, struct work *w, const long long tokens[3],
    const int have[3])
{
	const struct job_endpoint *c = r->ep[w->ep].cfg;
	double in = have[USAGE_INPUT] ? (double)tokens[USAGE_INPUT] :
	    have[USAGE_ALL] && !have[USAGE_OUTPUT] ? (double)tokens[USAGE_ALL] : 0;
	double out = have[USAGE_OUTPUT] ? (double)tokens[USAGE_OUTPUT] : 0;
	w->spend = (in * c->price_input + out * c->price_output) / 1e6;
}

void run_budget_charge(struct run *r, const struct work *w)
{
	r->budget.own_cost += w->spend;
	r->budget.own_tokens += w->tokens;
	r->budget.own_items++;
}

static void read_done_cb(struct storeq_call *c, void *arg)
{
	struct run *r = arg;
	struct run_budget *b = &r->budget;
	int64_t retry_at;
	b->reading = 0;
	if (c->dropped) {
		storeq_call_free(c);
		return;
	}
	/* A store away or failing: the last reading stands (none: nothing
	 * spent yet, as far as this run knows). */
	if (run_store_answer(r, c, &retry_at) == RUN_STORE_FAILED)
		run_log(r, "cannot read the spend for the budget: %s", c->cause);
	if (c->rc == 0) {
		b->cost = c->spend.cost;
		b->tokens = c->spend.tokens;
		b->items = c->spend.items;
		b->own_cost = 0;
		b->own_tokens = b->own_items = 0;
	}
	b->known = 1;
	storeq_call_free(c);
	run_pump(r);
}

/* Asks the store thread for the spend now; its answer pumps again. */
static void budget_read(struct run *r, int64_t now)
{
	if (r->budget.reading)
		return;
	r->budget.read_at = now;
	struct storeq_call *c = storeq_call_new(STOREQ_SPEND, read_done_cb, r);
	if (run_store_send(r, c) == 0)
		r->budget.reading = 1;
}

/* 1 when this worker alone spent a tenth of the room the last reading
 * left: the others may have spent as much, so near the limit the store is
 * read more often. */
static int reread(const struct run *r)
{
	const struct run_budget *b = &r->budget;
	return (r->jc.max_cost > 0 && b->own_cost >= (r->jc.max_cost - b->cost) / 10) ||
	    (r->jc.max_tokens > 0 &&
	    (double)b->own_tokens >= (r->jc.max_tokens - (double)b->tokens) / 10);
}

int run_budget_reached(struct run *r, int64_t now)
{
	struct run_budget *b = &r->budget;
	if (b->spent)
		return 1;
	if (r->jc.max_cost <= 0 && r->jc.max_tokens <= 0)
		return 0;
	if (b->read_at == 0 || now - b->read_at >= BUDGET_READ_EVERY || reread(r))
		budget_read(r, now);
	/* Before the first reading nothing is sent: a job whose budget an
	 * earlier run spent must not pay for one more batch. */
	if (!b->known)
		return -1;
	/* Ours not yet committed are not in the store's reading. */
	long long items = b->items + r->n_fin;
	double cost = b->cost, tokens = (double)b->tokens;
	for (int i = 0; i < r->n_fin; i++) {
		cost += r->fin[i]->spend;
		tokens += (double)r->fin[i]->tokens;
	}
	/* What the requests in flight will add, at the average so far. */
	int flying = engine_inflight(r->engine);
	double ahead_cost = items ? cost / (double)items * flying : 0;
	double ahead_tokens = items ? tokens / (double)items * flying : 0;
	const char *what;
	double spent, max;
	if (r->jc.max_cost > 0 && cost + ahead_cost >= r->jc.max_cost) {
		what = "max_cost";
		spent = cost;
		max = r->jc.max_cost;
	} else if (r->jc.max_tokens > 0 && tokens + ahead_tokens >= r->jc.max_tokens) {
		what = "max_tokens";
		spent = tokens;
		max = r->jc.max_tokens;
	} else {
		return 0;
	}
	b->spent = 1;
	r->exit_code = CMD_BUDGET;
	run_log(r, "the budget is spent: %.6g of budget.%s %.6g, with %d requests in flight; "
	    "raise it and run again to go on", spent, what, max, flying);
	run_stop(r, "budget reached");
	/* The requests in flight are paid for: let them finish. */
	long long longest = 0;
	for (int i = 0; i < r->n_ep; i++)
		if (r->ep[i].cfg->timeout_ms > longest)
			longest = r->ep[i].cfg->timeout_ms;
	if (flying)
		deadline_arm(&r->stop_timer, now + longest * MS);
	return 1;
}
