/* `psup-worker run`: claims items from the job store, renders each into a
 * request, paces it through the limiter, sends it with the engine, classifies
 * the response, retries with backoff, and commits outcomes in batches. One
 * thread, one epoll loop; every wait is a timer on the loop. */
#include "run.h"

#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "aimd.h"
#include "backoff.h"
#include "clock.h"
#include "deadline.h"
#include "engine.h"
#include "jobfile.h"
#include "jsonptr.h"
#include "loop.h"
#include "outcome.h"
#include "pacer.h"
#include "progress_out.h"
#include "retryafter.h"
#include "store.h"
#include "template.h"
#include "workq.h"
#include "xalloc.h"

#define MS 1000000LL
/* Results are committed in batches of at most this many, or after
 * FLUSH_DELAY: every write transaction takes the job's one write lock, which
 * all workers on the job share, so fewer and larger ones scale better. */
#define FLUSH_MAX 2000
#define FLUSH_DELAY (50 * MS)
/* Claims grow (up to 16 x batch, at most CLAIM_MAX) while a claim lasts
 * less than CLAIM_FAST, and shrink back when one lasts over CLAIM_SLOW. */
#define CLAIM_MAX 4096
#define CLAIM_FAST (250 * MS)
#define CLAIM_SLOW (1000 * MS)
/* How long SIGTERM lets in-flight requests finish before releasing them:
 * well inside psup's (and pm2's) default kill_timeout of 1.6 s, so the
 * release is done before a SIGKILL could come. */
#define STOP_GRACE (1000 * MS)
/* How often an idle worker looks for released or expired items. */
#define IDLE_CHECK (500 * MS)
/* How often the job-wide counts are re-read for progress. */
#define COUNTS_EVERY (1000 * MS)

/* One claimed item, from claim to commit. */
struct work {
	struct workq_node node;      /* first: a node pointer is a work pointer */
	struct store_item it;
	int attempts;                /* made in this run */
	char *body;                  /* rendered request body, NULL until rendered */
	size_t body_len;
	double cost;                 /* estimated tokens */
	struct http_request req;
	struct work *fl_prev, *fl_next; /* in the in-flight list while sent */
	/* the outcome, once final */
	int ok;
	long status;
	int64_t latency_ms;
	char *result, *error;
	long long tokens;
};

struct run {
	struct job_config jc;
	struct outcome_policy policy;  /* from jc */
	struct store *store;
	char *owner;
	struct template *body_tpl;
	char *url;
	struct curl_slist *headers;
	struct http_target target;

	struct loop *loop;
	struct engine *engine;
	struct pacer pacer;
	struct aimd aimd;
	uint64_t rng;
	struct progress_out prog;
	struct deadline pace_timer, retry_timer, lease_timer, flush_timer;
	struct deadline idle_timer, progress_timer, stop_timer;

	struct workq q;
	struct work *flight;         /* requests in flight (doubly linked) */
	struct work **fin;           /* final outcomes waiting for commit */
	int n_fin, cap_fin;
	int flush_failures;
	int claim_failures;          /* in a row; too many ends the run */

	int claim_exhausted;         /* the last claim found nothing */
	int claim_size;              /* items asked for per claim, >= jc.batch */
	int64_t claim_at;            /* when the last claim returned items */
	int stopping;                /* SIGTERM: finish in-flight, then leave */
	int finished;                /* leave the loop */
	int exit_code;

	/* counters for the summary */
	long long n_ok, n_failed, n_requests, n_retries, n_429, n_stale;
	int64_t start_ns;
	/* job-wide counts for progress: the last store reading plus our commits since */
	struct store_counts counts;
	int64_t counts_at;
	long long ok_since, failed_since;
};

static void pump(struct run *r);
static void maybe_done(struct run *r);

