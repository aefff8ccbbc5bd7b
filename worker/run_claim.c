/* Claims and leases (see run_claim.h). */
#include "run_claim.h"
#include "run_state.h"

#include <stdlib.h>

#include "clock.h"
#include "cmd.h"
#include "xalloc.h"

/* Claims grow (up to 16 x batch, at most CLAIM_MAX) while a claim lasts
 * less than CLAIM_FAST, and shrink back when one lasts over CLAIM_SLOW. */
#define CLAIM_MAX 4096
#define CLAIM_FAST (250 * MS)
#define CLAIM_SLOW (1000 * MS)
/* Failed claims in a row that end the run. */
#define CLAIM_TRIES 20

/* The claim size for a claim now, from how soon after the last one it comes. */
static void claim_resize(struct run *r, int64_t now)
{
	if (!r->claim_at)
		return;
	int cap = 16 * r->jc.batch < CLAIM_MAX ? 16 * r->jc.batch : CLAIM_MAX;
	if (cap < r->jc.batch)
		cap = r->jc.batch;
	if (now - r->claim_at < CLAIM_FAST && r->claim_size < cap)
		r->claim_size = 2 * r->claim_size < cap ? 2 * r->claim_size : cap;
	else if (now - r->claim_at > CLAIM_SLOW && r->claim_size > r->jc.batch)
		r->claim_size = r->claim_size / 2 > r->jc.batch ? r->claim_size / 2 : r->jc.batch;
}

int run_claim(struct run *r)
{
	struct store_item *items = NULL;
	int n = 0;
	char *cause = NULL;
	int64_t now = clock_mono_ns();
	claim_resize(r, now);
	if (store_claim(r->store, r->owner, r->claim_size, r->jc.lease_ms, &items, &n, &cause) < 0) {
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
	if (n > 0)
		r->claim_at = now;
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
