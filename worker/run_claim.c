/* Claims and leases (see run_claim.h). */
#include "run_claim.h"
#include "run_endpoint.h"
#include "run_state.h"
#include "run_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "claimsize.h"
#include "clock.h"
#include "cmd.h"
#include "owner.h"
#include "xalloc.h"

/* Failed claims in a row that end the run. */
#define CLAIM_TRIES 20
/* How soon a claim that failed is tried again, and an idle worker looks
 * for released or expired items. */
#define CLAIM_AGAIN (500 * MS)
/* The first look after the queue ran dry. The other workers' items are
 * mostly a moment from done then, and the run ends only once they are:
 * looking CLAIM_AGAIN later would add up to that to every run of several
 * workers. The wait doubles up to CLAIM_AGAIN while nothing changes. */
#define CLAIM_IDLE_FIRST (25 * MS)

/* The wait before the next look of a worker whose claim found nothing. */
static int64_t idle_next(struct run *r)
{
	int64_t d = r->idle_wait ? r->idle_wait * 2 : CLAIM_IDLE_FIRST;
	r->idle_wait = d < CLAIM_AGAIN ? d : CLAIM_AGAIN;
	return r->idle_wait;
}

/* No claim for now: look again at at. */
static void claim_later(struct run *r, int64_t at)
{
	r->claim_exhausted = 1;
	int64_t armed = deadline_at(&r->idle_timer);
	if (armed == 0 || armed > at)
		deadline_arm(&r->idle_timer, at);
}

static void claim_done_cb(struct storeq_call *c, void *arg)
{
	struct run *r = arg;
	int64_t retry_at = 0;
	r->claiming = 0;
	if (c->dropped) {
		storeq_call_free(c);
		return;
	}
	switch (run_store_answer(r, c, &retry_at)) {
	case RUN_STORE_AWAY:
		/* It may have leased items whose answer was lost. */
		r->phantoms = 1;
		claim_later(r, retry_at);
		break;
	case RUN_STORE_FAILED:
		r->claim_failures++;
		run_log(r, "cannot claim items (try %d): %s", r->claim_failures, c->cause);
		if (r->claim_failures >= CLAIM_TRIES) {
			run_log(r, "giving up: the job store keeps failing");
			r->exit_code = CMD_RUNTIME;
			r->finished = 1;
		}
		claim_later(r, clock_mono_ns() + CLAIM_AGAIN);
		break;
	case RUN_STORE_OK:
		r->claim_failures = 0;
		if (c->n_items == 0) {
			r->dry_at = clock_mono_ns();
			claim_later(r, r->dry_at + idle_next(r));
		} else
			r->idle_wait = 0;
		/* Stopping, they are released with the rest at exit. */
		for (int i = 0; i < c->n_items && !r->stopping; i++) {
			struct work *w = xcalloc(1, sizeof *w);
			w->it = c->items[i];
			memset(&c->items[i], 0, sizeof c->items[i]);
			w->node.heap_idx = -1;
			w->req.user = w;
			workq_push(&r->q, &w->node);
		}
		break;
	}
	storeq_call_free(c);
	run_pump(r);
}

/* How long (ns) until an endpoint still in use lets us send: the API's
 * hold. */
static int64_t held_for(const struct run *r, int64_t now)
{
	int64_t hold = INT64_MAX;
	for (int i = 0; i < r->n_ep; i++) {
		if (r->ep[i].breaker.state == BREAKER_OUT)
			continue;
		int64_t until = pacer_hold_until(&r->ep[i].pacer);
		int64_t wait = until > now ? until - now : 0;
		hold = wait < hold ? wait : hold;
	}
	return hold;
}

/* What we hold: in flight, queued, and waiting to be tried again. */
static int held_items(const struct run *r)
{
	return engine_inflight(r->engine) + r->q.n_ready + r->q.n_heap;
}

/* The job's counts as last read (at most a second old), with our commits
 * since, for claims to shrink to our share of what is left. */
static void job_counts(struct run *r)
{
	r->claim_pace.job_known = r->counts_at > 0;
	r->claim_pace.job_finished = r->counts.done + r->counts.failed + r->ok_since + r->failed_since;
	r->claim_pace.job_left = r->counts.pending + r->counts.leased - r->ok_since - r->failed_since;
	r->claim_pace.job_pending = r->counts.pending;
}

