/* `psup-worker run`'s loop (see run.h): one epoll loop; every wait is a
 * timer on the loop, and the job store's calls run on a thread of their
 * own (run_store.c). Claims and leases are in run_claim.c, requests and
 * answers in run_send.c, commits and progress in run_record.c. */
#include "run.h"
#include "run_claim.h"
#include "run_endpoint.h"
#include "run_record.h"
#include "run_request.h"
#include "run_send.h"
#include "run_state.h"
#include "run_store.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "fdfit.h"
#include "learned.h"
#include "owner.h"
#include "xalloc.h"

/* How long SIGTERM lets in-flight requests finish before releasing them:
 * well inside psup's (and pm2's) default kill_timeout of 1.6 s, so the
 * release is done before a SIGKILL could come. */
#define STOP_GRACE (1000 * MS)
/* How often an idle worker looks for released or expired items. */
#define IDLE_CHECK (500 * MS)
/* Results kept while the store is away: with this many waiting, nothing
 * new is sent (each answer is paid for; it must not be lost). */
#define KEEP_MAX 10000
/* Each store statement's bound on the server. */
#define STATEMENT_MS 60000

void run_log(struct run *r, const char *fmt, ...)
{
	va_list ap;
	progress_out_interrupt(&r->prog);
	fputs("psup-worker: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void run_work_free(struct work *w)
{
	if (!w)
		return;
	engine_request_reset(&w->req);
	free(w->it.id);
	free(w->it.json);
	free(w->body);
	free(w->result);
	free(w->error);
	free(w);
}

/* ---- sending what the limits allow ---- */

void run_pump(struct run *r)
{
	/* While the store refuses results (a full disk), send nothing new:
	 * each answer would be paid for, then lost with the rest if the store
	 * does not recover. A store away only keeps them, up to KEEP_MAX.
	 * Their commit's answer resumes. */
	if (r->stopping || r->finished || r->flush_failures > 0 || r->n_fin >= KEEP_MAX)
		return;
	int64_t now = clock_mono_ns();
	int limit = aimd_limit(&r->aimd);
	/* Claim ahead, so the answer comes while the queue lasts: a store
	 * over a network may be slow or away for a while, and even a file
	 * store answers only after the commit its thread may be in the middle
	 * of, by when a fast API has answered everything in flight. */
	if (!r->claim_exhausted && workq_peek(&r->q))
		run_claim(r, 1);
	while (engine_inflight(r->engine) < limit) {
		struct workq_node *n = workq_peek(&r->q);
		if (!n) {
			/* The claim's answer pumps again. */
			if (!r->claim_exhausted)
				run_claim(r, 0);
			break;
		}
		struct work *w = (struct work *)n;
		char *why = NULL;
		int64_t wait = 0;
		int got = run_endpoint_pick(r, w, now, &wait, &why);
		if (got == RUN_EP_BAD) {
			/* Off the queue before failing it: a commit may free it. */
			workq_pop(&r->q);
			run_log(r, "item %s: %s", w->it.id, why);
			run_record_streak(r, 0, -1, why);
			run_record_fail(r, w, 0, why);
			free(why);
			if (r->stopping)
				break;   /* every item alike: the guard stopped the run */
			continue;
		}
		if (got == RUN_EP_WAIT) {
			int64_t at = now + wait;
			int64_t armed = deadline_at(&r->pace_timer);
			if (wait > 0 && (armed == 0 || armed > at))
				deadline_arm(&r->pace_timer, at);
			break;
		}
		workq_pop(&r->q);
		run_send(r, w);
	}
	run_maybe_done(r);
}

static void pace_timer_cb(void *arg)
{
	run_pump(arg);
}

static void retry_timer_cb(void *arg)
{
	struct run *r = arg;
	int64_t now = clock_mono_ns();
	struct workq_node *n;
	/* Due retries go first: their items have waited longest. */
	while ((n = workq_wait_peek(&r->q)) && n->due <= now)
		workq_push_front(&r->q, workq_wait_pop(&r->q));
	if (n)
		deadline_arm(&r->retry_timer, n->due);
	run_pump(r);
}

void run_schedule_retry(struct run *r, struct work *w, int64_t due)
{
	workq_wait(&r->q, &w->node, due);
	struct workq_node *top = workq_wait_peek(&r->q);
	int64_t armed = deadline_at(&r->retry_timer);
	if (armed == 0 || armed > top->due)
		deadline_arm(&r->retry_timer, top->due);
}

/* ---- the end ---- */

/* Leaves when nothing is left here and the store has nothing pending or
 * leased; while others still hold leases, the idle timer keeps checking.
 * The counts are asked of the store thread, whose answer (done_check)
 * calls here again. */
void run_maybe_done(struct run *r)
{
	if (r->stopping || r->finished || !r->claim_exhausted || r->claiming)
		return;
	if (engine_inflight(r->engine) > 0 || workq_peek(&r->q) || workq_wait_peek(&r->q))
		return;
	if (r->n_fin > 0) {
		/* Nothing else is coming to share their commit: waiting out the
		 * batching delay would only hold up the end. A store away or
		 * failing is tried on its own timer. */
		if (r->flush_failures == 0 && !r->link.away)
			run_record_commit(r);
		return;
	}
	if (r->phantoms) {
		run_claim_release_phantoms(r);
		return;
	}
	int64_t now = clock_mono_ns();
	if (r->counts_at < now - IDLE_CHECK || r->counts_at < r->dry_at ||
	    r->ok_since + r->failed_since > 0) {
		/* Not fresh (older than the claim that found nothing): ask,
		 * and decide on the answer. */
		r->done_check = 1;
		if (run_record_counts(r) < 0) {
			r->done_check = 0;
			deadline_arm(&r->idle_timer, now + IDLE_CHECK);
			return;
		}
		if (r->counting)
			return;
	}
	if (r->counts.pending == 0 && r->counts.leased == 0) {
		r->finished = 1;
		return;
	}
	if (deadline_at(&r->idle_timer) == 0)
		deadline_arm(&r->idle_timer, now + IDLE_CHECK);
}

static void idle_timer_cb(void *arg)
{
	struct run *r = arg;
	/* Items may have come back: released by a stopped worker, or leases
	 * of a killed one expired. */
	r->claim_exhausted = 0;
	run_pump(r);
}

static void stop_timer_cb(void *arg)
{
	struct run *r = arg;
	r->finished = 1;
}

static void queue_free(struct run *r)
{
	struct workq_node *n;
	while ((n = workq_pop(&r->q)))
		run_work_free((struct work *)n);
	while ((n = workq_wait_pop(&r->q)))
		run_work_free((struct work *)n);
}

/* Frees every item the run still holds, queued or with an outcome not
 * committed (the store failed or was away): redone once their leases run
 * out. */
static void works_free(struct run *r)
{
	queue_free(r);
	workq_free(&r->q);
	for (int i = 0; i < r->n_fin; i++)
		run_work_free(r->fin[i]);
	free(r->fin);
	r->fin = NULL;
	r->n_fin = r->cap_fin = 0;
}

void run_stop(struct run *r, const char *why)
{
	if (r->stopping) {
		run_log(r, "%s again: stopping now", why);
		deadline_arm(&r->stop_timer, clock_mono_ns());
		return;
	}
	r->stopping = 1;
	int n = engine_inflight(r->engine);
	run_log(r, "%s: finishing %d requests in flight, releasing the rest", why, n);
	/* Items not yet sent go back at once; the release at exit makes it so
	 * in the store. */
	queue_free(r);
	deadline_arm(&r->pace_timer, 0);
	deadline_arm(&r->retry_timer, 0);
	deadline_arm(&r->idle_timer, 0);
	/* The store's calls out get the grace time too: left to finish
	 * on the loop, they are not cut short at exit. */
	deadline_arm(&r->stop_timer, clock_mono_ns() + (n || storeq_pending(r->sq) ? STOP_GRACE : 0));
}

void run_halt(struct run *r, const char *why, const char *halt)
{
	if (!r->halt)
		r->halt = xstrdup(halt);
	run_stop(r, why);
}

static void signal_cb(struct loop *l, int signo, void *arg)
{
	(void)l;
	struct run *r = arg;
	run_stop(r, signo == SIGINT ? "SIGINT" : "SIGTERM");
}

/* ---- setup and teardown ---- */

/* Thousands of requests in flight need thousands of sockets: raise the
 * soft fd limit to the hard one, and where that is still short, keep fewer
 * in flight than asked (fdfit.h) and say so. Before the engine and the
 * pacing are made: both are sized by the concurrency. */
static void fd_limit_fit(struct run *r)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	long long limit = rl.rlim_cur == RLIM_INFINITY ? -1 : (long long)rl.rlim_cur;
	int fit = fdfit_concurrency(r->jc.concurrency, limit);
	if (fit < r->jc.concurrency) {
		run_log(r, "concurrency %d lowered to %d: the file descriptor limit is %lld "
		    "(ulimit -n), and each request in flight holds one", r->jc.concurrency, fit, limit);
		r->jc.concurrency = fit;
	}
}

static int loop_prepare(struct run *r, char **cause)
{
	r->loop = loop_create(cause);
	if (!r->loop)
		return -1;
	struct { struct deadline *t; deadline_cb *cb; } timers[] = {
		{ &r->pace_timer, pace_timer_cb },
		{ &r->retry_timer, retry_timer_cb },
		{ &r->lease_timer, run_claim_lease_timer_cb },
		{ &r->flush_timer, run_record_flush_timer_cb },
		{ &r->idle_timer, idle_timer_cb },
		{ &r->progress_timer, run_record_progress_timer_cb },
		{ &r->stop_timer, stop_timer_cb },
		{ &r->store_timer, run_store_timer_cb },
	};
	for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++)
		deadline_init(timers[i].t, r->loop, timers[i].cb, r);
	/* Already blocked by the caller: one that came meanwhile is read now. */
	if (loop_signal(r->loop, SIGTERM, signal_cb, r, cause) < 0 ||
	    loop_signal(r->loop, SIGINT, signal_cb, r, cause) < 0)
		return -1;
	return engine_create(r->loop, r->jc.concurrency, run_send_done_cb, r, &r->engine, cause);
}

