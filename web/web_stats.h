/* The request statistics psup-worker apps add to their progress reports
 * (progress.stats in the daemon's list: answers by status class, retries,
 * latency percentiles, tokens, cost), as Prometheus families per app and
 * summed per job for the job view. Pure: reads the list, writes buffers
 * and new cJSON objects. */
#ifndef PSUP_WEB_STATS_H
#define PSUP_WEB_STATS_H
#include <cjson/cJSON.h>
#include "buf.h"

/* The request families for every app of the list's "apps" array that
 * reports stats (none: nothing written). */
void stats_metrics(const cJSON *apps, struct buf *b);
/* A job's requests over its apps (app objects, NULL ones skipped):
 * counters summed, latency percentiles the slowest app's (percentiles do
 * not add up), the 429 share, cost in dollars, and each app's own numbers
 * under "apps". NULL when none of them reports stats; the caller frees. */
cJSON *stats_job(const cJSON *const *apps, int n);
/* The "stats" object of an app object, or NULL. */
const cJSON *stats_of(const cJSON *app);
#endif
