/* Claims and leases (see run_claim.h). */
#include "run_claim.h"
#include "run_state.h"

#include <stdlib.h>

#include "claimsize.h"
#include "clock.h"
#include "cmd.h"
#include "owner.h"
#include "xalloc.h"

/* Failed claims in a row that end the run. */
#define CLAIM_TRIES 20

int run_claim(struct run *r)
{
	struct store_item *items = NULL;
	int n = 0;
	char *cause = NULL;
	int held = engine_inflight(r->engine) + r->q.n_ready + r->q.n_heap;
	/* The job's counts as last read (at most a second old), with our
	 * commits since: claims shrink to our share of what is left. */
	r->claim_pace.job_known = r->counts_at > 0;
	r->claim_pace.job_finished = r->counts.done + r->counts.failed + r->ok_since + r->failed_since;
	r->claim_pace.job_left = r->counts.pending + r->counts.leased - r->ok_since - r->failed_since;
	int want = claimsize_next(&r->claim_pace, clock_mono_ns(), r->n_ok + r->n_failed, held,
	    aimd_limit(&r->aimd), r->jc.batch);
	if (want == 0)
		return RUN_CLAIM_HELD;
	if (store_claim(r->store, r->owner, want, r->jc.lease_ms, &items, &n, &cause) < 0) {
		r->claim_failures++;
		run_log(r, "cannot claim items (try %d): %s", r->claim_failures, cause);
		free(cause);
		if (r->claim_failures >= CLAIM_TRIES) {
			run_log(r, "giving up: the job store keeps failing");
			r->exit_code = CMD_RUNTIME;
			r->finished = 1;
		}
		return -1;
	}
	r->claim_failures = 0;
	for (int i = 0; i < n; i++) {
		struct work *w = xcalloc(1, sizeof *w);
		w->it = items[i];
		w->node.heap_idx = -1;
		w->req.user = w;
		w->req.target = &r->request.target;
		workq_push(&r->q, &w->node);
	}
	/* The strings moved into the works; free only the array. */
	free(items);
	return n;
}

void run_claim_lease_timer_cb(void *arg)
{
	struct run *r = arg;
	char *cause = NULL;
	if (store_renew(r->store, r->owner, r->jc.lease_ms, &cause) < 0) {
		run_log(r, "cannot renew leases: %s", cause);
		free(cause);
	}
	deadline_arm(&r->lease_timer, clock_mono_ns() + r->jc.lease_ms * MS / 3);
}

void run_claim_release_all(struct run *r)
{
	char *cause = NULL;
	if (store_release(r->store, r->owner, NULL, 0, &cause) < 0) {
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