static void run_teardown(struct run *r)
{
	if (r->engine)
		run_send_abort_all(r);
	works_free(r);
	engine_free(r->engine);
	/* The deadlines' timers and the signalfd go with the loop. */
	loop_free(r->loop);
	run_endpoints_close(r);
	/* A store thread that never came back still uses it: left to exit. */
	if (!r->store_stuck)
		store_close(r->store);
	jobfile_free(&r->jc);
	free(r->owner);
	free(r->halt);
}

static void summary(struct run *r)
{
	double wall = (double)(clock_mono_ns() - r->start_ns) / 1e9;
	run_log(r, "%.*s: ok %lld, failed %lld, requests %lld, retries %lld, 429s %lld, connections %lld%s, wall %.1fs (%.1f/s)",
	    (int)owner_name_len(r->owner), r->owner, r->n_ok, r->n_failed, r->n_requests, r->n_retries, r->n_429,
	    r->engine ? engine_connections(r->engine) : 0,
	    r->n_stale ? ", stale results dropped" : "", wall,
	    wall > 0 ? (double)(r->n_ok + r->n_failed) / wall : 0.0);
}

/* Sets r up from the job file; prints what fails. Returns a CMD_* code. */
static int run_setup(struct run *r, const char *url, const char *config,
    const struct store_filter *where)
{
	char *cause = NULL;
	int code = run_endpoints_open(r, url, config);
	if (code != CMD_OK)
		return code;
	fd_limit_fit(r);
	if (loop_prepare(r, &cause) < 0 || store_open_existing(url, &r->store, &cause) < 0) {
		fprintf(stderr, "psup-worker: %s\n", cause);
		free(cause);
		return CMD_RUNTIME;
	}
	store_where(r->store, where);
	aimd_init(&r->aimd, r->jc.concurrency, 1000 * MS);
	signal(SIGPIPE, SIG_IGN);
	/* Leases of an earlier run of ours on this host that died: take them
	 * back now instead of waiting for them to expire. */
	run_claim_release_predecessors(r);
	if (run_record_counts(r) < 0)
		return CMD_RUNTIME;
	/* From here the store is the thread's: no call may block the loop. */
	if (store_bound(r->store, STATEMENT_MS, &cause) < 0 || run_store_start(r, &cause) < 0) {
		run_log(r, "%s", cause);
		free(cause);
		return CMD_RUNTIME;
	}
	return CMD_OK;
}

