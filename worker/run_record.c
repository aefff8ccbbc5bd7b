/* Committing outcomes and reporting progress (see run_record.h). Results
 * are committed in batches: every write transaction takes the job's one
 * write lock, which all workers on the job share, so fewer and larger ones
 * scale better. An item counts as done only once its result is committed. */
#include "run_record.h"
#include "run_state.h"

#include <stdlib.h>

#include "clock.h"
#include "cmd.h"
#include "learned.h"
#include "xalloc.h"

/* At most this many outcomes per commit, or the ones of FLUSH_DELAY. */
#define FLUSH_MAX 2000
#define FLUSH_DELAY (50 * MS)
/* After a failed commit, try again this much later; give up after
 * FLUSH_TRIES in a row. */
#define FLUSH_RETRY (1000 * MS)
#define FLUSH_TRIES 10
/* How often the job-wide counts are re-read for progress. */
#define COUNTS_EVERY (1000 * MS)

int run_record_flush(struct run *r)
{
	if (r->n_fin == 0)
		return 0;
	struct store_result *res = xcalloc((size_t)r->n_fin, sizeof *res);
	for (int i = 0; i < r->n_fin; i++) {
		struct work *w = r->fin[i];
		res[i].id = w->it.id;
		res[i].ok = w->ok;
		res[i].attempts = w->it.attempts + w->attempts;
		res[i].http_status = (int)w->status;
		res[i].latency_ms = w->latency_ms;
		res[i].result = w->result;
		res[i].error = w->error;
		res[i].tokens = w->tokens;
	}
	int stale = 0;
	char *cause = NULL;
	int rc = store_finish(r->store, r->owner, res, r->n_fin, &stale, &cause);
	free(res);
	if (rc < 0) {
		r->flush_failures++;
		run_log(r, "cannot record %d results (try %d): %s", r->n_fin, r->flush_failures, cause);
		free(cause);
		return -1;
	}
	r->flush_failures = 0;
	if (stale > 0) {
		r->n_stale += stale;
		run_log(r, "%d results not recorded: their leases had expired and another worker took them", stale);
	}
	/* Committed: only now do they count. */
	for (int i = 0; i < r->n_fin; i++) {
		struct work *w = r->fin[i];
		if (w->ok) {
			r->n_ok++;
			r->ok_since++;
		} else {
			r->n_failed++;
			r->failed_since++;
		}
		run_work_free(w);
	}
	r->n_fin = 0;
	return 0;
}

void run_record_flush_timer_cb(void *arg)
{
	struct run *r = arg;
	int was_failing = r->flush_failures > 0;
	if (run_record_flush(r) < 0) {
		if (r->flush_failures >= FLUSH_TRIES) {
			run_log(r, "giving up after %d failed commits; the items will be redone after their leases expire",
			    r->flush_failures);
			r->exit_code = CMD_RUNTIME;
			r->finished = 1;
			return;
		}
		deadline_arm(&r->flush_timer, clock_mono_ns() + FLUSH_RETRY);
		return;
	}
	run_record_progress(r, 0);
	if (was_failing)
		run_pump(r); /* sending paused while commits failed */
	else
		run_maybe_done(r);
}

void run_record_finish(struct run *r, struct work *w)
{
	if (r->n_fin == r->cap_fin) {
		r->cap_fin = r->cap_fin ? r->cap_fin * 2 : 256;
		r->fin = xreallocarray(r->fin, (size_t)r->cap_fin, sizeof *r->fin);
	}
	r->fin[r->n_fin++] = w;
	if (r->n_fin >= FLUSH_MAX && r->flush_failures == 0) {
		if (run_record_flush(r) < 0)
			deadline_arm(&r->flush_timer, clock_mono_ns() + FLUSH_RETRY);
		else
			run_record_progress(r, 0);
	} else if (deadline_at(&r->flush_timer) == 0) {
		deadline_arm(&r->flush_timer, clock_mono_ns() + FLUSH_DELAY);
	}
}

void run_record_fail(struct run *r, struct work *w, long status, const char *why)
{
	w->ok = 0;
	w->status = status;
	free(w->error);
	w->error = xstrdup(why);
	run_record_finish(r, w);
}

int run_record_counts(struct run *r)
{
	char *cause = NULL;
	if (store_counts(r->store, &r->counts, &cause) < 0) {
		run_log(r, "cannot count items: %s", cause);
		free(cause);
		return -1;
	}
	r->counts_at = clock_mono_ns();
	r->ok_since = r->failed_since = 0;
	return 0;
}

/* The limits learned, for `psup-worker status`: every few seconds and at
 * the end. A failed write costs only that report. */
#define LEARNED_EVERY (5000 * MS)
static void learned_report(struct run *r, const struct pacer_view *pv, int64_t now, int force)
{
	if (!force && now - r->learned_at < LEARNED_EVERY)
		return;
	r->learned_at = now;
	struct learned l = {
		.rpm = pv->rpm, .user_rpm = r->jc.rpm, .api_rpm = pv->api_rpm,
		.tpm = pv->tpm, .api_tpm = pv->api_tpm, .at_ms = clock_real_ms(),
	};
	char *cause = NULL;
	if (learned_write(r->prog.job, &l, &cause) < 0) {
		run_log(r, "cannot report the learned limits: %s", cause);
		free(cause);
		r->learned_at = INT64_MAX / 2; /* said once */
	}
}

void run_record_progress(struct run *r, int force)
{
	int64_t now = clock_mono_ns();
	if (!force && now < progress_out_next(&r->prog))
		return;
	if (force || now - r->counts_at >= COUNTS_EVERY)
		run_record_counts(r);
	/* done counts every finished item, failed ones too: done == total
	 * means the job has nothing left. */
	struct progress_counts c = {
		.done = r->counts.done + r->counts.failed + r->ok_since + r->failed_since,
		.total = r->counts.total,
		.failed = r->counts.failed + r->failed_since,
		.inflight = engine_inflight(r->engine),
		.stats = &r->stats,
	};
	struct pacer_view pv;
	pacer_view(&r->pacer, now, &pv);
	c.rpm = pv.rpm;
	c.api_rpm = pv.api_rpm;
	progress_out_update(&r->prog, now, &c, force);
	learned_report(r, &pv, now, force);
}

void run_record_progress_timer_cb(void *arg)
{
	struct run *r = arg;
	run_record_progress(r, 0);
	deadline_arm(&r->progress_timer, clock_mono_ns() + r->prog.interval_ns);
}
