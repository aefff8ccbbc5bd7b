/* The endpoints at run time (see run_endpoint.h). */
#include "run_endpoint.h"
#include "run_budget.h"
#include "run_request.h"

#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "cmd.h"
#include "learned.h"
#include "note.h"
#include "route.h"
#include "xalloc.h"

/* The shared limit of endpoint ep: its own name, or the job's (the
 * implicit endpoint of request:, as before endpoints existed), or the
 * job's and the endpoint's, so every worker of the job shares each. */
static void limit_name(const struct run *r, const struct job_endpoint *ep, char out[104])
{
	char job[40];
	learned_limit_name(r->prog.job, job);
	if (ep->shared)
		snprintf(out, 104, "%s", ep->shared);
	else if (!ep->name)
		snprintf(out, 104, "%s", job);
	else
		snprintf(out, 104, "ep-%.32s-%s", job + 4, ep->name);
}

int run_endpoints_open(struct run *r, const char *url, const char *config)
{
	char *cause = NULL;
	r->n_ep = r->jc.n_endpoints;
	r->ep = xcalloc((size_t)r->n_ep, sizeof *r->ep);
	for (int i = 0; i < r->n_ep; i++) {
		struct run_endpoint *e = &r->ep[i];
		const struct job_endpoint *c = &r->jc.endpoints[i];
		e->cfg = c;
		e->name = c->name ? c->name : "request";
		if (run_request_prepare(&e->request, c, r->jc.path, &cause) < 0) {
			if (c->name)
				fprintf(stderr, "psup-worker: %s: endpoint %s: %s\n", config, c->name, cause);
			else
				fprintf(stderr, "psup-worker: %s: %s\n", config, cause);
			free(cause);
			return CMD_USAGE;
		}
		e->policy = r->policy;
		e->policy.extract = c->extract;
		e->policy.usage[USAGE_ALL] = c->usage;
		e->policy.usage[USAGE_INPUT] = c->input_usage;
		e->policy.usage[USAGE_OUTPUT] = c->output_usage;
		e->policy.json = c->json_result;
		e->policy.require = c->require;
		char name[104];
		limit_name(r, c, name);
		const double rates[LEARN_N] = { c->rpm, c->tpm, c->itpm, c->otpm };
		/* scope: cluster shares each request limit through the job's
		 * database, one row per shared name (the endpoint's, "job" for
		 * request:'s: the database is the job's own). */
		char row[104];
		snprintf(row, sizeof row, "%s%s", c->shared || !c->name ? "" : "ep:",
		    c->shared ? c->shared : c->name ? c->name : "job");
		if (pacer_init(&e->pacer, rates, name, &cause) < 0 ||
		    (r->jc.scope_cluster && pacer_cluster(&e->pacer, url, row, &cause) < 0)) {
			fprintf(stderr, "psup-worker: %s\n", cause);
			free(cause);
			return CMD_RUNTIME;
		}
		/* Token counts from the answers correct the estimates: only
		 * then is a token limit the API advertises worth pacing by. */
		e->pacer.counted[LEARN_TOKENS] = c->usage != NULL;
		e->pacer.counted[LEARN_INPUT] = c->input_usage != NULL;
		e->pacer.counted[LEARN_OUTPUT] = c->output_usage != NULL;
		aimd_init(&e->aimd, c->concurrency, 1000 * MS);
		snprintf(e->stats.name, sizeof e->stats.name, "%s", e->name);
		breaker_init(&e->breaker, r->jc.cooldown_ms * MS,
		    r->n_ep > 1 ? BREAKER_THRESHOLD : BREAKER_THRESHOLD_ALONE);
	}
	return CMD_OK;
}

/* The endpoints' stats for status, every few seconds and at the end. A
 * failed write costs only that report. */
#define STATS_EVERY (5000 * MS)

