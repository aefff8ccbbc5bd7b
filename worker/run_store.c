/* The job store off the loop (see run_store.h). */
#include "run_store.h"
#include "run_claim.h"
#include "run_record.h"
#include "run_state.h"

#include <stdlib.h>

#include "clock.h"
#include "cmd.h"

/* How often the watchdog looks for unanswered calls, while any is out. */
#define WATCH_EVERY (1000 * MS)
/* How long the end of a run waits for the store thread's current call. */
#define STOP_WAIT_MS 3000
#define STOP_WAIT_SIGTERM_MS 300

int run_store_start(struct run *r, char **cause)
{
	r->sq = storeq_start(r->loop, r->store, r->owner, cause);
	return r->sq ? 0 : -1;
}

int run_store_send(struct run *r, struct storeq_call *c)
{
	if (!r->sq || storeq_send(r->sq, c) < 0) {
		storeq_call_free(c);
		return -1;
	}
	if (deadline_at(&r->store_timer) == 0)
		deadline_arm(&r->store_timer, clock_mono_ns() + WATCH_EVERY);
	return 0;
}

/* Carries out the link's actions: the log lines and giving up. */
static void apply(struct run *r, const struct storelink_actions *a, const char *why)
{
	if (a->say_away) {
		if (a->stalled)
			run_log(r, "job store unreachable: %s: no answer for %lld s; requests go on, results are kept until it is back",
			    store_name(r->store), STORELINK_STALL_NS / (1000 * MS));
		else
			run_log(r, "job store unreachable: %s; requests go on, results are kept until it is back",
			    why);
	}
	if (a->say_back) {
		run_log(r, "job store back after %.1f s: %s; recording %d results kept meanwhile",
		    (double)a->away_ns / 1e9, store_name(r->store), r->n_fin);
		/* Now, not on the backoff's timers: the kept results first,
		 * then the leases, which may have run out meanwhile. */
		run_record_commit(r);
		run_claim_lease_timer_cb(r);
	}
	if (a->give_up && !r->finished) {
		run_log(r, "giving up: the job store %s has been unreachable for %lld minutes",
		    store_name(r->store), STORELINK_GIVE_UP_NS / (60000 * MS));
		r->exit_code = CMD_RUNTIME;
		r->finished = 1;
	}
}

enum run_store_answer run_store_answer(struct run *r, const struct storeq_call *c,
    int64_t *retry_at)
{
	struct storelink_actions a;
	int64_t now = clock_mono_ns();
	storelink_step(&r->link, c->lost ? STORELINK_LOST : STORELINK_OK, now, 0, &a);
	apply(r, &a, c->cause ? c->cause : "lost");
	if (c->lost) {
		*retry_at = a.retry_at;
		return RUN_STORE_AWAY;
	}
	return c->rc < 0 ? RUN_STORE_FAILED : RUN_STORE_OK;
}

void run_store_timer_cb(void *arg)
{
	struct run *r = arg;
	int64_t now = clock_mono_ns();
	struct storelink_actions a;
	/* A file store's slow call waits on another worker's lock, which
	 * is bounded on its own: not a store gone away. */
	int64_t oldest = store_remote(r->store) ? storeq_oldest(r->sq) : 0;
	storelink_step(&r->link, STORELINK_TICK, now, oldest, &a);
	apply(r, &a, NULL);
	if (storeq_pending(r->sq) > 0 || r->link.away)
		deadline_arm(&r->store_timer, now + WATCH_EVERY);
}

int run_store_stop(struct run *r)
{
	struct storeq *q = r->sq;
	if (!q)
		return 0;
	/* Its last answers are handed back before it is gone. */
	int rc = storeq_stop(q, r->stopping ? STOP_WAIT_SIGTERM_MS : STOP_WAIT_MS);
	r->sq = NULL;
	if (rc == 0)
		return 0;
	r->store_stuck = 1;
	run_log(r, "job store %s: no answer at the end; %d results not recorded (their items are redone once their leases run out)",
	    store_name(r->store), r->n_fin);
	return -1;
}
