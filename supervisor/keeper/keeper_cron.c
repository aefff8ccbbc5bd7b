/* cron_restart: the next time the expression names is one timer on the
 * loop (no polling); when it fires the app restarts (or starts, when it had
 * exited), unless the user stopped it. */
#include "keeper.h"
#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void cron_cb(struct loop *l, uint64_t id, void *arg);

static void cron_timer_set(struct keeper *k)
{
	/* the wall clock says when; the loop's clock is monotonic */
	int64_t in_ms = (int64_t)k->cron_next * 1000 - clock_real_ms();
	k->cron_timer = loop_timer_at(k->loop, clock_mono_ms() + (in_ms > 0 ? in_ms : 0), cron_cb, k);
}

void keeper_cron_arm(struct keeper *k)
{
	if (k->cron_timer)
		loop_timer_del(k->loop, k->cron_timer);
	k->cron_timer = 0;
	k->cron_next = 0;
	if (!k->spec.cron_restart)
		return;
	char why[160];
	struct cron c;
	if (cron_parse(k->spec.cron_restart, &c, why, sizeof why) < 0) {
		keeper_warnx("%s: cron_restart: %s", k->spec.name, why);
		return;
	}
	time_t next = cron_next(&c, (time_t)(clock_real_ms() / 1000));
	if (next < 0)
		return;
	k->cron_next = next;
	cron_timer_set(k);
}

static void cron_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct keeper *k = arg;
	k->cron_timer = 0;
	/* early (the wall clock was set back): wait the rest */
	if (clock_real_ms() < (int64_t)k->cron_next * 1000) {
		cron_timer_set(k);
		return;
	}
	if (!k->user_stopped) {
		char msg[320];
		snprintf(msg, sizeof msg, "psup: cron_restart (%s): restarting %s",
		    k->spec.cron_restart, k->spec.name);
		logsink_message(&k->log, LOG_OUT, msg, clock_real_ms());
		keeper_event(k, PEV_RESTART);
	}
	keeper_cron_arm(k);
}