/* Log lines go to stderr; a terminal progress line is cleared first. */
static void logf_(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct run *r, const char *fmt, ...)
{
	va_list ap;
	progress_out_interrupt(&r->prog);
	fputs("psup-worker: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void work_free(struct work *w)
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

/* ---- committing outcomes ---- */

static void progress_tick(struct run *r, int force);

static int flush(struct run *r)
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
		logf_(r, "cannot record %d results (try %d): %s", r->n_fin, r->flush_failures, cause);
		free(cause);
		return -1;
	}
	r->flush_failures = 0;
	if (stale > 0) {
		r->n_stale += stale;
		logf_(r, "%d results not recorded: their leases had expired and another worker took them", stale);
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
		work_free(w);
	}
	r->n_fin = 0;
	return 0;
}

static void flush_timer_cb(void *arg)
{
	struct run *r = arg;
	if (flush(r) < 0) {
		if (r->flush_failures >= 10) {
			logf_(r, "giving up after %d failed commits; the items will be redone after their leases expire",
			    r->flush_failures);
			r->exit_code = 1;
			r->finished = 1;
			return;
		}
		deadline_arm(&r->flush_timer, clock_mono_ns() + 1000 * MS);
		return;
	}
	progress_tick(r, 0);
	maybe_done(r);
}

static void finish(struct run *r, struct work *w)
{
	if (r->n_fin == r->cap_fin) {
		r->cap_fin = r->cap_fin ? r->cap_fin * 2 : 256;
		r->fin = xreallocarray(r->fin, (size_t)r->cap_fin, sizeof *r->fin);
	}
	r->fin[r->n_fin++] = w;
	if (r->n_fin >= FLUSH_MAX && r->flush_failures == 0) {
		if (flush(r) < 0)
			deadline_arm(&r->flush_timer, clock_mono_ns() + 1000 * MS);
		else
			progress_tick(r, 0);
	} else if (deadline_at(&r->flush_timer) == 0) {
		deadline_arm(&r->flush_timer, clock_mono_ns() + FLUSH_DELAY);
	}
}

static void fail_item(struct run *r, struct work *w, long status, const char *why)
{
	w->ok = 0;
	w->status = status;
	free(w->error);
	w->error = xstrdup(why);
	finish(r, w);
}

/* ---- claiming and sending ---- */

static int claim(struct run *r)
{
	struct store_item *items = NULL;
	int n = 0;
	char *cause = NULL;
	int64_t now = clock_mono_ns();
	if (r->claim_at) {
		int cap = 16 * r->jc.batch < CLAIM_MAX ? 16 * r->jc.batch : CLAIM_MAX;
		if (cap < r->jc.batch)
			cap = r->jc.batch;
		if (now - r->claim_at < CLAIM_FAST && r->claim_size < cap)
			r->claim_size = 2 * r->claim_size < cap ? 2 * r->claim_size : cap;
		else if (now - r->claim_at > CLAIM_SLOW && r->claim_size > r->jc.batch)
			r->claim_size = r->claim_size / 2 > r->jc.batch ? r->claim_size / 2 : r->jc.batch;
	}
	if (store_claim(r->store, r->owner, r->claim_size, r->jc.lease_ms, &items, &n, &cause) < 0) {
		r->claim_failures++;
		logf_(r, "cannot claim items (try %d): %s", r->claim_failures, cause);
		free(cause);
		if (r->claim_failures >= 20) {
			logf_(r, "giving up: the job store keeps failing");
			r->exit_code = 1;
			r->finished = 1;
		}
		return -1;
	}
	r->claim_failures = 0;
	if (n > 0)
		r->claim_at = now;
	for (int i = 0; i < n; i++) {
		struct work *w = xcalloc(1, sizeof *w);
		w->it = items[i];
		w->node.heap_idx = -1;
		w->req.user = w;
		w->req.target = &r->target;
		workq_push(&r->q, &w->node);
	}
	/* The strings moved into the works; free only the array. */
	free(items);
	return n;
}

/* Renders w's body once (kept for its retries). Returns 0, or -1 with
 * *why (malloc'd) when the item cannot be rendered. */
