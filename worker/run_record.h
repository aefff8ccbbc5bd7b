/* Inside `psup-worker run`: final outcomes committed to the store in
 * batches, and the job's progress reported from the store's counts. */
#ifndef PSUP_RUN_RECORD_H
#define PSUP_RUN_RECORD_H

struct run;
struct work;

/* A result waits at most this long (ms) for others to share its commit. */
#define RUN_RECORD_FLUSH_DELAY_MS 50

/* Queues w's final outcome for commit (the run owns w from here on):
 * committed at once when a batch is full, else on the flush timer. */
void run_record_finish(struct run *r, struct work *w);
/* Fails w with status and why (copied), and queues it as above. */
void run_record_fail(struct run *r, struct work *w, long status, const char *why);
/* Notes an item's end for the guard on a run that fails every item
 * alike (failstreak.h): ok, or failed at once with HTTP status (0: no
 * answer; -1: no request could be made of it), why saying how. At the
 * streak's end the run stops, saying why. */
void run_record_streak(struct run *r, int ok, long status, const char *why);
/* Sends the next batch of queued outcomes to the store thread (one batch
 * out at a time). Its answer counts them, or keeps them for the next try
 * (a store away: on the link's backoff; a store error: logged, and too
 * many in a row end the run). */
void run_record_commit(struct run *r);
/* Commits every queued outcome now, with the store thread stopped (the
 * end of a run). Returns 0, or -1 (logged; they stay queued). */
int run_record_flush(struct run *r);
void run_record_flush_timer_cb(void *arg);

/* Re-reads the job-wide counts: from the store thread while it runs (the
 * answer updates them, then runs run_maybe_done when done_check is set),
 * else at once. Returns 0, or -1 (logged). */
int run_record_counts(struct run *r);
/* Reports progress when it is due, or now when force. */
void run_record_progress(struct run *r, int force);
void run_record_progress_timer_cb(void *arg);

#endif
