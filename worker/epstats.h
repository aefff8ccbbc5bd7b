/* What each worker saw of each endpoint, for `psup-worker status`:
 * requests, answers by class, tokens, a latency histogram and the rate it
 * paces at. Every worker of a job with several endpoints writes its own
 * small JSON file beside the learned limits ($PSUP_HOME/limits/
 * job-HASH.ep.OWNERHASH.json), whole, every few seconds and at exit;
 * status merges them all (so a job's counts cover its earlier runs too).
 * The counting and merging are pure. */
#ifndef PSUP_EPSTATS_H
#define PSUP_EPSTATS_H

#include <stdint.h>

#include "latency.h"

struct epstats {
	char name[72];
	long long requests;      /* answered or not */
	long long ok, limited, server, other, failed; /* 2xx, 429, 5xx, other, no answer */
	long long tokens;
	struct latency lat;      /* of the answered requests */
	double rpm, api_rpm;     /* paced at, advertised by the API (0: none) */
	long long at_ms;         /* wall clock of the report */
};

/* Counts one request: status 0 when no answer came. */
void epstats_add(struct epstats *s, long status, int64_t latency_ms, long long tokens);
/* Adds from's counts into into (same name); the rates of the later report. */
void epstats_merge(struct epstats *into, const struct epstats *from);

/* Writes owner's n endpoints' stats for the job (job_key as progress_out's).
 * Returns 0, or -1 with *cause. */
int epstats_write(const char *job_key, const char *owner, const struct epstats *v, int n,
    char **cause);
/* Reads every worker's stats for the job, merged by name in name order:
 * *v malloc'd (free it), *n of them. Returns 0, or -1 with *cause. */
int epstats_read(const char *job_key, struct epstats **v, int *n, char **cause);

#endif
