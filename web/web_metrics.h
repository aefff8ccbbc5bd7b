/* GET /metrics: the apps (from the daemon's last list), the daemon and
 * keeper counts, the jobs and psup web's own counters, in the Prometheus
 * text format. */
#ifndef PSUP_WEB_METRICS_H
#define PSUP_WEB_METRICS_H
#include "buf.h"

struct web;

void metrics_write(const struct web *w, struct buf *b);
#endif
