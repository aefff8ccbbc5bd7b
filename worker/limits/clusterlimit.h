/* A request limit shared by every host of a job (`limits.scope: cluster`):
 * one row per shared name in the job's PostgreSQL database (psup_limits)
 * holds the cluster's schedule (a GCRA's theoretical arrival time, on the
 * server's clock) and a hold-until time from Retry-After. A worker books a
 * small slice of the schedule at a time with one UPDATE ... RETURNING
 * (clusterslice.h), so the database sees a statement per slice, not per
 * request. The statements run on the limit's own thread, on a connection
 * of its own with short timeouts, and the next slice is booked while the
 * one in use is still half left: no call here waits for the database.
 * While the database cannot be reached no new slice is granted, so
 * nothing is sent beyond the places already booked (said once in the log,
 * and once when it is back). */
#ifndef PSUP_CLUSTERLIMIT_H
#define PSUP_CLUSTERLIMIT_H

#include <stdint.h>

struct clusterlimit;

/* Connects to the job store url (postgresql://...), makes the row of
 * name (both bounded: a few seconds) and starts the limit's thread.
 * Returns 0, or -1 with *cause (caller frees). */
int clusterlimit_open(const char *url, const char *name, struct clusterlimit **out,
    char **cause);
/* Ends the thread, waiting at most a second for a statement under way;
 * one that does not end is left to the process's exit. cl may be NULL. */
void clusterlimit_close(struct clusterlimit *cl);

/* May a request go at now under a cluster rate of rate_per_min (> 0)?
 * 0: yes, once the other limits agree (then clusterlimit_spend); > 0: the
 * ns to wait. Never waits itself: when no place is booked it asks the
 * thread for a slice and answers a short wait (tens of ms). When the
 * database holds everything (a Retry-After), *hold_until gets the local
 * time it ends, else 0. */
int64_t clusterlimit_due(struct clusterlimit *cl, double rate_per_min, int64_t now,
    int64_t *hold_until);
void clusterlimit_spend(struct clusterlimit *cl);

/* Holds every host until `until` (local monotonic ns; later holds win).
 * Written by the thread: returns at once. */
void clusterlimit_hold(struct clusterlimit *cl, int64_t until, int64_t now);

#endif
