/* The job's budget (see run_budget.h). */
#include "run_budget.h"
#include "run_endpoint.h"
#include "run_record.h"
#include "run_state.h"
#include "run_store.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

/* How often the spend is read from the store at least. */
#define BUDGET_READ_EVERY (1000 * MS)
/* The least share of the room left a worker may fill, whatever its rate:
 * a worker just started has none yet, and must not be held to one
 * request while the room is still wide. */
#define BUDGET_SHARE_MIN (1.0 / 16)

static const char *const budget_name[BUDGET_N] = { "max_cost", "max_tokens" };

static double budget_max(const struct run *r, int k)
{
	return k == BUDGET_COST ? r->jc.max_cost : r->jc.max_tokens;
}

static void budget_add(double v[BUDGET_N], const struct work *w)
{
	v[BUDGET_COST] += w->spend;
	v[BUDGET_TOKENS] += (double)w->tokens;
}

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
	struct run_budget *b = &r->budget;
	budget_add(b->since, w);
	budget_add(b->charged, w);
	/* Smoothed over about eight answers: the others' requests are taken
	 * to take as long as ours. */
	double lat = (double)w->latency_ms;
	b->latency_ms = b->latency_ms > 0 ? b->latency_ms + (lat - b->latency_ms) / 8 : lat;
}

void run_budget_committed(struct run *r, const struct work *w)
{
	budget_add(r->budget.committed, w);
	r->budget.committed_items++;
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
		/* Answers come in the order the store thread ran the calls:
		 * our commits before this reading have counted already. */
		double got[BUDGET_N] = { c->spend.cost, (double)c->spend.tokens };
		for (int k = 0; k < BUDGET_N; k++) {
			spendrate_reading(&b->others[k], got[k] - b->committed[k], b->read_at);
			spendrate_reading(&b->mine[k], b->charged[k], b->read_at);
			b->store[k] = got[k];
			b->committed_read[k] = b->committed[k];
			b->since[k] = 0;
		}
		b->store_items = c->spend.items;
		b->committed_items_read = b->committed_items;
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
	for (int k = 0; k < BUDGET_N; k++) {
		double max = budget_max(r, k);
		if (max > 0 && b->since[k] >= (max - b->store[k]) / 10)
			return 1;
	}
	return 0;
}

/* Budget k is reached: the run stops, and the requests in flight, paid
 * for, get the longest timeout to finish. */
static void reached(struct run *r, int k, double spent, double others, int flying, int64_t now)
{
	r->budget.spent = 1;
	r->exit_code = CMD_BUDGET;
	char more[96] = "";
	if (others > 0)
		snprintf(more, sizeof more, " and about %.3g the other workers have not committed yet",
		    others);
	run_log(r, "the budget is spent: %.6g of budget.%s %.6g, with %d requests in flight%s; "
	    "raise it and run again to go on", spent, budget_name[k], budget_max(r, k), flying,
	    more);
	char halt[96];
	snprintf(halt, sizeof halt, "the budget is spent (budget.%s %.6g): raise it, then restart",
	    budget_name[k], budget_max(r, k));
	run_halt(r, "budget reached", halt);
	long long longest = 0;
	for (int i = 0; i < r->n_ep; i++)
		if (r->ep[i].cfg->timeout_ms > longest)
			longest = r->ep[i].cfg->timeout_ms;
	if (flying)
		deadline_arm(&r->stop_timer, now + longest * MS);
}

/* What the others spent that the last reading does not hold, given ours
 * in flight: what we spent beyond it (in flight, answered since, and
 * answered before but committed after it) times their rate over ours. A
 * rate over the same readings keeps the ratio true while both ramp up,
 * when either rate alone lags. Until we have a rate: theirs carried over
 * the time since the reading and the time from sending to commit (a
 * result waits half the flush delay for its commit on average). */
static double others_beyond(const struct run_budget *b, int k, double ours, int64_t now)
{
	double mine = b->mine[k].per_s, theirs = b->others[k].per_s;
	if (mine > 0)
		return theirs / mine * (b->charged[k] - b->committed_read[k] + ours);
	int64_t horizon = (int64_t)b->latency_ms * MS + RUN_RECORD_FLUSH_DELAY_MS * MS / 2;
	return spendrate_ahead(&b->others[k], now, horizon);
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
	/* Ours answered since or not committed by the reading are not in it:
	 * what we committed since, and what waits for a commit. */
	double spent[BUDGET_N];
	for (int k = 0; k < BUDGET_N; k++)
		spent[k] = b->store[k] + b->committed[k] - b->committed_read[k];
	long long items = b->store_items + b->committed_items - b->committed_items_read + r->n_fin;
	for (int i = 0; i < r->n_fin; i++)
		budget_add(spent, r->fin[i]);
	int flying = engine_inflight(r->engine);
	int hold = 0;
	for (int k = 0; k < BUDGET_N; k++) {
		double max = budget_max(r, k);
		if (max <= 0)
			continue;
		/* Ours in flight, at the average so far. */
		double avg = items ? spent[k] / (double)items : 0;
		double ours = avg * (double)flying;
		double others = others_beyond(b, k, ours, now);
		double room = max - spent[k] - ours - others;
		if (room <= 0) {
			reached(r, k, spent[k], others, flying, now);
			return 1;
		}
		/* Every worker sees the same room at once: each fills only
		 * its share of it, by the rates they spend at. */
		double mine = b->mine[k].per_s, theirs = b->others[k].per_s;
		double share = mine + theirs > 0 ? mine / (mine + theirs) : 1;
		if (share < BUDGET_SHARE_MIN)
			share = BUDGET_SHARE_MIN;
		if (flying > 0 && share * room < avg)
			hold = 1;
	}
	return hold ? -1 : 0;
}