static int render(struct run *r, struct work *w, char **why)
{
	if (w->body)
		return 0;
	if (!r->body_tpl) {
		w->cost = 1;
		return 0;
	}
	cJSON *item = cJSON_Parse(w->it.json);
	if (!item) {
		*why = xstrdup("the stored item is not valid JSON");
		return -1;
	}
	char *cause = NULL;
	int rc = template_render(r->body_tpl, item, &w->body, &w->body_len, &cause);
	cJSON_Delete(item);
	if (rc < 0) {
		*why = xasprintf("body template: %s", cause);
		free(cause);
		return -1;
	}
	/* About four bytes of text per token: good enough to pace tpm until
	 * the response's usage says the real count. */
	w->cost = (double)(w->body_len / 4 + 1);
	return 0;
}

static void send_work(struct run *r, struct work *w)
{
	char *cause = NULL;
	w->attempts++;
	w->req.body = w->body;
	w->req.body_len = w->body_len;
	if (engine_submit(r->engine, &w->req, &cause) < 0) {
		char *msg = xasprintf("cannot start the request: %s", cause);
		logf_(r, "item %s: attempt %d: %s", w->it.id, w->attempts, msg);
		fail_item(r, w, 0, msg);
		free(msg);
		free(cause);
		return;
	}
	r->n_requests++;
	w->fl_prev = NULL;
	w->fl_next = r->flight;
	if (r->flight)
		r->flight->fl_prev = w;
	r->flight = w;
}

static void flight_unlink(struct run *r, struct work *w)
{
	if (w->fl_prev)
		w->fl_prev->fl_next = w->fl_next;
	else
		r->flight = w->fl_next;
	if (w->fl_next)
		w->fl_next->fl_prev = w->fl_prev;
	w->fl_prev = w->fl_next = NULL;
}

static void pump(struct run *r)
{
	if (r->stopping || r->finished)
		return;
	int64_t now = clock_mono_ns();
	int limit = aimd_limit(&r->aimd);
	while (engine_inflight(r->engine) < limit) {
		struct workq_node *n = workq_peek(&r->q);
		if (!n) {
			if (r->claim_exhausted)
				break;
			int got = claim(r);
			if (got <= 0) {
				/* Nothing left to claim now (or the store failed):
				 * look again on the idle timer. */
				r->claim_exhausted = 1;
				if (deadline_at(&r->idle_timer) == 0)
					deadline_arm(&r->idle_timer, now + IDLE_CHECK);
				break;
			}
			continue;
		}
		struct work *w = (struct work *)n;
		char *why = NULL;
		if (render(r, w, &why) < 0) {
			/* Off the queue before failing it: a commit may free it. */
			workq_pop(&r->q);
			logf_(r, "item %s: %s", w->it.id, why);
			fail_item(r, w, 0, why);
			free(why);
			continue;
		}
		int64_t wait = pacer_take(&r->pacer, now, w->cost);
		if (wait > 0) {
			int64_t at = now + wait;
			int64_t armed = deadline_at(&r->pace_timer);
			if (armed == 0 || armed > at)
				deadline_arm(&r->pace_timer, at);
			break;
		}
		workq_pop(&r->q);
		send_work(r, w);
	}
	maybe_done(r);
}

static void pace_timer_cb(void *arg)
{
	pump(arg);
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
	pump(r);
}

static void schedule_retry(struct run *r, struct work *w, int64_t due)
{
	workq_wait(&r->q, &w->node, due);
	struct workq_node *top = workq_wait_peek(&r->q);
	int64_t armed = deadline_at(&r->retry_timer);
	if (armed == 0 || armed > top->due)
		deadline_arm(&r->retry_timer, top->due);
}

/* ---- responses ---- */

