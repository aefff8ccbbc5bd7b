/* Committing outcomes and reporting progress (see run_record.h). Results
 * are committed in batches: every write transaction takes the job's one
 * write lock, which all workers on the job share, so fewer and larger ones
 * scale better. An item counts as done only once its result is committed. */
#include "run_budget.h"
#include "run_claim.h"
#include "run_endpoint.h"
#include "run_record.h"
#include "run_state.h"
#include "run_store.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd.h"
#include "learned.h"
#include "note.h"
#include "xalloc.h"

/* At most this many outcomes per commit, or the ones of FLUSH_DELAY. */
#define FLUSH_MAX 2000
#define FLUSH_DELAY (RUN_RECORD_FLUSH_DELAY_MS * MS)
/* After a commit the store refused, try again this much later; give up
 * after FLUSH_TRIES in a row. (A store away is tried again on the link's
 * backoff, for as long as it stays away.) */
#define FLUSH_RETRY (1000 * MS)
#define FLUSH_TRIES 10
/* How often the job-wide counts are re-read, for claims and progress;
 * and at most a COUNTS_SHARE-th of the store's time: the counts of a
 * subset by a JSON field are read from every item (half a second for
 * 500,000 on SQLite), the others from counters. */
#define COUNTS_EVERY (1000 * MS)
#define COUNTS_SHARE 20

static int64_t counts_every(const struct run *r)
{
	int64_t share = r->counts_cost * COUNTS_SHARE;
	return share > COUNTS_EVERY ? share : COUNTS_EVERY;
}

/* The first n queued outcomes as store results (malloc'd; the strings
 * are the works'). */
static struct store_result *results_of(struct run *r, int n)
{
	struct store_result *res = xcalloc((size_t)n, sizeof *res);
	for (int i = 0; i < n; i++) {
		struct work *w = r->fin[i];
		res[i].id = w->it.id;
		res[i].seq = w->it.seq;
		res[i].ok = w->ok;
		res[i].attempts = w->it.attempts + w->attempts;
		res[i].http_status = (int)w->status;
		res[i].latency_ms = w->latency_ms;
		res[i].result = w->result;
		res[i].error = w->error;
		res[i].tokens = w->tokens;
		res[i].endpoint = r->ep[w->ep].cfg->name;
		res[i].cost = w->spend;
	}
	return res;
}

/* The first n queued outcomes are committed: only now do they count. */
static void committed(struct run *r, int n, int stale)
{
	r->flush_failures = 0;
	if (stale > 0) {
		r->n_stale += stale;
		run_log(r, "%d results not recorded: their items were finished already", stale);
	}
	for (int i = 0; i < n; i++) {
		struct work *w = r->fin[i];
		run_budget_committed(r, w);
		if (w->ok) {
			r->n_ok++;
			r->ok_since++;
		} else {
			r->n_failed++;
			r->failed_since++;
		}
		run_work_free(w);
	}
	memmove(r->fin, r->fin + n, (size_t)(r->n_fin - n) * sizeof *r->fin);
	r->n_fin -= n;
}

static void flush_failed(struct run *r, int n, const char *cause)
{
	r->flush_failures++;
	run_log(r, "cannot record %d results (try %d): %s", n, r->flush_failures, cause);
}

int run_record_flush(struct run *r)
{
	if (r->n_fin == 0)
		return 0;
	struct store_result *res = results_of(r, r->n_fin);
	int stale = 0;
	char *cause = NULL;
	int rc = store_finish(r->store, r->owner, res, r->n_fin, &stale, &cause);
	free(res);
	if (rc < 0) {
		flush_failed(r, r->n_fin, cause);
		free(cause);
		return -1;
	}
	committed(r, r->n_fin, stale);
	return 0;
}

static void commit_done_cb(struct storeq_call *c, void *arg)
{
	struct run *r = arg;
	int n = r->n_commit;
	int64_t retry_at = 0;
	if (c->dropped) {
		r->n_commit = 0;
		storeq_call_free(c);
		return;
	}
	/* Still committing while the answer is read: a store back asks for
	 * a commit, which must not send this batch again. */
	enum run_store_answer a = run_store_answer(r, c, &retry_at);
	r->n_commit = 0;
	switch (a) {
	case RUN_STORE_OK:
		committed(r, n, c->stale);
		run_record_progress(r, 0);
		if (r->n_fin > 0)
			run_record_commit(r);
		break;
	case RUN_STORE_AWAY:
		deadline_arm(&r->flush_timer, retry_at);
		break;
	case RUN_STORE_FAILED:
		flush_failed(r, n, c->cause);
		if (r->flush_failures >= FLUSH_TRIES) {
			run_log(r, "giving up after %d failed commits; the items will be redone after their leases expire",
			    r->flush_failures);
			r->exit_code = CMD_RUNTIME;
			r->finished = 1;
		} else {
			deadline_arm(&r->flush_timer, clock_mono_ns() + FLUSH_RETRY);
		}
		break;
	}
	storeq_call_free(c);
	/* Sending may have paused while commits failed or the buffer was full. */
	run_pump(r);
}

void run_record_commit(struct run *r)
{
	if (r->n_commit > 0 || r->n_fin == 0)
		return;
	int n = r->n_fin < FLUSH_MAX ? r->n_fin : FLUSH_MAX;
	struct storeq_call *c = storeq_call_new(STOREQ_FINISH, commit_done_cb, r);
	c->res = results_of(r, n);
	c->n_res = n;
	if (run_store_send(r, c) < 0) {
		deadline_arm(&r->flush_timer, clock_mono_ns() + FLUSH_DELAY);
		return;
	}
	r->n_commit = n;
	deadline_arm(&r->flush_timer, 0);
}

