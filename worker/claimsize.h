/* How many items a worker claims: enough to hold about two seconds of its
 * own recent pace (items finished per second), and never less than it can
 * have in flight. A worker that dies strands only that much (its leases wait out
 * the lease time), and workers sharing a job hold shares in proportion to
 * what each gets done, not whatever the fastest grabbed first. Near the
 * end, a worker holds no more than its share (its pace over the job's) of
 * what is left, so the last claims do not leave one worker with seconds
 * of work while the others have none: the workers finish together. Pure:
 * the clock and the counts are passed in. */
#ifndef PSUP_CLAIMSIZE_H
#define PSUP_CLAIMSIZE_H

#include <stdint.h>

/* The work a worker holds, at its measured pace: enough to go on sending
 * through a store's short pause (claims go out once half of it is gone),
 * and little enough that workers sharing a job finish close together.
 * With 4 s, four workers on a job of 4 s spent 1.6 times as long as the
 * API took to answer it, most of it one worker finishing the last claim
 * it took alone; with 2 s, 1.4 times (the slow start is the rest). */
#define CLAIMSIZE_WORK_MS 2000
/* The most a worker holds by pace, however fast it is (its in-flight
 * window may be more). */
#define CLAIMSIZE_MAX 4096
/* The shortest time a pace is measured over: claims that come faster wait
 * for the next measure. */
#define CLAIMSIZE_MEASURE_MS 1000
/* Until then, once CLAIMSIZE_EARLY_MS have passed with at least
 * CLAIMSIZE_EARLY_BATCHES of the first claim's size finished (more than
 * the first claim's burst: a pace), the worker holds CLAIMSIZE_EARLY_WORK_MS
 * of the pace so far. A fast API gets through a job of tens of thousands
 * of items within its first second: held to the batch, the worker would
 * wait for a claim every few milliseconds with nothing in flight; held
 * to seconds of a pace this young, it would take what other workers
 * starting beside it should share. */
#define CLAIMSIZE_EARLY_MS 100
#define CLAIMSIZE_EARLY_BATCHES 4
#define CLAIMSIZE_EARLY_WORK_MS 250

struct claimsize {
	/* Set by the caller before each claimsize_next or claimsize_excess
	 * when the job's counts are known (job_known): items finished by
	 * every worker, items left (pending or leased by anyone), and of them
	 * those pending. */
	int job_known;
	long long job_finished, job_left, job_pending;

	double rate;             /* items finished per second, smoothed */
	int measured;            /* rate holds a measure */
	double early_rate;       /* before it does: the pace so far, 0 unknown */
	int64_t at;              /* ns: start of the measure under way; 0 before the first claim */
	long long finished_at;   /* items finished by then */
	double job_rate;         /* the job's, the same way */
	int job_measured;
	long long job_finished_at;
};

/* The number of items to claim at now (monotonic ns) by a worker that has
 * finished `finished` items so far and holds `held` (in flight, queued,
 * waiting to retry), with `window` requests allowed in flight. It tops the
 * held items up to CLAIMSIZE_WORK_MS of the pace (at most CLAIMSIZE_MAX),
 * or before a pace is measured to `first` (the job's batch) or
 * CLAIMSIZE_EARLY_WORK_MS of an early pace if that is more, lowered to
 * this worker's share of what the job has left, and never below window.
 * 0 means hold on: enough is held. Zero-initialise c first. */
int claimsize_next(struct claimsize *c, int64_t now, long long finished, int held,
    int window, int first);

/* At a job's end, a worker's last claim may leave it holding seconds of
 * items while the others, finding nothing pending, wait for it: its API
 * holds it (a Retry-After of minutes, when the workers call different
 * endpoints), or it is slower than they are. Once nothing is pending, a
 * worker that may not send for over CLAIMSIZE_GIVE_MS gives back every
 * item it has not sent, and one holding more than its share of what the
 * job has left (as in claimsize_next, never below window) by over
 * CLAIMSIZE_GIVE_MS of its pace gives back the rest, for them to claim. */
#define CLAIMSIZE_GIVE_MS 500

/* How many of the unsent items (queued or waiting to be tried again)
 * among held to give back to the store, for a worker that may send again
 * in hold_ms: 0 while anything is pending; by share only once the paces
 * are measured. */
int claimsize_excess(const struct claimsize *c, int held, int unsent, int window,
    int64_t hold_ms);

#endif