static void run_loop(struct run *r)
{
	deadline_arm(&r->lease_timer, clock_mono_ns() + r->jc.lease_ms * MS / 3);
	deadline_arm(&r->progress_timer, clock_mono_ns());
	run_pump(r);
	while (!r->finished) {
		if (loop_once(r->loop, -1) < 0) {
			run_log(r, "epoll_wait: %s", strerror(errno));
			r->exit_code = CMD_RUNTIME;
			break;
		}
		if (r->stopping && !r->finished && engine_inflight(r->engine) == 0 &&
		    storeq_pending(r->sq) == 0 && deadline_at(&r->stop_timer) > clock_mono_ns())
			deadline_arm(&r->stop_timer, clock_mono_ns());
	}
	if (engine_inflight(r->engine) > 0) {
		if (r->stopping)
			run_log(r, "%d requests still in flight after the grace time: released",
			    engine_inflight(r->engine));
		run_send_abort_all(r);
	}
	if (run_store_stop(r) < 0) {
		r->exit_code = CMD_RUNTIME;
	} else {
		if (run_record_flush(r) < 0)
			r->exit_code = CMD_RUNTIME;
		if (r->stopping || r->exit_code != CMD_OK)
			run_claim_release_all(r);
	}
	run_record_progress(r, 1);
	progress_out_finish(&r->prog);
	summary(r);
}

int run_job(const char *url, const char *config, struct job_config *jc, const char *owner,
    const struct store_filter *where)
{
	struct run run, *r = &run;
	memset(r, 0, sizeof *r);
	r->start_ns = clock_mono_ns();
	r->rng = (uint64_t)clock_mono_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	if (r->rng == 0)
		r->rng = 1;
	workq_init(&r->q);
	progress_out_init(&r->prog);
	progress_out_set_job(&r->prog, url);
	r->jc = *jc;
	memset(jc, 0, sizeof *jc);
	r->owner = xstrdup(owner);
	r->policy = (struct outcome_policy){
		.max_attempts = r->jc.max_attempts,
		.base_delay_ms = r->jc.base_delay_ms,
		.max_delay_ms = r->jc.max_delay_ms,
		.extract = r->jc.extract,
		.usage = { r->jc.usage, r->jc.input_usage, r->jc.output_usage },
		.json = r->jc.json_result,
		.require = r->jc.require,
	};
	int code = run_setup(r, url, config, where);
	if (code == CMD_OK) {
		run_loop(r);
		code = r->exit_code;
	}
	run_teardown(r);
	return code;
}