static void rate_headers(const struct http_request *req, struct ratelimit_headers *h)
{
	memset(h, 0, sizeof *h);
	h->retry_after = req->hdr[HDR_RETRY_AFTER];
	h->retry_after_ms = req->hdr[HDR_RETRY_AFTER_MS];
	h->ms_retry_after_ms = req->hdr[HDR_MS_RETRY_AFTER_MS];
	h->reset_requests = req->hdr[HDR_RESET_REQUESTS];
	h->reset_tokens = req->hdr[HDR_RESET_TOKENS];
	h->remaining_requests = req->hdr[HDR_REMAINING_REQUESTS];
	h->remaining_tokens = req->hdr[HDR_REMAINING_TOKENS];
	h->anthropic_reset[0] = req->hdr[HDR_ANTHROPIC_REQUESTS_RESET];
	h->anthropic_reset[1] = req->hdr[HDR_ANTHROPIC_TOKENS_RESET];
	h->anthropic_reset[2] = req->hdr[HDR_ANTHROPIC_INPUT_RESET];
	h->anthropic_reset[3] = req->hdr[HDR_ANTHROPIC_OUTPUT_RESET];
}

/* Applies AIMD's rate factor to the pacer when it moved by 1% or more
 * (re-deriving the GCRA parameters on every answer is not needed). */
static void rate_follow(struct run *r)
{
	double f = aimd_rate(&r->aimd), cur = r->pacer.factor;
	if (f != cur && (f >= 1 || f < cur * 0.99 || f > cur * 1.01))
		pacer_scale(&r->pacer, f);
}

/* Carries out what outcome_decide said for w's answer. */
static void done_cb(struct http_request *req, void *arg)
{
	struct run *r = arg;
	struct work *w = req->user;
	int64_t now = clock_mono_ns();
	flight_unlink(r, w);
	struct outcome_response resp = {
		.curl_code = req->curl_code,
		.curl_error = req->errbuf,
		.status = req->status,
		.body = req->resp.p,
		.body_len = req->resp.len,
		.real_ms = clock_real_ms(),
	};
	rate_headers(req, &resp.headers);
	struct outcome_attempt att = {
		.n = w->attempts,
		.stopping = r->stopping,
		.draw = backoff_rand(&r->rng),
	};
	struct outcome o;
	outcome_decide(&resp, &att, &r->policy, now, &o);
	w->status = req->status;
	w->latency_ms = req->latency_ms;

	if (o.hold_until) {
		/* Hold everyone (the shared limiter too). */
		if (o.hold_asked && pacer_hold_until(&r->pacer) <= now)
			logf_(r, "HTTP %ld: holding all requests for %lld ms, as the API asks",
			    req->status, (long long)((o.hold_until - now) / MS));
		pacer_hold(&r->pacer, o.hold_until);
	}
	if (o.rate_limited) {
		r->n_429++;
		if (aimd_on_limited(&r->aimd, now, o.hold_asked)) {
			rate_follow(r);
			if (r->jc.rpm > 0 || r->jc.tpm > 0)
				logf_(r, "repeated HTTP 429s: concurrency lowered to %d, rate to %.0f%% of the configured",
				    aimd_limit(&r->aimd), 100 * aimd_rate(&r->aimd));
			else
				logf_(r, "repeated HTTP 429s: concurrency lowered to %d", aimd_limit(&r->aimd));
		}
	}
	if (o.have_tokens && r->jc.tpm > 0)
		pacer_adjust(&r->pacer, now, (double)o.tokens - w->cost);
	engine_request_reset(req);

	switch (o.kind) {
	case OUTCOME_DONE:
		aimd_on_success(&r->aimd, now);
		rate_follow(r);
		w->ok = 1;
		w->result = o.result;
		w->tokens = o.have_tokens ? o.tokens : 0;
		o.result = NULL;
		finish(r, w);
		break;
	case OUTCOME_RETRY:
		r->n_retries++;
		logf_(r, "item %s: attempt %d/%d: %s; retrying in %lld ms", w->it.id,
		    w->attempts, r->jc.max_attempts, o.why, (long long)((o.retry_at - now) / MS));
		schedule_retry(r, w, o.retry_at);
		break;
	case OUTCOME_RELEASE:
		work_free(w);
		break;
	case OUTCOME_FAIL:
		logf_(r, "item %s: attempt %d/%d: %s; %s", w->it.id, w->attempts,
		    r->jc.max_attempts, o.why, o.exhausted ? "giving up" : "not retried");
		w->ok = 0;
		w->error = o.error;
		o.error = NULL;
		finish(r, w);
		break;
	}
	outcome_free(&o);
	if (r->stopping) {
		if (engine_inflight(r->engine) == 0)
			deadline_arm(&r->stop_timer, now);
		return;
	}
	pump(r);
}