static void stats_write(struct run *r, int64_t now)
{
	if (r->n_ep < 2 || r->n_requests == 0)
		return;
	r->ep_stats_at = now;
	struct epstats v[JOB_ENDPOINTS_MAX];
	for (int i = 0; i < r->n_ep; i++) {
		struct pacer_view pv;
		pacer_view(&r->ep[i].pacer, now, &pv);
		v[i] = r->ep[i].stats;
		v[i].rpm = pv.rpm;
		v[i].api_rpm = pv.api_rpm;
		v[i].at_ms = clock_real_ms();
	}
	char *cause = NULL;
	if (epstats_write(r->prog.job, r->owner, v, r->n_ep, &cause) < 0) {
		run_log(r, "cannot report the endpoints' counts: %s", cause);
		free(cause);
		r->ep_stats_at = INT64_MAX / 2; /* said once */
	}
}

void run_endpoints_close(struct run *r)
{
	if (r->ep)
		stats_write(r, clock_mono_ns());
	for (int i = 0; i < r->n_ep; i++) {
		pacer_close(&r->ep[i].pacer);
		run_request_free(&r->ep[i].request);
	}
	free(r->ep);
	r->ep = NULL;
	r->n_ep = 0;
}

/* What route.c needs to know of each endpoint at now; *soonest is the ns
 * until a resting one may take a probe (0: none rests). */
static void route_view(struct run *r, int64_t now, struct route_ep *re, int64_t *soonest)
{
	*soonest = 0;
	for (int i = 0; i < r->n_ep; i++) {
		struct run_endpoint *e = &r->ep[i];
		int cap = e->cfg->concurrency;
		if (r->n_ep > 1 && aimd_limit(&e->aimd) < cap)
			cap = aimd_limit(&e->aimd);
		double rate = e->pacer.rate[LEARN_REQUESTS];
		re[i] = (struct route_ep){
			.usable = breaker_usable(&e->breaker, now),
			.full = e->inflight >= cap,
			.priority = e->cfg->priority,
			.weight = e->cfg->weight,
			.limit = rate > 0 ? rate : e->cfg->rpm,
			.sent = e->sent,
		};
		int64_t rest = e->breaker.until - now;
		if (e->breaker.state == BREAKER_OPEN && rest > 0 && (*soonest == 0 || rest < *soonest))
			*soonest = rest;
	}
}

int run_endpoint_pick(struct run *r, struct work *w, int64_t now, int64_t *wait, char **why)
{
	struct route_ep re[JOB_ENDPOINTS_MAX];
	int order[JOB_ENDPOINTS_MAX];
	int64_t soonest, least = 0;
	*wait = 0;
	if (run_budget_reached(r, now) != 0)
		return RUN_EP_WAIT;
	route_view(r, now, re, &soonest);
	int k = route_order(re, r->n_ep, w->avoid, order);
	for (int j = 0; j < k; j++) {
		int i = order[j];
		struct run_endpoint *e = &r->ep[i];
		if (w->ep_body != i + 1) {
			/* Each endpoint has its own body template. */
			free(w->body);
			w->body = NULL;
			w->body_len = 0;
			if (run_request_render(&e->request, w, why) < 0)
				return RUN_EP_BAD;
			w->ep_body = i + 1;
		}
		int64_t t = pacer_take(&e->pacer, now, w->cost);
		if (t > 0) {
			if (least == 0 || t < least)
				least = t;
			continue;
		}
		if (w->ep != i)
			w->ep_attempts = 0;
		w->ep = i;
		w->ep_attempts++;
		w->req.target = &e->request.target;
		e->inflight++;
		e->sent++;
		w->probe = (breaker_step(&e->breaker, BREAKER_SEND, now) & BREAKER_A_PROBE) != 0;
		if (w->probe && r->n_ep > 1)
			run_log(r, "endpoint %s: its rest is over: one probe request", e->name);
		else if (w->probe)
			run_log(r, "one probe request to the API");
		return RUN_EP_SEND;
	}
	*wait = least > 0 && (soonest == 0 || least < soonest) ? least : soonest;
	return RUN_EP_WAIT;
}

void run_endpoint_unsent(struct run *r, struct work *w, int64_t now)
{
	struct run_endpoint *e = &r->ep[w->ep];
	e->inflight--;
	if (w->probe)
		breaker_step(&e->breaker, BREAKER_FAIL, now);
	w->probe = 0;
}

/* 1 if w may go to an endpoint other than its last, in rotation and not
 * one it failed on. */
