/* The small per-job files the workers write beside the shared limits
 * ($PSUP_HOME/limits/job-HASH...) for `psup-worker status`: their paths,
 * and writing one whole as JSON. */
#ifndef PSUP_JOBREPORT_H
#define PSUP_JOBREPORT_H

#include <cjson/cJSON.h>

/* "HASH" of the job key "job:HASH" (progress_out_job_key's). */
const char *jobreport_hash(const char *job_key);
/* "$dir/job-HASH" then suffix, malloc'd; NULL with *cause. */
char *jobreport_path(const char *job_key, const char *suffix, char **cause);
/* Writes o (deleted here) to path atomically, mode 0600. Returns 0, or -1
 * with *cause. */
int jobreport_write_json(const char *path, cJSON *o, char **cause);

#endif