void run_record_flush_timer_cb(void *arg)
{
	run_record_commit(arg);
}

void run_record_streak(struct run *r, int ok, long status, const char *why)
{
	if (!failstreak_note(&r->streak, ok, status) || r->stopping)
		return;
	r->exit_code = CMD_RUNTIME;
	char *msg = xasprintf("the run's first %d items all failed alike (%s); stopping the job "
	    "rather than failing every item (check the job file; `psup-worker retry` brings "
	    "them back)", FAILSTREAK_STOP, why ? why : "failed");
	char *halt = xasprintf("the first %d items all failed alike (%.100s): check the job file, "
	    "psup-worker retry, then restart", FAILSTREAK_STOP, why ? why : "failed");
	run_halt(r, msg, halt);
	free(halt);
	free(msg);
}

void run_record_finish(struct run *r, struct work *w)
{
	if (r->n_fin == r->cap_fin) {
		r->cap_fin = r->cap_fin ? r->cap_fin * 2 : 256;
		r->fin = xreallocarray(r->fin, (size_t)r->cap_fin, sizeof *r->fin);
	}
	r->fin[r->n_fin++] = w;
	/* A store away or failing is tried on its own timer, not per answer. */
	if (r->n_fin - r->n_commit >= FLUSH_MAX && r->flush_failures == 0 && !r->link.away)
		run_record_commit(r);
	else if (deadline_at(&r->flush_timer) == 0)
		deadline_arm(&r->flush_timer, clock_mono_ns() + FLUSH_DELAY);
}

void run_record_fail(struct run *r, struct work *w, long status, const char *why)
{
	w->ok = 0;
	w->status = status;
	free(w->error);
	w->error = xstrdup(why);
	run_record_finish(r, w);
}

static void counts_done_cb(struct storeq_call *c, void *arg)
{
	struct run *r = arg;
	int64_t retry_at = 0;
	enum run_store_answer a = RUN_STORE_FAILED;
	int dropped = c->dropped;
	r->counting = 0;
	if (!dropped) {
		a = run_store_answer(r, c, &retry_at);
		if (a == RUN_STORE_OK) {
			r->counts = c->counts;
			r->counts_at = clock_mono_ns();
			r->counts_cost = r->counts_at - r->counts_asked;
			r->ok_since = r->failed_since = 0;
			run_claim_give_back(r);
		} else if (a == RUN_STORE_FAILED) {
			run_log(r, "cannot count items: %s", c->cause);
		}
	}
	storeq_call_free(c);
	if (!r->done_check)
		return;
	r->done_check = 0;
	if (a == RUN_STORE_OK)
		run_maybe_done(r);
	else if (!dropped && deadline_at(&r->idle_timer) == 0)
		/* Ask again when idle, not at once. */
		deadline_arm(&r->idle_timer, retry_at ? retry_at : clock_mono_ns() + COUNTS_EVERY);
}

int run_record_counts(struct run *r)
{
	if (r->store_stuck)
		return -1;
	if (r->sq) {
		if (r->counting)
			return 0;
		struct storeq_call *c = storeq_call_new(STOREQ_COUNTS, counts_done_cb, r);
		if (run_store_send(r, c) < 0)
			return -1;
		r->counting = 1;
		r->counts_asked = clock_mono_ns();
		return 0;
	}
	char *cause = NULL;
	r->counts_asked = clock_mono_ns();
	if (store_counts(r->store, &r->counts, &cause) < 0) {
		run_log(r, "cannot count items: %s", cause);
		free(cause);
		return -1;
	}
	r->counts_at = clock_mono_ns();
	r->counts_cost = r->counts_at - r->counts_asked;
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
	/* The counts size each claim (this worker's share of what the job
	 * has left) as well as the line: read as often as counts_every()
	 * allows, however seldom the line is written (every 10 s to a
	 * file). Stale, each worker took the job's pace for its own and
	 * claimed seconds of it near the end while the others ran dry. */
	if (force || now - r->counts_at >= counts_every(r))
		run_record_counts(r);
	if (!force && now < progress_out_next(&r->prog))
		return;
	/* done counts every finished item, failed ones too: done == total
	 * means the job has nothing left. */
	struct progress_counts c = {
		.done = r->counts.done + r->counts.failed + r->ok_since + r->failed_since,
		.total = r->counts.total,
		.failed = r->counts.failed + r->failed_since,
		.inflight = engine_inflight(r->engine),
		.stats = &r->stats,
		.halt = r->halt,
	};
	struct note_facts nf = {
		.stopping = r->stopping,
		.inflight = c.inflight,
		.store_away_ns = r->link.away ? now - r->link.away_since : 0,
		.idle = r->claim_exhausted && c.inflight == 0 && !workq_peek(&r->q) &&
		    !workq_wait_peek(&r->q) && c.done < c.total,
	};
	run_endpoints_note(r, now, &nf);
	char note[PROGRESS_NOTE_MAX];
	note_pick(&nf, note, sizeof note);
	c.note = note;
	struct pacer_view pv;
	run_endpoints_view(r, now, &pv);
	c.rpm = pv.rpm;
	c.api_rpm = pv.api_rpm;
	progress_out_update(&r->prog, now, &c, force);
	learned_report(r, &pv, now, force);
}

void run_record_progress_timer_cb(void *arg)
{
	struct run *r = arg;
	run_record_progress(r, 0);
	int64_t every = r->prog.interval_ns < COUNTS_EVERY ? r->prog.interval_ns : COUNTS_EVERY;
	deadline_arm(&r->progress_timer, clock_mono_ns() + every);
}
