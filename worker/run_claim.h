/* Inside `psup-worker run`: claiming items from the store with a lease,
 * renewing the leases while we work, and giving them back. */
#ifndef PSUP_RUN_CLAIM_H
#define PSUP_RUN_CLAIM_H

struct run;

/* run_claim's answer when enough is held already: nothing was claimed,
 * and finishing items asks again. */
#define RUN_CLAIM_HELD (-2)

/* Claims into the work queue what tops the items we hold up to a few
 * seconds of this worker's pace (claimsize.h; the job's batch at first).
 * Returns the number claimed (0: nothing pending), RUN_CLAIM_HELD, or -1
 * when the store failed (logged; too many failures in a row end the run). */
int run_claim(struct run *r);
/* Renews every lease we hold and re-arms itself at a third of the lease. */
void run_claim_lease_timer_cb(void *arg);
/* Puts every item leased under our name back to pending (logged on failure:
 * they return when their leases expire). */
void run_claim_release_all(struct run *r);
/* At start: puts back to pending the leases of our own earlier runs on
 * this host whose process is proven gone (owner.h); leases of live workers
 * and of other hosts are left alone. Logged. */
void run_claim_release_predecessors(struct run *r);

#endif
