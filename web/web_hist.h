/* The progress history of one app for its chart: done, failed and rate,
 * one point per WEB_HIST_STEP_MS, for the last hour, in a fixed ring (the
 * helper's memory per app is bounded). Pure. */
#ifndef PSUP_WEB_HIST_H
#define PSUP_WEB_HIST_H
#include <stdint.h>
#include "buf.h"

#define WEB_HIST_STEP_MS 5000
#define WEB_HIST_SPAN_MS (3600 * 1000)
#define WEB_HIST_N (WEB_HIST_SPAN_MS / WEB_HIST_STEP_MS)

struct hist_pt {
	int64_t at;             /* real time, ms since the epoch */
	double done, failed, total;
	double rate;            /* items/s; negative when unknown */
};

struct hist {
	int head, n;            /* next slot, points held */
	struct hist_pt pts[WEB_HIST_N];
};

/* Records p when WEB_HIST_STEP_MS passed since the last point (or a first
 * point, or the clock went back). Returns 1 when p was kept. */
int hist_add(struct hist *h, const struct hist_pt *p);
/* The points newer than now - WEB_HIST_SPAN_MS, oldest first, as
 * {"step_ms":..,"t":[..],"done":[..],"failed":[..],"total":[..],"rate":[..]}
 * (a rate unknown is null). */
void hist_json(const struct hist *h, int64_t now, struct buf *b);
/* Point i (0 = oldest held). */
const struct hist_pt *hist_at(const struct hist *h, int i);
#endif