/* ---- leases, progress, the end ---- */

static void lease_timer_cb(void *arg)
{
	struct run *r = arg;
	char *cause = NULL;
	if (store_renew(r->store, r->owner, r->jc.lease_ms, &cause) < 0) {
		logf_(r, "cannot renew leases: %s", cause);
		free(cause);
	}
	deadline_arm(&r->lease_timer, clock_mono_ns() + r->jc.lease_ms * MS / 3);
}

static int counts_read(struct run *r)
{
	char *cause = NULL;
	if (store_counts(r->store, &r->counts, &cause) < 0) {
		logf_(r, "cannot count items: %s", cause);
		free(cause);
		return -1;
	}
	r->counts_at = clock_mono_ns();
	r->ok_since = r->failed_since = 0;
	return 0;
}

static void progress_tick(struct run *r, int force)
{
	int64_t now = clock_mono_ns();
	if (!force && now < progress_out_next(&r->prog))
		return;
	if (force || now - r->counts_at >= COUNTS_EVERY)
		counts_read(r);
	/* done counts every finished item, failed ones too: done == total
	 * means the job has nothing left. */
	struct progress_counts c = {
		.done = r->counts.done + r->counts.failed + r->ok_since + r->failed_since,
		.total = r->counts.total,
		.failed = r->counts.failed + r->failed_since,
		.inflight = engine_inflight(r->engine),
	};
	progress_out_update(&r->prog, now, &c, force);
}

static void progress_timer_cb(void *arg)
{
	struct run *r = arg;
	progress_tick(r, 0);
	deadline_arm(&r->progress_timer, clock_mono_ns() + r->prog.interval_ns);
}

/* Leaves when nothing is left here and the store has nothing pending or
 * leased; while others still hold leases, the idle timer keeps checking. */
static void maybe_done(struct run *r)
{
	if (r->stopping || r->finished || !r->claim_exhausted)
		return;
	if (engine_inflight(r->engine) > 0 || workq_peek(&r->q) || workq_wait_peek(&r->q) || r->n_fin > 0)
		return;
	if (counts_read(r) < 0)
		return;
	if (r->counts.pending == 0 && r->counts.leased == 0) {
		r->finished = 1;
		return;
	}
	if (deadline_at(&r->idle_timer) == 0)
		deadline_arm(&r->idle_timer, clock_mono_ns() + IDLE_CHECK);
}

static void idle_timer_cb(void *arg)
{
	struct run *r = arg;
	/* Items may have come back: released by a stopped worker, or leases
	 * of a killed one expired. */
	r->claim_exhausted = 0;
	pump(r);
}

static void release_all(struct run *r)
{
	char *cause = NULL;
	if (store_release(r->store, r->owner, NULL, 0, &cause) < 0) {
		logf_(r, "cannot release leased items (they return when the leases expire): %s", cause);
		free(cause);
	}
}

static void stop_timer_cb(void *arg)
{
	struct run *r = arg;
	r->finished = 1;
}

