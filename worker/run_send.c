/* Requests out and answers in (see run_send.h): outcome.c decides, this
 * file carries the decision out. */
#include "run_send.h"
#include "run_record.h"
#include "run_state.h"

#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "clock.h"
#include "xalloc.h"

void run_send(struct run *r, struct work *w)
{
	char *cause = NULL;
	w->attempts++;
	w->req.body = w->body;
	w->req.body_len = w->body_len;
	if (engine_submit(r->engine, &w->req, &cause) < 0) {
		char *msg = xasprintf("cannot start the request: %s", cause);
		run_log(r, "item %s: attempt %d: %s", w->it.id, w->attempts, msg);
		run_record_fail(r, w, 0, msg);
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

void run_send_abort_all(struct run *r)
{
	struct work *w;
	while ((w = r->flight)) {
		flight_unlink(r, w);
		engine_abort(r->engine, &w->req);
		run_work_free(w);
	}
}

/* Applies AIMD's rate factor to the pacer when it moved by 1% or more
 * (re-deriving the GCRA parameters on every answer is not needed). */
static void rate_follow(struct run *r)
{
	double f = aimd_rate(&r->aimd), cur = r->pacer.factor;
	if (f != cur && (f >= 1 || f < cur * 0.99 || f > cur * 1.01))
		pacer_scale(&r->pacer, f);
}

/* What every request feels of one answer: a hold, AIMD, the token budget. */
static void limits_apply(struct run *r, const struct outcome *o, struct work *w, int64_t now)
{
	if (o->hold_until) {
		/* Hold everyone (the shared limiter too). */
		if (o->hold_asked && pacer_hold_until(&r->pacer) <= now)
			run_log(r, "HTTP %ld: holding all requests for %lld ms, as the API asks",
			    w->status, (long long)((o->hold_until - now) / MS));
		pacer_hold(&r->pacer, o->hold_until);
	}
	if (o->rate_limited) {
		r->n_429++;
		if (aimd_on_limited(&r->aimd, now, o->hold_asked)) {
			rate_follow(r);
			if (r->jc.rpm > 0 || r->jc.tpm > 0)
				run_log(r, "repeated HTTP 429s: concurrency lowered to %d, rate to %.0f%% of the configured",
				    aimd_limit(&r->aimd), 100 * aimd_rate(&r->aimd));
			else
				run_log(r, "repeated HTTP 429s: concurrency lowered to %d", aimd_limit(&r->aimd));
		}
	}
	if (o->have_tokens && r->jc.tpm > 0)
		pacer_adjust(&r->pacer, now, (double)o->tokens - w->cost);
	if (o->kind == OUTCOME_DONE) {
		aimd_on_success(&r->aimd, now);
		rate_follow(r);
	}
}

void run_send_done_cb(struct http_request *req, void *arg)
{
	struct run *r = arg;
	struct work *w = req->user;
	int64_t now = clock_mono_ns();
	flight_unlink(r, w);
	struct outcome_response resp = {
		.answer = {
			.curl_code = req->curl_code,
			.curl_error = req->errbuf,
			.status = req->status,
			.body = req->resp.p,
			.body_len = req->resp.len,
			.body_limit = req->too_large ? ENGINE_RESP_MAX : 0,
		},
		.headers = req->limits,
		.real_ms = clock_real_ms(),
	};
	struct outcome_attempt att = {
		.n = w->attempts,
		.stopping = r->stopping,
		.draw = backoff_rand(&r->rng),
	};
	struct outcome o;
	outcome_decide(&resp, &att, &r->policy, now, &o);
	w->status = req->status;
	w->latency_ms = req->latency_ms;
	limits_apply(r, &o, w, now);
	engine_request_reset(req);

	switch (o.kind) {
	case OUTCOME_DONE:
		w->ok = 1;
		w->result = o.result;
		w->tokens = o.have_tokens ? o.tokens : 0;
		o.result = NULL;
		run_record_finish(r, w);
		break;
	case OUTCOME_RETRY:
		r->n_retries++;
		run_log(r, "item %s: attempt %d/%d: %s; retrying in %lld ms", w->it.id,
		    w->attempts, r->jc.max_attempts, o.why, (long long)((o.retry_at - now) / MS));
		run_schedule_retry(r, w, o.retry_at);
		break;
	case OUTCOME_RELEASE:
		/* Left leased: released with the rest when the run ends. */
		run_work_free(w);
		break;
	case OUTCOME_FAIL:
		run_log(r, "item %s: attempt %d/%d: %s; %s", w->it.id, w->attempts,
		    r->jc.max_attempts, o.why, o.exhausted ? "giving up" : "not retried");
		w->ok = 0;
		w->error = o.error;
		o.error = NULL;
		run_record_finish(r, w);
		break;
	}
	outcome_free(&o);
	if (r->stopping) {
		if (engine_inflight(r->engine) == 0)
			deadline_arm(&r->stop_timer, now);
		return;
	}
	run_pump(r);
}