static int other_left(const struct run *r, const struct work *w)
{
	for (int i = 0; i < r->n_ep; i++)
		if (i != w->ep && r->ep[i].breaker.state != BREAKER_OUT && !((w->avoid >> i) & 1))
			return 1;
	return 0;
}

static enum breaker_event event_of(const struct outcome *o, long status)
{
	int transient = o->kind == OUTCOME_RETRY || o->kind == OUTCOME_RELEASE ||
	    (o->kind == OUTCOME_FAIL && o->exhausted);
	if (o->kind == OUTCOME_STOP || (o->kind == OUTCOME_FAIL && o->refused))
		return BREAKER_FATAL;
	if (transient && !o->rate_limited && (status == 0 || status >= 500))
		return BREAKER_FAIL;
	/* a 429 is the pacer's; for the breaker the endpoint answered, and a
	 * probe answered so puts it back (else it would wait for a probe
	 * forever) */
	return BREAKER_OK;
}

/* The breaker's step a (BREAKER_A_*) rested e after o: kept for the
 * progress note. */
static void rest_note(struct run_endpoint *e, int a, const struct outcome *o)
{
	if (a & BREAKER_A_OPENED)
		snprintf(e->down_why, sizeof e->down_why, "%s", o->why ? o->why : "failed");
}

/* Endpoint e is out: the job goes on with the others, or stops. */
static int taken_out(struct run *r, struct run_endpoint *e, const struct outcome *o)
{
	r->n_ep_out++;
	int left = r->n_ep - r->n_ep_out;
	run_log(r, "endpoint %s: %s: out for the rest of the run (%d of %d endpoints left)",
	    e->name, o->why ? o->why : "refused", left, r->n_ep);
	if (left > 0)
		return RUN_ANS_MOVE;
	if (!r->stopping) {
		r->exit_code = o->kind == OUTCOME_STOP ? CMD_QUOTA : CMD_RUNTIME;
		run_halt(r, "no endpoint is left; stopping the job (fix the keys or the quota, "
		    "then run again)", "no endpoint is left: fix their keys or quota, then restart");
	}
	return RUN_ANS_RELEASE;
}

/* A refusal of a job's only endpoint (its key, or the way to it: see
 * REFUSED_*): every other item would get the same, so none is failed for
 * it; the job stops, its items kept. */
static int endpoint_refused(struct run *r, const struct work *w, const struct outcome *o)
{
	if (!r->stopping) {
		run_log(r, "item %s: %s", w->it.id, o->why ? o->why : "refused");
		r->exit_code = CMD_RUNTIME;
		if (o->refused == REFUSED_KEY)
			run_halt(r, "the API refuses the request's credentials; stopping the job "
			    "(fix the key, then run again)",
			    "the API refuses the request's credentials: fix the key, then restart");
		else
			run_halt(r, "every request would fail the same way; stopping the job (fix "
			    "the URL, or the CA that verifies the server (CURL_CA_BUNDLE), then run "
			    "again)", "every request fails the same way: fix the URL, or the CA "
			    "that verifies the server (CURL_CA_BUNDLE), then restart");
	}
	return RUN_ANS_RELEASE;
}

/* How long a job's only endpoint may fail every request (its probes
 * included) before the run gives up, its items kept: as long as a store
 * may be away. Under psup the run is started again, with a backoff. */
#define ALONE_GIVE_UP (15 * 60 * 1000 * MS)

/* The answer from a job's only endpoint. Failures in a row rest the whole
 * run as they would rest one of several endpoints: during an outage only
 * probes go out, so the items wait instead of spending their attempts. */
