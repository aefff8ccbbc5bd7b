/* A run whose answers so far are all the same permanent failure (a 400
 * for a body the API cannot take, a 404 for a model it does not have) is
 * most likely wrong about every item: stopping it after a few keeps the
 * rest of the job from failing the same way in seconds. One success, or
 * another kind of answer, and the run is what it seems. Pure. */
#ifndef PSUP_FAILSTREAK_H
#define PSUP_FAILSTREAK_H

/* Failures alike in a row, from a run's start, that stop it. */
#define FAILSTREAK_STOP 10

struct failstreak {
	int n;                   /* alike failures in a row so far */
	long status;             /* their HTTP status (0: a transfer error) */
	int over;                /* an item succeeded, or failed otherwise: no
	                          * longer watched */
};

/* Notes an item's end: ok, or failed at once (not after its attempts ran
 * out) with HTTP status (0 when no answer came). Returns 1 once the run's
 * first FAILSTREAK_STOP ends are all failures of one status. */
int failstreak_note(struct failstreak *f, int ok, long status);

#endif