int run_claim(struct run *r, int ahead)
{
	if (r->claiming)
		return 0;
	int64_t now = clock_mono_ns();
	int held = held_items(r);
	job_counts(r);
	/* Our pace counts the results kept for commit too: a store away
	 * does not slow the items we get done. */
	int want = claimsize_next(&r->claim_pace, now, r->n_ok + r->n_failed + r->n_fin,
	    held, aimd_limit(&r->aimd), r->jc.batch);
	/* Ahead only once half of what we should hold is gone: claims stay
	 * few and large. */
	if (want == 0 || (ahead && want < held))
		return RUN_CLAIM_HELD;
	/* Held by the API: what we claimed now would only wait here while
	 * other workers could do it (and what we gave back for them we would
	 * take again). Looked at again like a claim that found nothing, so
	 * the end of the job is still seen. */
	int64_t hold = held_for(r, now);
	if (hold > CLAIMSIZE_GIVE_MS * MS) {
		claim_later(r, now + (hold < CLAIM_AGAIN ? hold : CLAIM_AGAIN));
		return RUN_CLAIM_HELD;
	}
	struct storeq_call *c = storeq_call_new(STOREQ_CLAIM, claim_done_cb, r);
	c->max = want;
	c->lease_ms = r->jc.lease_ms;
	if (run_store_send(r, c) < 0) {
		claim_later(r, clock_mono_ns() + CLAIM_AGAIN);
		return -1;
	}
	r->claiming = 1;
	return 0;
}

/* The answer to a release, of given items or of all ours: on failure
 * they are still ours in the store, put back when we are next idle; then
 * pump, as holding nothing now we may be done. */
static void release_done_cb(struct storeq_call *c, void *arg)
{
	struct run *r = arg;
	int64_t retry_at;
	if (!c->dropped && run_store_answer(r, c, &retry_at) != RUN_STORE_OK)
		r->phantoms = 1;
	storeq_call_free(c);
	run_pump(r);
}

void run_claim_give_back(struct run *r)
{
	if (r->stopping || r->claiming)
		return;
	job_counts(r);
	int held = held_items(r);
	int n = claimsize_excess(&r->claim_pace, held, r->q.n_ready + r->q.n_heap,
	    aimd_limit(&r->aimd), held_for(r, clock_mono_ns()) / MS);
	if (n <= 0)
		return;
	/* The last claimed first, then those waiting to be tried again,
	 * with the attempts made on them here. */
	struct storeq_call *c = storeq_call_new(STOREQ_RELEASE, release_done_cb, r);
	c->items = xcalloc((size_t)n, sizeof *c->items);
	struct workq_node *ready = workq_take_tail(&r->q, n), *node;
	while (c->n_items < n) {
		if ((node = ready))
			ready = node->next;
		else if (!(node = workq_wait_pop(&r->q)))
			break;
		struct work *w = (struct work *)node;
		struct store_item *it = &c->items[c->n_items++];
		*it = w->it;
		it->attempts += w->attempts;
		memset(&w->it, 0, sizeof w->it);
		run_work_free(w);
	}
	if (run_store_send(r, c) < 0) {
		/* The store's queue is full: they stay leased to us, unheard of. */
		r->phantoms = 1;
		storeq_call_free(c);
		return;
	}
	run_log(r, "the job has nothing pending: gave %d of our %d items back for idle workers", n,
	    held);
}

static void renew_done_cb(struct storeq_call *c, void *arg)
{
	struct run *r = arg;
	int64_t retry_at;
	r->renewing = 0;
	if (!c->dropped && run_store_answer(r, c, &retry_at) == RUN_STORE_FAILED)
		run_log(r, "cannot renew leases: %s", c->cause);
	storeq_call_free(c);
}

void run_claim_lease_timer_cb(void *arg)
{
	struct run *r = arg;
	/* One renewal out at a time: one that hangs covers the next. */
	if (!r->renewing) {
		struct storeq_call *c = storeq_call_new(STOREQ_RENEW, renew_done_cb, r);
		c->lease_ms = r->jc.lease_ms;
		r->renewing = run_store_send(r, c) == 0;
	}
	deadline_arm(&r->lease_timer, clock_mono_ns() + r->jc.lease_ms * MS / 3);
}

void run_claim_release_phantoms(struct run *r)
{
	struct storeq_call *c = storeq_call_new(STOREQ_RELEASE, release_done_cb, r);
	if (run_store_send(r, c) == 0)
		r->phantoms = 0;
}

void run_claim_release_all(struct run *r)
{
	char *cause = NULL;
	if (store_release(r->store, r->owner, NULL, NULL, 0, &cause) < 0) {
		run_log(r, "cannot release leased items (they return when the leases expire): %s", cause);
		free(cause);
	}
}

void run_claim_release_predecessors(struct run *r)
{
	char *cause = NULL;
	int released = 0;
	if (owner_release_predecessors(r->store, r->owner, &released, &cause) < 0) {
		run_log(r, "cannot release the leases of our earlier runs (they return when the leases expire): %s", cause);
		free(cause);
	} else if (released > 0) {
		run_log(r, "released the leases of %d earlier run%s of ours on this host", released,
		    released == 1 ? "" : "s");
	}
}
