/* What users see of an app beyond its state (appview.c): app objects for
 * list and describe, and the progress samples behind their rate. */
#ifndef PSUP_APPVIEW_H
#define PSUP_APPVIEW_H

#include "daemon_core.h"

struct dapp;
struct jw;

/* Records a progress sample from the app's latest status. */
void appview_sample_progress(struct dapp *a);
/* Writes "apps": [app objects as PROTOCOL.md describes] into w; describe
 * adds config, exits, log sizes. */
void appview_list(struct daemon *d, struct dapp **apps, int n, int describe, struct jw *w);

#endif