static void begin_stop(struct run *r, const char *why)
{
	if (r->stopping) {
		logf_(r, "%s again: stopping now", why);
		deadline_arm(&r->stop_timer, clock_mono_ns());
		return;
	}
	r->stopping = 1;
	int n = engine_inflight(r->engine);
	logf_(r, "%s: finishing %d requests in flight, releasing the rest", why, n);
	/* Items not yet sent go back at once; release_all at exit makes it so
	 * in the store. */
	struct workq_node *node;
	while ((node = workq_pop(&r->q)))
		work_free((struct work *)node);
	while ((node = workq_wait_pop(&r->q)))
		work_free((struct work *)node);
	deadline_arm(&r->pace_timer, 0);
	deadline_arm(&r->retry_timer, 0);
	deadline_arm(&r->idle_timer, 0);
	deadline_arm(&r->stop_timer, clock_mono_ns() + (n ? STOP_GRACE : 0));
}

static void signal_cb(struct loop *l, int signo, void *arg)
{
	(void)l;
	struct run *r = arg;
	begin_stop(r, signo == SIGINT ? "SIGINT" : "SIGTERM");
}

/* ---- setup ---- */

/* Thousands of requests in flight need thousands of sockets: raise the
 * soft fd limit to the hard one, and say so when that is still short. */
static void fd_limit_raise(struct run *r)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	rlim_t need = (rlim_t)r->jc.concurrency + 64;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		logf_(r, "concurrency %d needs about %llu file descriptors, the limit is %llu",
		    r->jc.concurrency, (unsigned long long)need, (unsigned long long)rl.rlim_cur);
}

static int usage(void)
{
	fprintf(stderr, "usage: psup-worker run --job STORE --config JOB.yaml [--name NAME]\n");
	return 2;
}

/* Reads "--opt VALUE" or "--opt=VALUE" at argv[*i]. */
static int opt_value(int argc, char **argv, int *i, const char *name, char **out)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 1;
}

static char *default_owner(void)
{
	const char *app = getenv("PSUP_APP_NAME");
	if (app && *app)
		return xstrdup(app);
	char host[256];
	if (gethostname(host, sizeof host) < 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	return xasprintf("%s:%ld", host, (long)getpid());
}

/* Expands ${VAR}s and compiles the template; errors name what is wrong. */
static int request_prepare(struct run *r, char **cause)
{
	struct job_config *jc = &r->jc;
	if (template_expand_env(jc->url, "url", &r->url, cause) < 0)
		return -1;
	int have_ctype = 0;
	for (int i = 0; i < jc->n_headers; i++) {
		char *what = xasprintf("header %s", jc->headers[i].name);
		char *val = NULL;
		int rc = template_expand_env(jc->headers[i].value, what, &val, cause);
		free(what);
		if (rc < 0)
			return -1;
		if (strcasecmp(jc->headers[i].name, "Content-Type") == 0)
			have_ctype = 1;
		char *line = xasprintf("%s: %s", jc->headers[i].name, val);
		free(val);
		struct curl_slist *nl = curl_slist_append(r->headers, line);
		free(line);
		if (!nl)
			return fail(cause, "out of memory building headers");
		r->headers = nl;
	}
	const char *extra[] = {
		/* Bodies go at once: waiting for 100-continue costs a round trip. */
		"Expect:",
		/* The body template makes JSON; say so unless the job file did. */
		have_ctype || !jc->body ? NULL : "Content-Type: application/json",
	};
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
		if (!extra[i])
			continue;
		struct curl_slist *nl = curl_slist_append(r->headers, extra[i]);
		if (!nl)
			return fail(cause, "out of memory building headers");
		r->headers = nl;
	}
	if (jc->body) {
		char *why = NULL;
		if (template_compile(jc->body, &r->body_tpl, &why) < 0) {
			fail(cause, "%s: body: %s", jc->path, why);
			free(why);
			return -1;
		}
	}
	if (jc->extract && jsonptr_check(jc->extract, cause) < 0)
		return -1;
	if (jc->usage && jsonptr_check(jc->usage, cause) < 0)
		return -1;
	r->target.url = r->url;
	r->target.method = jc->method ? jc->method : "POST";
	r->target.headers = r->headers;
	r->target.timeout_ms = jc->timeout_ms > 0 ? jc->timeout_ms : 30000;
	return 0;
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

static int loop_prepare(struct run *r, char **cause)
{
	r->loop = loop_create(cause);
	if (!r->loop)
		return -1;
	struct { struct deadline *t; deadline_cb *cb; } timers[] = {
		{ &r->pace_timer, pace_timer_cb },
		{ &r->retry_timer, retry_timer_cb },
		{ &r->lease_timer, lease_timer_cb },
		{ &r->flush_timer, flush_timer_cb },
		{ &r->idle_timer, idle_timer_cb },
		{ &r->progress_timer, progress_timer_cb },
		{ &r->stop_timer, stop_timer_cb },
	};
	for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++)
		deadline_init(timers[i].t, r->loop, timers[i].cb, r);
	/* Already blocked by run_main: one that came meanwhile is read now. */
	if (loop_signal(r->loop, SIGTERM, signal_cb, r, cause) < 0 ||
	    loop_signal(r->loop, SIGINT, signal_cb, r, cause) < 0)
		return -1;
	int max_conns = r->jc.concurrency > 0 ? r->jc.concurrency : 16;
	return engine_create(r->loop, max_conns, done_cb, r, &r->engine, cause);
}

