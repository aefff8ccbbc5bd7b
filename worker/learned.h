/* What the workers of a job learned of the API's limits, for `psup-worker
 * status`: one small JSON file per job beside the shared limits
 * ($PSUP_HOME/limits/job-HASH.json, HASH as in progress reports), rewritten
 * whole by the running workers every few seconds. */
#ifndef PSUP_LEARNED_H
#define PSUP_LEARNED_H

struct learned {
	double rpm;              /* paced at, 0 = unlimited */
	double user_rpm;         /* as the job file sets it, 0 = unset */
	double api_rpm;          /* what the API advertises, 0 = unknown */
	double tpm, api_tpm;
	long long at_ms;         /* wall clock of the report */
};

/* The shared limit a job's workers use when its job file names none
 * ("job-HASH" for "job:HASH"): they call one API for one job, and each
 * learning the API's whole limit for itself would over-send. */
void learned_limit_name(const char *job_key, char out[40]);

/* job_key is progress_out_job_key's. Returns 0, or -1 with *cause. */
int learned_write(const char *job_key, const struct learned *l, char **cause);
/* Returns 1 with *l, 0 when no worker reported, -1 with *cause. */
int learned_read(const char *job_key, struct learned *l, char **cause);

#endif
