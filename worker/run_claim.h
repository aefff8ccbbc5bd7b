/* Inside `psup-worker run`: claiming items from the store with a lease,
 * renewing the leases while we work, and giving them back. */
#ifndef PSUP_RUN_CLAIM_H
#define PSUP_RUN_CLAIM_H

struct run;

/* run_claim's answer when enough is held already: nothing was claimed,
 * and finishing items asks again. */
#define RUN_CLAIM_HELD (-2)

/* Asks the store for what tops the items we hold up to a few seconds of
 * this worker's pace (claimsize.h; the job's batch at first), or, ahead
 * (items are still queued), only once we hold half of that: the answer
 * comes while the queue lasts, and a store that is slow or away for a
 * while does not stop the sending at once. The answer
 * queues them and pumps again, or (nothing pending, the store away or
 * failing: logged, too many failures in a row end the run) sets
 * claim_exhausted and arms the idle timer. While the API holds every
 * endpoint for over CLAIMSIZE_GIVE_MS, nothing is claimed: as after a
 * claim that found nothing, looked at again on the idle timer. Returns 0
 * (asked, or a claim is out already), RUN_CLAIM_HELD (enough held, or
 * the API holds us), or -1 (the store's queue is full: tried again on
 * the idle timer). */
int run_claim(struct run *r, int ahead);
/* At the job's end (nothing pending), gives back to the store the unsent
 * items we hold beyond our share of what the job has left, or all of them
 * while the API holds us (claimsize_excess), for the workers that found
 * nothing to claim them: the last claimed first, then those waiting to be
 * tried again, with the attempts made on them here recorded. Called when
 * the job's counts are read. A give-back that fails leaves them leased to
 * us unheard of, put back when we are next idle. */
void run_claim_give_back(struct run *r);
/* Renews every lease we hold and re-arms itself at a third of the lease. */
void run_claim_lease_timer_cb(void *arg);
/* Puts back every item leased to us, when we hold none: a claim whose
 * answer was lost may have leased some we never heard of. */
void run_claim_release_phantoms(struct run *r);
/* Puts every item leased under our name back to pending (logged on failure:
 * they return when their leases expire). */
void run_claim_release_all(struct run *r);
/* At start: puts back to pending the leases of our own earlier runs on
 * this host whose process is proven gone (owner.h); leases of live workers
 * and of other hosts are left alone. Logged. */
void run_claim_release_predecessors(struct run *r);

#endif