/* Requests still in flight when the grace time is over: drop them (their
 * items are released with the rest). */
static void abort_inflight(struct run *r)
{
	struct work *w;
	while ((w = r->flight)) {
		r->flight = w->fl_next;
		if (r->flight)
			r->flight->fl_prev = NULL;
		engine_abort(r->engine, &w->req);
		work_free(w);
	}
}

static void run_teardown(struct run *r)
{
	struct workq_node *n;
	if (r->engine)
		abort_inflight(r);
	while ((n = workq_pop(&r->q)))
		work_free((struct work *)n);
	while ((n = workq_wait_pop(&r->q)))
		work_free((struct work *)n);
	workq_free(&r->q);
	for (int i = 0; i < r->n_fin; i++)
		work_free(r->fin[i]);
	free(r->fin);
	engine_free(r->engine);
	/* The deadlines' timers and the signalfd go with the loop. */
	loop_free(r->loop);
	pacer_close(&r->pacer);
	template_free(r->body_tpl);
	curl_slist_free_all(r->headers);
	free(r->url);
	store_close(r->store);
	jobfile_free(&r->jc);
	free(r->owner);
}

static void summary(struct run *r)
{
	double wall = (double)(clock_mono_ns() - r->start_ns) / 1e9;
	logf_(r, "%s: ok %lld, failed %lld, requests %lld, retries %lld, 429s %lld, connections %lld%s, wall %.1fs (%.1f/s)",
	    r->owner, r->n_ok, r->n_failed, r->n_requests, r->n_retries, r->n_429,
	    r->engine ? engine_connections(r->engine) : 0,
	    r->n_stale ? ", stale results dropped" : "", wall,
	    wall > 0 ? (double)(r->n_ok + r->n_failed) / wall : 0.0);
}

