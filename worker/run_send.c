/* Requests out and answers in (see run_send.h): outcome.c decides, this
 * file carries the decision out. */
#include "run_send.h"
#include "run_endpoint.h"
#include "run_record.h"
#include "run_state.h"

#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "clock.h"
#include "cmd.h"
#include "xalloc.h"

void run_send(struct run *r, struct work *w)
{
	char *cause = NULL;
	w->attempts++;
	w->req.body = w->body;
	w->req.body_len = w->body_len;
	if (engine_submit(r->engine, &w->req, &cause) < 0) {
		run_endpoint_unsent(r, w, clock_mono_ns());
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

/* A 429 whose own headers say to retry at once (Retry-After: 0) sheds
 * load; it does not say our rate is above a limit. */
static int says_retry_now(const struct ratelimit_headers *h, int64_t real_ms)
{
	int64_t d;
	return retryafter_hold_ms(h, real_ms, &d) == 1 && d == 0;
}

/* The tokens of budget b (tokens, input, output) the answer counted: its
 * usage pointer's count (all tokens: input plus output when only those
 * are counted). Returns 1 with *n, 0 when it did not say. */
static int tokens_counted(const struct outcome *o, int b, double *n)
{
	if (b == LEARN_TOKENS && !o->have_tokens[USAGE_ALL] &&
	    o->have_tokens[USAGE_INPUT] && o->have_tokens[USAGE_OUTPUT]) {
		*n = (double)(o->tokens[USAGE_INPUT] + o->tokens[USAGE_OUTPUT]);
		return 1;
	}
	int k = b == LEARN_TOKENS ? USAGE_ALL : b == LEARN_INPUT ? USAGE_INPUT : USAGE_OUTPUT;
	if (b == LEARN_REQUESTS || !o->have_tokens[k])
		return 0;
	*n = (double)o->tokens[k];
	return 1;
}

/* What the limiter learns from one answer (learn.h), and what the user is
 * told: the API's advertised limit when it first shows or changes. A 429
 * cuts the budget it ran out of: a token limit's 429 cuts the token rate,
 * counted in the tokens each request used. */
static void limits_learn(struct run *r, struct run_endpoint *e, const struct http_request *req,
    const struct outcome *o, const struct work *w, int64_t now, int64_t real_ms)
{
	struct learn_obs obs[LEARN_N];
	learn_headers(&req->limits, real_ms, obs);
	int limited = o->rate_limited && !o->lone && !says_retry_now(&req->limits, real_ms);
	enum learn_budget by = limited ?
	    learn_limited_budget(&req->limits, req->resp.p, req->resp.len) : LEARN_REQUESTS;
	/* A budget nobody limits here cannot be what ran out: its 429 is
	 * the token limit's (an API that counts input only, say). */
	if (by != LEARN_REQUESTS && by != LEARN_TOKENS && !e->pacer.base[by] &&
	    !e->pacer.counted[by] && obs[by].limit <= 0)
		by = LEARN_TOKENS;
	for (int b = 0; b < LEARN_N; b++) {
		obs[b].ok = req->status >= 200 && req->status < 300;
		obs[b].sent_at = now - req->latency_ms * MS;
		obs[b].limited = limited && b == (int)by;
		obs[b].failed = !o->rate_limited && (req->status == 0 || req->status >= 500);
		if (!tokens_counted(o, b, &obs[b].units))
			obs[b].units = w->cost[b];
	}
	pacer_learn(&e->pacer, obs, now);
	const struct learn_obs *rq = &obs[LEARN_REQUESTS];
	if (rq->limit > 0 && rq->limit != e->api_rpm_told) {
		struct pacer_view v;
		pacer_view(&e->pacer, now, &v);
		e->api_rpm_told = rq->limit;
		/* The implicit endpoint's messages stay as they were. */
		const char *who = r->n_ep > 1 ? e->name : "the API";
		const char *pre = r->n_ep > 1 ? "endpoint " : "";
		if (e->cfg->rpm > 0 && e->cfg->rpm < rq->limit)
			run_log(r, "%s%s allows %.0f requests/min; rpm %.0f is kept as the cap", pre, who,
			    rq->limit, e->cfg->rpm);
		else
			run_log(r, "%s%s allows %.0f requests/min: pacing at %.0f", pre, who, rq->limit,
			    v.rpm);
	}
}

/* What every request feels of one answer: a hold, the learned limits,
 * AIMD's concurrency, the token budget. */
static void limits_apply(struct run *r, struct run_endpoint *e, const struct http_request *req,
    const struct outcome *o, struct work *w, int64_t now, int64_t real_ms)
{
	/* One endpoint's 429s lower its own concurrency; the implicit one's,
	 * the worker's. */
	struct aimd *aimd = r->n_ep > 1 ? &e->aimd : &r->aimd;
	if (o->hold_until) {
		/* Hold everyone (the shared limiter too). */
		if (o->hold_asked && pacer_hold_until(&e->pacer) <= now)
			run_log(r, "HTTP %ld: holding all requests%s%s for %lld ms, as the API asks",
			    w->status, r->n_ep > 1 ? " to " : "", r->n_ep > 1 ? e->name : "",
			    (long long)((o->hold_until - now) / MS));
		pacer_hold(&e->pacer, o->hold_until);
	}
	limits_learn(r, e, req, o, w, now, real_ms);
	if (o->rate_limited) {
		r->n_429++;
		/* a used-up quota stops the job: nothing to learn from it;
		 * nor from a lone 429 */
		if (o->kind != OUTCOME_STOP && !o->lone && aimd_on_limited(aimd, now, o->hold_asked))
			run_log(r, "repeated HTTP 429s%s%s: concurrency lowered to %d",
			    r->n_ep > 1 ? " from " : "", r->n_ep > 1 ? e->name : "", aimd_limit(aimd));
	}
	for (int b = LEARN_TOKENS; b < LEARN_N; b++) {
		double n;
		if (tokens_counted(o, b, &n))
			pacer_adjust(&e->pacer, now, (enum learn_budget)b, w->cost[b], n);
	}
	if (o->kind == OUTCOME_DONE)
		aimd_on_success(aimd, now);
}

/* What o says of w, carried out. */
static void answer_apply(struct run *r, struct work *w, struct outcome *o, int64_t now)
{
	switch (o->kind) {
	case OUTCOME_DONE:
		w->ok = 1;
		w->result = o->result;
		w->tokens = o->have_tokens[USAGE_ALL] ? o->tokens[USAGE_ALL] :
		    o->tokens[USAGE_INPUT] + o->tokens[USAGE_OUTPUT];
		run_budget_price(r, w, o->tokens, o->have_tokens);
		run_budget_charge(r, w);
		runstats_add_cost(&r->stats, w->spend);
		o->result = NULL;
		run_record_streak(r, 1, w->status, NULL);
		run_record_finish(r, w);
		break;
	case OUTCOME_RETRY:
		r->n_retries++;
		/* a failed probe is said once, as the endpoint's */
		if (!o->uncounted)
			run_log(r, "item %s: attempt %d/%d: %s; retrying in %lld ms", w->it.id,
			    w->attempts, r->jc.max_attempts, o->why, (long long)((o->retry_at - now) / MS));
		run_schedule_retry(r, w, o->retry_at);
		break;
	case OUTCOME_RELEASE:
		/* Left leased: released with the rest when the run ends. */
		run_work_free(w);
		break;
	case OUTCOME_STOP:
		/* No other item can succeed either: stop the whole job, with
		 * this item released like those not sent. */
		if (r->exit_code != CMD_QUOTA) {
			run_log(r, "item %s: %s", w->it.id, o->why);
			r->exit_code = CMD_QUOTA;
			if (!r->stopping)
				run_halt(r, "the API says the quota is used up; stopping the job (add quota, "
				    "then run again)", "the API says the quota is used up: add quota, then "
				    "restart");
		}
		run_work_free(w);
		break;
	case OUTCOME_FAIL:
		run_log(r, "item %s: attempt %d/%d: %s; %s", w->it.id, w->attempts,
		    r->jc.max_attempts, o->why, o->exhausted ? "giving up" : "not retried");
		/* before the finish: its commit may free w, and o->why with it;
		 * an answer past the size limit is the answer's, not the job's */
		if (!o->exhausted && !w->too_large)
			run_record_streak(r, 0, w->status, o->why);
		w->ok = 0;
		w->error = o->error;
		o->error = NULL;
		run_record_finish(r, w);
		break;
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
	struct run_endpoint *e = &r->ep[w->ep];
	struct outcome_attempt att = {
		.n = w->ep_attempts,
		.stopping = r->stopping,
		.draw = backoff_rand(&r->rng),
		.refused_lately = e->refusal_window > 0,
		.probe = w->probe,
	};
	struct outcome o;
	outcome_decide(&resp, &att, &e->policy, now, &o);
	w->probe = 0;
	if (o.uncounted) {
		w->attempts--;
		w->ep_attempts--;
	}
	if (req->status == 429 || req->status == 503)
		e->refusal_window = OUTCOME_LONE_ANSWERS;
	else if (e->refusal_window > 0)
		e->refusal_window--;
	w->status = req->status;
	w->latency_ms = req->latency_ms;
	w->too_large = req->too_large;
	runstats_note(&r->stats, w->status, w->latency_ms, &o);
	limits_apply(r, e, req, &o, w, now, resp.real_ms);
	engine_request_reset(req);

	switch (run_endpoint_answered(r, w, &o, now)) {
	case RUN_ANS_MOVE:
		r->n_retries++;
		/* An endpoint out for good said so in one line already. */
		if (e->breaker.state != BREAKER_OUT)
			run_log(r, "item %s: attempt %d on %s: %s; moving to another endpoint",
			    w->it.id, w->attempts, e->name, o.why ? o.why : "failed");
		w->avoid |= 1u << w->ep;
		w->ep_attempts = 0;
		run_schedule_retry(r, w, now);
		break;
	case RUN_ANS_RELEASE:
		run_work_free(w);
		break;
	default:
		answer_apply(r, w, &o, now);
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
