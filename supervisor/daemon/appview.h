/* What users see of an app beyond its state (appview.c): app objects for
 * list and describe, and the progress samples behind their rate. */
#ifndef PSUP_APPVIEW_H
#define PSUP_APPVIEW_H

#include "daemon_core.h"

struct dapp;
struct jw;

/* Records a progress sample from the app's latest status. */
void appview_sample_progress(struct dapp *a);
/* What an app object holds beyond the list's own keys. */
enum {
	APPVIEW_DESCRIBE = 1 << 0,  /* config, exits, log sizes */
	APPVIEW_PM2 = 1 << 1,       /* pm2's jlist keys: pm_id, monit, pm2_env */
};
/* Writes "apps": [app objects as PROTOCOL.md describes] into w; flags:
 * APPVIEW_*. */
void appview_list(struct daemon *d, struct dapp **apps, int n, unsigned flags, struct jw *w);

#endif