int run_main(int argc, char **argv)
{
	char *job = NULL, *config = NULL, *name = NULL;
	for (int i = 0; i < argc; i++) {
		int got = 0;
		if (strcmp(argv[i], "run") == 0 && i == 0)
			continue;
		if ((got = opt_value(argc, argv, &i, "--job", &job)) ||
		    (got = opt_value(argc, argv, &i, "--config", &config)) ||
		    (got = opt_value(argc, argv, &i, "--name", &name))) {
			if (got < 0) {
				fprintf(stderr, "psup-worker run: %s needs a value\n", argv[i]);
				return usage();
			}
			continue;
		}
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		}
		fprintf(stderr, "psup-worker run: unknown argument \"%s\"\n", argv[i]);
		return usage();
	}
	if (!job || !config)
		return usage();
	if (name && !*name) {
		fprintf(stderr, "psup-worker run: --name must not be empty\n");
		return usage();
	}
	/* Block the stop signals first: one that comes while we start up then
	 * waits in the signalfd and stops us cleanly, never half-way. */
	sigset_t stop;
	stop_signals(&stop);
	sigprocmask(SIG_BLOCK, &stop, NULL);

	struct run run, *r = &run;
	memset(r, 0, sizeof *r);
	r->start_ns = clock_mono_ns();
	r->rng = (uint64_t)clock_mono_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	if (r->rng == 0)
		r->rng = 1;
	workq_init(&r->q);
	progress_out_init(&r->prog);
	progress_out_set_job(&r->prog, job);

	char **errs = NULL;
	int n_errs = 0;
	if (jobfile_load(config, &r->jc, &errs, &n_errs) < 0) {
		for (int i = 0; i < n_errs; i++)
			fprintf(stderr, "%s\n", errs[i]);
		if (n_errs == 0)
			fprintf(stderr, "psup-worker: %s: cannot load the job file\n", config);
		jobfile_errors_free(errs, n_errs);
		jobfile_free(&r->jc);
		return 2;
	}
	jobfile_errors_free(errs, n_errs);
	if (r->jc.concurrency < 1)
		r->jc.concurrency = 16;
	if (r->jc.batch < 1)
		r->jc.batch = 2 * r->jc.concurrency;
	r->claim_size = r->jc.batch;
	if (r->jc.max_attempts < 1)
		r->jc.max_attempts = 1;
	if (r->jc.lease_ms < 1000)
		r->jc.lease_ms = 1000;
	r->policy = (struct outcome_policy){
		.max_attempts = r->jc.max_attempts,
		.base_delay_ms = r->jc.base_delay_ms,
		.max_delay_ms = r->jc.max_delay_ms,
		.extract = r->jc.extract,
		.usage = r->jc.usage,
	};

	char *cause = NULL;
	r->owner = name ? xstrdup(name) : default_owner();
	if (request_prepare(r, &cause) < 0) {
		fprintf(stderr, "psup-worker: %s: %s\n", config, cause);
		free(cause);
		run_teardown(r);
		return 2;
	}
	if (pacer_init(&r->pacer, r->jc.rpm, r->jc.tpm, r->jc.shared, &cause) < 0 ||
	    loop_prepare(r, &cause) < 0 || store_open_existing(job, &r->store, &cause) < 0) {
		fprintf(stderr, "psup-worker: %s\n", cause);
		free(cause);
		run_teardown(r);
		return 1;
	}
	aimd_init(&r->aimd, r->jc.concurrency, 1000 * MS);
	fd_limit_raise(r);
	signal(SIGPIPE, SIG_IGN);

	/* Leases held under our name come from an earlier run of ours that
	 * died (a worker's name is its own): take them back now instead of
	 * waiting for them to expire. */
	release_all(r);
	if (counts_read(r) < 0) {
		run_teardown(r);
		return 1;
	}
	deadline_arm(&r->lease_timer, clock_mono_ns() + r->jc.lease_ms * MS / 3);
	deadline_arm(&r->progress_timer, clock_mono_ns());
	pump(r);

	while (!r->finished) {
		if (loop_once(r->loop, -1) < 0) {
			logf_(r, "epoll_wait: %s", strerror(errno));
			r->exit_code = 1;
			break;
		}
		if (r->stopping && !r->finished && engine_inflight(r->engine) == 0 &&
		    deadline_at(&r->stop_timer) > clock_mono_ns())
			deadline_arm(&r->stop_timer, clock_mono_ns());
	}

	if (engine_inflight(r->engine) > 0) {
		if (r->stopping)
			logf_(r, "%d requests still in flight after the grace time: released",
			    engine_inflight(r->engine));
		abort_inflight(r);
	}
	if (flush(r) < 0)
		r->exit_code = 1;
	if (r->stopping || r->exit_code != 0)
		release_all(r);
	progress_tick(r, 1);
	progress_out_finish(&r->prog);
	summary(r);
	int code = r->exit_code;
	run_teardown(r);
	return code;
}