static int alone_answered(struct run *r, struct work *w, struct run_endpoint *e,
    const struct outcome *o, int64_t now)
{
	if (o->kind == OUTCOME_STOP)
		return RUN_ANS_KEEP;    /* the quota: answer_apply stops the job */
	if (o->kind == OUTCOME_FAIL && o->refused)
		return endpoint_refused(r, w, o);
	int was_closed = e->breaker.state == BREAKER_CLOSED;
	int a = breaker_step(&e->breaker, event_of(o, w->status), now);
	rest_note(e, a, o);
	if ((a & BREAKER_A_OPENED) && was_closed)
		run_log(r, "the API failed %d requests in a row (%s): sending nothing for %lld ms, "
		    "then one probe request", e->breaker.threshold, o->why ? o->why : "failed",
		    (long long)(e->breaker.cooldown / MS));
	else if (a & BREAKER_A_OPENED)
		run_log(r, "the probe failed too (%s), the API down for %lld s: another in %lld ms",
		    o->why ? o->why : "failed", (long long)(breaker_down_for(&e->breaker, now) / (1000 * MS)),
		    (long long)(e->breaker.cooldown / MS));
	if (a & BREAKER_A_CLOSED)
		run_log(r, "the API answers again: sending resumes");
	if (breaker_down_for(&e->breaker, now) >= ALONE_GIVE_UP && !r->stopping) {
		r->exit_code = CMD_RUNTIME;
		run_stop(r, "the API has failed every request for 15 minutes; stopping the job (run "
		    "it again once the API answers)");
	}
	return RUN_ANS_KEEP;
}

int run_endpoint_answered(struct run *r, struct work *w, const struct outcome *o, int64_t now)
{
	struct run_endpoint *e = &r->ep[w->ep];
	e->inflight--;
	epstats_add(&e->stats, w->status, w->latency_ms, o->have_tokens[USAGE_ALL] ?
	    o->tokens[USAGE_ALL] : o->tokens[USAGE_INPUT] + o->tokens[USAGE_OUTPUT]);
	if (r->n_ep == 1)
		return alone_answered(r, w, e, o, now);
	if (now - r->ep_stats_at >= STATS_EVERY)
		stats_write(r, now);
	enum breaker_event ev = event_of(o, w->status);
	int a = breaker_step(&e->breaker, ev, now);
	rest_note(e, a, o);
	if (a & BREAKER_A_OPENED)
		run_log(r, "endpoint %s: %d failures in a row (%s): resting %lld ms, then one "
		    "probe request", e->name, e->breaker.threshold, o->why ? o->why : "failed",
		    (long long)(e->breaker.cooldown / MS));
	if (a & BREAKER_A_CLOSED) {
		struct route_ep re[JOB_ENDPOINTS_MAX];
		int64_t soonest;
		route_view(r, now, re, &soonest);
		e->sent = route_level(re, r->n_ep, w->ep);
		run_log(r, "endpoint %s answers again: back in rotation", e->name);
	}
	if (a & BREAKER_A_OUT)
		return taken_out(r, e, o);
	if (ev == BREAKER_FATAL) /* an answer from before it went out */
		return r->n_ep_out < r->n_ep ? RUN_ANS_MOVE : RUN_ANS_RELEASE;
	int transient = o->kind == OUTCOME_RETRY || (o->kind == OUTCOME_FAIL && o->exhausted);
	if (transient && (w->ep_attempts >= r->jc.fallback_after ||
	    e->breaker.state != BREAKER_CLOSED) && other_left(r, w))
		return RUN_ANS_MOVE;
	return RUN_ANS_KEEP;
}

void run_endpoints_note(struct run *r, int64_t now, struct note_facts *f)
{
	for (int i = 0; i < r->n_ep; i++) {
		struct run_endpoint *e = &r->ep[i];
		if (e->breaker.state == BREAKER_OUT)
			continue;
		f->endpoints++;
		if (e->breaker.state != BREAKER_CLOSED) {
			f->resting++;
			f->down_ns = breaker_down_for(&e->breaker, now);
			f->down_why = e->down_why;
			f->probe_every_ns = e->breaker.cooldown;
		}
		int64_t until = pacer_hold_until(&e->pacer);
		if (until && until - now > f->hold_ns)
			f->hold_ns = until - now;
	}
}

void run_endpoints_view(struct run *r, int64_t now, struct pacer_view *v)
{
	pacer_view(&r->ep[0].pacer, now, v);
	for (int i = 1; i < r->n_ep; i++) {
		struct pacer_view one;
		pacer_view(&r->ep[i].pacer, now, &one);
		v->rpm += one.rpm;
		v->tpm += one.tpm;
		v->learned_rpm += one.learned_rpm;
		v->learned_tpm += one.learned_tpm;
		v->api_rpm += one.api_rpm;
		v->api_tpm += one.api_tpm;
	}
}
