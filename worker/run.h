/* `psup-worker run`'s engine: claims items from the job store, renders each
 * into a request, paces it through the limiter, sends it, retries with
 * backoff, and commits outcomes in batches, until none is left. */
#ifndef PSUP_RUN_H
#define PSUP_RUN_H

struct job_config;
struct store_filter;

/* Runs the job in the store at url as *jc says, leasing under owner, until
 * the store has no pending or leased item left or a SIGTERM/SIGINT (which
 * the caller has blocked) stops it. Takes *jc (frees it and zeroes it).
 * config names the job file in messages. Returns a CMD_* exit code: OK,
 * RUNTIME (the store or the loop failed), USAGE (the job file's request
 * cannot be built: an unset variable, a bad template). where (NULL: every
 * item) limits the run to a subset (store_where): it claims only those,
 * and ends when they are finished. */
int run_job(const char *url, const char *config, struct job_config *jc, const char *owner,
    const struct store_filter *where);

#endif
