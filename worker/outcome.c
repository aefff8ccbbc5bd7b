/* The outcome of one request (see outcome.h): classify.c says what the
 * answer is worth, retryafter.c how long the API asks us to wait; this file
 * weighs them against the attempts left and a shutdown. */
#include "outcome.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "backoff.h"
#include "learn.h"
#include "xalloc.h"

#define MS 1000000LL

/* Google's RetryInfo: {"error":{"details":[{"@type":"...RetryInfo",
 * "retryDelay":"38s"}]}}, the object alone or first in an array. */
static int retry_info_ms(const char *body, size_t len, int64_t *ms)
{
	cJSON *doc = cJSON_ParseWithLength(body, len);
	if (!doc)
		return -1;
	const cJSON *top = cJSON_IsArray(doc) ? cJSON_GetArrayItem(doc, 0) : doc;
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(top, "error");
	const cJSON *details = cJSON_GetObjectItemCaseSensitive(err, "details");
	const cJSON *d;
	int rc = -1;
	cJSON_ArrayForEach(d, details) {
		const cJSON *delay = cJSON_GetObjectItemCaseSensitive(d, "retryDelay");
		if (cJSON_IsString(delay) && retryafter_go_duration(delay->valuestring, ms) == 0) {
			rc = 0;
			break;
		}
	}
	cJSON_Delete(doc);
	return rc;
}

/* The delay a message states in words: OpenAI's "Please try again in 20s"
 * (Go durations: "1.5s", "6m0s", "120ms"), Gemini's "Please retry in 38.9s." */
static int stated_delay_ms(const char *body, size_t len, int64_t *ms)
{
	static const char *const lead[] = { "try again in ", "retry in " };
	for (size_t i = 0; i < sizeof lead / sizeof lead[0]; i++) {
		size_t n = strlen(lead[i]);
		for (size_t at = 0; at + n < len; at++) {
			if (strncasecmp(body + at, lead[i], n) != 0)
				continue;
			char tok[32];
			size_t k = 0;
			for (const char *p = body + at + n; p < body + len && k + 1 < sizeof tok &&
			    *p && strchr("0123456789.hmnsu\xc2\xb5", *p); p++)
				tok[k++] = *p;
			while (k > 0 && tok[k - 1] == '.') /* the sentence's full stop */
				k--;
			tok[k] = '\0';
			if (k > 0 && retryafter_go_duration(tok, ms) == 0)
				return 0;
		}
	}
	return -1;
}

/* How long a 429's body asks to wait, when its headers say nothing. */
static int body_delay_ms(const struct outcome_response *r, int64_t *ms)
{
	const struct response_view *a = &r->answer;
	if (a->status != 429 || !a->body || a->body_len == 0)
		return -1;
	if (retry_info_ms(a->body, a->body_len, ms) == 0)
		return 0;
	return stated_delay_ms(a->body, a->body_len, ms);
}

/* Hold every request when the API says when: a 429 or 503 with a delay in
 * its headers, or a 429 with one in its body (body_ms, -1 if none). A 429
 * that asks for nothing holds one emission interval of the advertised
 * limit, not until its x-ratelimit-reset-*: that is when the bucket is full
 * again, and it refills all along. Before any 429, an answer saying a
 * budget is used up pauses at most a second, for the same reason: the next
 * answer tells whether to pause more. */
static void hold_decide(const struct outcome_response *r, int64_t body_ms, int64_t now,
    struct outcome *o)
{
	int64_t d;
	long status = r->answer.status;
	if (status == 429 || status == 503) {
		if (retryafter_hold_ms(&r->headers, r->real_ms, &d) != 1)
			d = status == 429 ? body_ms : -1;
		if (d > 0) {
			if (d > OUTCOME_HOLD_MAX_MS)
				d = OUTCOME_HOLD_MAX_MS;
			o->hold_until = now + d * MS;
			o->hold_asked = 1;
		} else if (d < 0 && status == 429 && retryafter_interval_ms(&r->headers, &d) == 1) {
			o->hold_until = now + d * MS;
		}
	} else if (retryafter_exhausted_ms(&r->headers, &d) == 1 && d > 0) {
		o->hold_until = now + (d < 1000 ? d : 1000) * MS;
	}
}

/* The verdict's error becomes the outcome's, the reason alone. */
static void error_take(struct outcome *o, struct verdict *v)
{
	o->error = v->error;
	v->error = NULL;
	o->why = o->error;
}

void outcome_decide(const struct outcome_response *r, const struct outcome_attempt *a,
    const struct outcome_policy *p, int64_t now, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	const struct ratelimit_headers *h = &r->headers;
	int64_t body_ms;
	if (body_delay_ms(r, &body_ms) < 0)
		body_ms = -1;
	/* A 429 that names its delay is a rate limit, even in words that
	 * sound like a used-up quota (Gemini's per-minute 429). */
	struct response_view rv = r->answer;
	rv.has_retry_after = rv.has_retry_after || h->retry_after || h->retry_after_ms ||
	    h->ms_retry_after_ms || body_ms >= 0;
	struct verdict v;
	classify_response(&rv, p->extract, p->usage, &v);
	if (p->json || p->require)
		classify_json_result(&v, p->require);
	o->rate_limited = v.rate_limited;
	memcpy(o->tokens, v.tokens, sizeof o->tokens);
	memcpy(o->have_tokens, v.have_tokens, sizeof o->have_tokens);
	hold_decide(r, body_ms, now, o);
	/* A lone refusal keeps its wait to its own item. */
	int64_t item_until = o->hold_until;
	long st = r->answer.status;
	if (!a->refused_lately && v.kind == VERDICT_RETRY &&
	    ((st == 503 && o->hold_until) || (st == 429 && learn_headers_room(h)))) {
		o->lone = 1;
		o->hold_until = 0;
	}

	switch (v.kind) {
	case VERDICT_DONE:
		o->kind = OUTCOME_DONE;
		o->result = v.result;
		v.result = NULL;
		break;
	case VERDICT_RETRY:
		if (a->stopping) {
			/* Shutting down: leave it to be released, not failed. */
			o->kind = OUTCOME_RELEASE;
		} else if (a->probe && !v.rate_limited) {
			/* The endpoint still fails: its breaker rests it again and
			 * holds every item, this one sent first at the next probe. */
			o->kind = OUTCOME_RETRY;
			o->uncounted = 1;
			o->retry_at = now;
		} else if (a->n < p->max_attempts) {
			o->kind = OUTCOME_RETRY;
			o->retry_at = now + backoff_delay_ms(a->n, p->base_delay_ms,
			    p->max_delay_ms, a->draw) * MS;
			if (o->hold_asked && item_until > o->retry_at)
				o->retry_at = item_until;
		} else {
			o->kind = OUTCOME_FAIL;
			o->exhausted = 1;
			o->error = xasprintf("after %d attempts: %s", a->n, v.error);
			o->why = o->error + strlen(o->error) - strlen(v.error);
			break;
		}
		error_take(o, &v);
		break;
	case VERDICT_STOP:
		/* Not the item's fault: it goes back to the queue with the rest. */
		o->kind = OUTCOME_STOP;
		error_take(o, &v);
		break;
	case VERDICT_FAIL:
		o->kind = OUTCOME_FAIL;
		o->refused = v.refused;
		error_take(o, &v);
		break;
	}
	verdict_free(&v);
}

void outcome_free(struct outcome *o)
{
	free(o->result);
	free(o->error);
	o->result = o->error = NULL;
	o->why = NULL;
}
