/* outcome_decide over every class of answer: what happens to the item
 * (done, retry when, fail, release) and to every request (hold until when,
 * AIMD told), with the providers' own 429 formats. */
#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outcome.h"
#include "provider_bodies.h"
#include "tap.h"

#define MS 1000000LL
#define NOW (5000 * MS)
/* 1994-11-06T08:49:37Z, the wall clock of every answer */
#define T0 784111777000LL

/* A policy of 4 attempts, backoff 500ms doubling to 30s; the draw is the
 * largest, so a backoff is its cap: 500ms after attempt 1, 1s after 2. */
static const struct outcome_policy policy = {
	.max_attempts = 4, .base_delay_ms = 500, .max_delay_ms = 30000,
	.extract = NULL, .usage = { "/usage/total_tokens" },
};

struct row {
	const char *name;
	int curl;
	long status;
	const char *body;
	const char *headers;     /* "name: value\n" lines */
	const char *extract;
	int attempt, stopping;
	enum outcome_kind want;
	int64_t retry_ms;        /* RETRY: retry_at - now */
	int64_t hold_ms;         /* hold_until - now, 0 for none */
	int asked, limited;
	const char *has;         /* in the result (DONE) or the error */
	int lone;                /* another refusal came lately: 0; lone: 1 (want) */
	int lately;              /* another 429 or 503 came lately (given) */
};

static const struct row rows[] = {
	{ "2xx, extract", 0, 200, chat, "", "/choices/0/message/content", 1, 0,
	  OUTCOME_DONE, 0, 0, 0, 0, "\"hello\\nworld\"", 0, 0 },
	{ "2xx, whole body", 0, 201, chat, "", NULL, 1, 0,
	  OUTCOME_DONE, 0, 0, 0, 0, "{\"choices\":[{", 0, 0 },
	{ "2xx not JSON, no extract: kept as a string", 0, 200, html, "", NULL, 1, 0,
	  OUTCOME_DONE, 0, 0, 0, 0, "\"<html><body>", 0, 0 },
	{ "2xx not JSON, extract: fails", 0, 200, html, "", "/choices", 1, 0,
	  OUTCOME_FAIL, 0, 0, 0, 0, "HTTP 200 but the body is not JSON", 0, 0 },
	{ "2xx, extract not there", 0, 200, "{\"choices\":[]}", "", "/choices/0", 1, 0,
	  OUTCOME_FAIL, 0, 0, 0, 0, "extract /choices/0", 0, 0 },
	{ "2xx saying a budget is used up: pause a second at most", 0, 200, chat,
	  "x-ratelimit-remaining-requests: 0\nx-ratelimit-reset-requests: 6m0s\n", NULL, 1, 0,
	  OUTCOME_DONE, 0, 1000, 0, 0, "{\"choices\"", 0, 0 },
	{ "400", 0, 400, "{\"error\":\"bad request\"}", "", NULL, 1, 0,
	  OUTCOME_FAIL, 0, 0, 0, 0, "HTTP 400: {\"error\":\"bad request\"}", 0, 0 },
	{ "401", 0, 401, "", "", NULL, 1, 0,
	  OUTCOME_FAIL, 0, 0, 0, 0, "HTTP 401: (empty body)", 0, 0 },
	{ "408", 0, 408, "", "", NULL, 1, 0,
	  OUTCOME_RETRY, 500, 0, 0, 0, "HTTP 408", 0, 0 },
	{ "429 without a delay: backoff", 0, 429, "slow down", "", NULL, 2, 0,
	  OUTCOME_RETRY, 1000, 0, 0, 1, "HTTP 429: slow down", 0, 0 },
	{ "429 retry-after seconds", 0, 429, "slow down", "retry-after: 2\n", NULL, 1, 0,
	  OUTCOME_RETRY, 2000, 2000, 1, 1, "HTTP 429", 0, 0 },
	{ "429 retry-after below the backoff", 0, 429, "", "retry-after: 0.2\n", NULL, 1, 0,
	  OUTCOME_RETRY, 500, 200, 1, 1, "HTTP 429", 0, 0 },
	{ "429 retry-after date", 0, 429, "", "retry-after: Sun, 06 Nov 1994 08:49:47 GMT\n",
	  NULL, 1, 0, OUTCOME_RETRY, 10000, 10000, 1, 1, "HTTP 429", 0, 0 },
	{ "429 retry-after-ms (Azure)", 0, 429, "", "retry-after-ms: 1500\n", NULL, 1, 0,
	  OUTCOME_RETRY, 1500, 1500, 1, 1, "HTTP 429", 0, 0 },
	{ "429 x-ms-retry-after-ms alone (Azure)", 0, 429, "", "x-ms-retry-after-ms: 2500\n",
	  NULL, 1, 0, OUTCOME_RETRY, 2500, 2500, 1, 1, "HTTP 429", 0, 0 },
	{ "429 retry-after of two hours: an hour", 0, 429, "", "retry-after: 7200\n", NULL, 1, 0,
	  OUTCOME_RETRY, OUTCOME_HOLD_MAX_MS, OUTCOME_HOLD_MAX_MS, 1, 1, "HTTP 429", 0, 0 },
	{ "429 OpenAI asking nothing: one emission interval of its limit, not the reset", 0, 429,
	  openai_rate_bare, "x-ratelimit-limit-requests: 500\nx-ratelimit-remaining-requests: 0\n"
	  "x-ratelimit-reset-requests: 6m0s\n", NULL, 1, 0,
	  OUTCOME_RETRY, 500, 120, 0, 1, "HTTP 429", 0, 0 },
	{ "429 OpenAI \"try again in 20s\" with resets: the 20 s", 0, 429, openai_rate,
	  "x-ratelimit-limit-requests: 500\nx-ratelimit-remaining-requests: 0\n"
	  "x-ratelimit-reset-requests: 3s\nx-ratelimit-remaining-tokens: 100\n"
	  "x-ratelimit-reset-tokens: 9s\n", NULL, 1, 0,
	  OUTCOME_RETRY, 20000, 20000, 1, 1, "HTTP 429", 0, 0 },
	{ "429 asking nothing, no limit known: backoff only", 0, 429, openai_rate_bare,
	  "x-ratelimit-reset-requests: 6m0s\n", NULL, 1, 0,
	  OUTCOME_RETRY, 500, 0, 0, 1, "HTTP 429", 0, 0 },
	{ "429 Anthropic rate limit asking nothing: one interval of requests-limit", 0, 429,
	  anthropic_rate, "anthropic-ratelimit-requests-limit: 50\n", NULL, 1, 0,
	  OUTCOME_RETRY, 500, 1200, 0, 1, "HTTP 429", 0, 0 },
	{ "429 Azure x-ms-retry-after-ms with the delay in words", 0, 429, azure_rate,
	  "x-ms-retry-after-ms: 5000\n", NULL, 1, 0,
	  OUTCOME_RETRY, 5000, 5000, 1, 1, "HTTP 429", 0, 0 },
	{ "429 Gemini per-minute, retryDelay 2.463586755s", 0, 429, gemini_fraction, "", NULL, 1, 0,
	  OUTCOME_RETRY, 2464, 2464, 1, 1, "HTTP 429", 0, 0 },
	{ "429 Anthropic reset header", 0, 429, "", "retry-after: 4\n"
	  "anthropic-ratelimit-requests-reset: 1994-11-06T08:49:40Z\n", NULL, 1, 0,
	  OUTCOME_RETRY, 4000, 4000, 1, 1, "HTTP 429", 0, 0 },
	{ "429 OpenAI \"try again in 20s\", no header", 0, 429, openai_rate, "", NULL, 1, 0,
	  OUTCOME_RETRY, 20000, 20000, 1, 1, "HTTP 429", 0, 0 },
	{ "429 Gemini RetryInfo retryDelay: transient", 0, 429, gemini_minute, "", NULL, 1, 0,
	  OUTCOME_RETRY, 38000, 38000, 1, 1, "HTTP 429", 0, 0 },
	{ "429 Gemini \"retry in 1.5s.\" in words", 0, 429, gemini_text_only, "", NULL, 1, 0,
	  OUTCOME_RETRY, 1500, 1500, 1, 1, "HTTP 429", 0, 0 },
	{ "429 insufficient_quota: the job stops", 0, 429, openai_quota, "", NULL, 1, 0,
	  OUTCOME_STOP, 0, 0, 0, 1, "HTTP 429, quota used up (insufficient_quota)", 0, 0 },
	{ "429 insufficient_quota with retry-after: the job stops", 0, 429, openai_quota,
	  "retry-after: 1\n", NULL, 1, 0, OUTCOME_STOP, 0, 1000, 1, 1, "quota used up", 0, 0 },
	{ "400 billing_hard_limit_reached: the job stops", 0, 400, openai_hard_limit, "", NULL, 1, 0,
	  OUTCOME_STOP, 0, 0, 0, 0, "quota used up (billing_hard_limit_reached)", 0, 0 },
	{ "429 Anthropic spend cap (error_code, no retry-after): the job stops", 0, 429,
	  anthropic_spend, "", NULL, 1, 0,
	  OUTCOME_STOP, 0, 0, 0, 1, "quota used up (enforced_spend_limit_reached)", 0, 0 },
	{ "429 Anthropic spend limit in words, no retry-after: the job stops", 0, 429,
	  anthropic_spend_words, "", NULL, 1, 0, OUTCOME_STOP, 0, 0, 0, 1, "quota used up", 0, 0 },
	{ "429 Anthropic rate limit with retry-after: transient", 0, 429, anthropic_rate,
	  "retry-after: 7\n", NULL, 1, 0, OUTCOME_RETRY, 7000, 7000, 1, 1, "HTTP 429", 0, 0 },
	{ "429 Gemini daily quota: the job stops despite its retryDelay", 0, 429, gemini_daily, "",
	  NULL, 1, 0, OUTCOME_STOP, 0, 2464, 1, 1, "quota used up (daily quota", 0, 0 },
	{ "429 quota used up while shutting down: still a stop", 0, 429, openai_quota, "", NULL, 2, 1,
	  OUTCOME_STOP, 0, 0, 0, 1, "quota used up", 0, 0 },
	{ "429 quota used up on the last attempt: a stop, not a failure", 0, 429, openai_quota, "",
	  NULL, 4, 0, OUTCOME_STOP, 0, 0, 0, 1, "quota used up", 0, 0 },
	{ "500", 0, 500, "", "", NULL, 1, 0,
	  OUTCOME_RETRY, 500, 0, 0, 0, "HTTP 500", 0, 0 },
	{ "503 retry-after after another refusal: everyone holds", 0, 503, "", "retry-after: 3\n",
	  NULL, 1, 0, OUTCOME_RETRY, 3000, 3000, 1, 0, "HTTP 503", 0, 1 },
	{ "lone 503 retry-after: only its item waits", 0, 503, "", "retry-after: 3\n", NULL, 1, 0,
	  OUTCOME_RETRY, 3000, 0, 1, 0, "HTTP 503", 1, 0 },
	{ "lone 429 with requests and tokens left: only its item waits", 0, 429, openai_rate_bare,
	  "retry-after: 1\nx-ratelimit-limit-requests: 24000\nx-ratelimit-remaining-requests: 23000\n"
	  "x-ratelimit-remaining-tokens: 5000\n", NULL, 1, 0,
	  OUTCOME_RETRY, 1000, 0, 1, 1, "HTTP 429", 1, 0 },
	{ "429 with requests left after another refusal: a limit", 0, 429, openai_rate_bare,
	  "retry-after: 1\nx-ratelimit-limit-requests: 24000\nx-ratelimit-remaining-requests: 23000\n",
	  NULL, 1, 0, OUTCOME_RETRY, 1000, 1000, 1, 1, "HTTP 429", 0, 1 },
	{ "lone 429 with tokens used up: a limit", 0, 429, openai_rate_bare,
	  "retry-after: 1\nx-ratelimit-remaining-requests: 23000\nx-ratelimit-remaining-tokens: 0\n",
	  NULL, 1, 0, OUTCOME_RETRY, 1000, 1000, 1, 1, "HTTP 429", 0, 0 },
	{ "lone 429 without headers (Gemini): a limit", 0, 429, gemini_fraction, "", NULL, 1, 0,
	  OUTCOME_RETRY, 2464, 2464, 1, 1, "HTTP 429", 0, 0 },
	{ "503 naming a delay only in words: backoff", 0, 503, "busy, try again in 5s", "",
	  NULL, 1, 0, OUTCOME_RETRY, 500, 0, 0, 0, "HTTP 503", 0, 0 },
	{ "529 Anthropic overloaded", 0, 529, anthropic_overloaded, "", NULL, 3, 0,
	  OUTCOME_RETRY, 2000, 0, 0, 0, "HTTP 529", 0, 0 },
	{ "timeout", CURLE_OPERATION_TIMEDOUT, 0, NULL, "", NULL, 1, 0,
	  OUTCOME_RETRY, 500, 0, 0, 0, "transfer failed", 0, 0 },
	{ "connection reset", CURLE_RECV_ERROR, 0, NULL, "", NULL, 1, 0,
	  OUTCOME_RETRY, 500, 0, 0, 0, "transfer failed", 0, 0 },
	{ "connection refused", CURLE_COULDNT_CONNECT, 0, NULL, "", NULL, 1, 0,
	  OUTCOME_RETRY, 500, 0, 0, 0, "transfer failed", 0, 0 },
	{ "bad URL: permanent", CURLE_URL_MALFORMAT, 0, NULL, "", NULL, 1, 0,
	  OUTCOME_FAIL, 0, 0, 0, 0, "transfer failed", 0, 0 },
	{ "last attempt exhausted", 0, 500, "oops", "", NULL, 4, 0,
	  OUTCOME_FAIL, 0, 0, 0, 0, "after 4 attempts: HTTP 500: oops", 0, 0 },
	{ "last attempt of a 429 exhausted", 0, 429, "", "retry-after: 1\n", NULL, 4, 0,
	  OUTCOME_FAIL, 0, 1000, 1, 1, "after 4 attempts: HTTP 429", 0, 0 },
	{ "shutting down: released", 0, 503, "", "", NULL, 1, 1,
	  OUTCOME_RELEASE, 0, 0, 0, 0, "HTTP 503", 0, 0 },
	{ "shutting down after the last attempt: released", CURLE_OPERATION_TIMEDOUT, 0,
	  NULL, "", NULL, 4, 1, OUTCOME_RELEASE, 0, 0, 0, 0, "transfer failed", 0, 0 },
	{ "shutting down, 2xx: done", 0, 200, chat, "", NULL, 1, 1,
	  OUTCOME_DONE, 0, 0, 0, 0, "{\"choices\"", 0, 0 },
	{ "shutting down, 400: failed", 0, 400, "no", "", NULL, 1, 1,
	  OUTCOME_FAIL, 0, 0, 0, 0, "HTTP 400: no", 0, 0 },
};

/* Header storage for one row: the pointers in struct ratelimit_headers
 * point into it. */
struct hdrs {
	char text[512];
};

static void headers_fill(const char *spec, struct hdrs *store, struct ratelimit_headers *h)
{
	static const struct { const char *name; size_t off; } names[] = {
		{ "retry-after", offsetof(struct ratelimit_headers, retry_after) },
		{ "retry-after-ms", offsetof(struct ratelimit_headers, retry_after_ms) },
		{ "x-ms-retry-after-ms", offsetof(struct ratelimit_headers, ms_retry_after_ms) },
		{ "x-ratelimit-reset-requests", offsetof(struct ratelimit_headers, reset_requests) },
		{ "x-ratelimit-reset-tokens", offsetof(struct ratelimit_headers, reset_tokens) },
		{ "x-ratelimit-remaining-requests",
		  offsetof(struct ratelimit_headers, remaining_requests) },
		{ "x-ratelimit-remaining-tokens",
		  offsetof(struct ratelimit_headers, remaining_tokens) },
		{ "anthropic-ratelimit-requests-reset",
		  offsetof(struct ratelimit_headers, anthropic_reset) },
		{ "x-ratelimit-limit-requests", offsetof(struct ratelimit_headers, limit_requests) },
		{ "anthropic-ratelimit-requests-limit",
		  offsetof(struct ratelimit_headers, limit_requests) },
	};
	memset(h, 0, sizeof *h);
	snprintf(store->text, sizeof store->text, "%s", spec);
	char *line = store->text, *nl;
	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		char *colon = strchr(line, ':');
		*colon = '\0';
		size_t i = 0;
		while (strcmp(names[i].name, line) != 0)
			i++;
		*(const char **)((char *)h + names[i].off) = colon + 2;
	}
}

static const char *kind_name(enum outcome_kind k)
{
	static const char *const names[] = { "done", "retry", "fail", "release", "stop" };
	return names[k];
}

int main(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *w = &rows[i];
		struct hdrs store;
		struct outcome_response r = {
			.answer = { .curl_code = w->curl, .status = w->status, .body = w->body,
				.body_len = w->body ? strlen(w->body) : 0 },
			.real_ms = T0,
		};
		headers_fill(w->headers, &store, &r.headers);
		struct outcome_attempt a = { .n = w->attempt, .stopping = w->stopping,
			.draw = UINT64_MAX, .refused_lately = w->lately };
		struct outcome_policy p = policy;
		p.extract = w->extract;
		struct outcome o;
		outcome_decide(&r, &a, &p, NOW, &o);
		const char *text = o.kind == OUTCOME_DONE ? o.result : o.error;
		int64_t retry_ms = o.kind == OUTCOME_RETRY ? (o.retry_at - NOW) / MS : 0;
		int64_t hold_ms = o.hold_until ? (o.hold_until - NOW) / MS : 0;
		int good = o.kind == w->want && retry_ms == w->retry_ms && hold_ms == w->hold_ms &&
		    o.hold_asked == w->asked && o.rate_limited == w->limited && o.lone == w->lone &&
		    text &&
		    strstr(text, w->has);
		ok(good, "%s: %s, retry %lld ms, hold %lld ms%s%s%s: %s", w->name, kind_name(o.kind),
		    (long long)retry_ms, (long long)hold_ms, o.hold_asked ? ", asked" : "",
		    o.rate_limited ? ", 429" : "", o.lone ? ", lone" : "", text ? text : "(null)");
		if (o.kind != OUTCOME_DONE)
			ok(o.why && strstr(o.error, o.why) && strncmp(o.why, "after", 5) != 0,
			    "%s: the reason alone is \"%s\"", w->name, o.why ? o.why : "(null)");
		outcome_free(&o);
	}

	/* Tokens come from the usage pointer; the exhausted flag says why a
	 * failure was final. */
	struct outcome_response r = {
		.answer = { .status = 200, .body = chat, .body_len = strlen(chat) },
		.real_ms = T0,
	};
	struct outcome_attempt a = { .n = 1, .draw = 0 };
	struct outcome o;
	outcome_decide(&r, &a, &policy, NOW, &o);
	ok(o.have_tokens[USAGE_ALL] && o.tokens[USAGE_ALL] == 42, "usage gives 42 tokens");
	outcome_free(&o);
	r.answer.status = 500;
	a.n = 4;
	outcome_decide(&r, &a, &policy, NOW, &o);
	ok(o.kind == OUTCOME_FAIL && o.exhausted, "a failed last attempt is marked exhausted");
	outcome_free(&o);
	r.answer.status = 404;
	a.n = 1;
	outcome_decide(&r, &a, &policy, NOW, &o);
	ok(o.kind == OUTCOME_FAIL && !o.exhausted && !o.refused,
	    "a 404 is final, not exhausted, the item's own");
	outcome_free(&o);
	/* A refusal of the endpoint is carried to the run, which stops or
	 * takes the endpoint out instead of failing the item. */
	r.answer.status = 401;
	outcome_decide(&r, &a, &policy, NOW, &o);
	ok(o.kind == OUTCOME_FAIL && o.refused == REFUSED_KEY, "a 401: the key is refused");
	outcome_free(&o);
	r.answer.status = 0;
	r.answer.curl_code = CURLE_PEER_FAILED_VERIFICATION;
	outcome_decide(&r, &a, &policy, NOW, &o);
	ok(o.kind == OUTCOME_FAIL && o.refused == REFUSED_SETUP,
	    "an unverified certificate: the endpoint cannot be used");
	outcome_free(&o);
	r.answer.curl_code = 0;
	/* A probe of a resting endpoint that fails again: the endpoint's
	 * failure, not the item's; a 429 is an answer, counted as ever. */
	struct outcome_attempt probe = { .n = 4, .draw = UINT64_MAX, .probe = 1 };
	r.answer.status = 503;
	outcome_decide(&r, &probe, &policy, NOW, &o);
	ok(o.kind == OUTCOME_RETRY && o.uncounted && o.retry_at == NOW,
	    "a failed probe on the last attempt: retried now, not counted, not failed");
	outcome_free(&o);
	r.answer.status = 0;
	r.answer.curl_code = CURLE_COULDNT_CONNECT;
	probe.n = 1;
	outcome_decide(&r, &probe, &policy, NOW, &o);
	ok(o.kind == OUTCOME_RETRY && o.uncounted, "a probe that cannot connect: not counted");
	outcome_free(&o);
	r.answer.curl_code = 0;
	r.answer.status = 429;
	outcome_decide(&r, &probe, &policy, NOW, &o);
	ok(o.kind == OUTCOME_RETRY && !o.uncounted, "a probe answered 429: counted as any 429");
	outcome_free(&o);
	r.answer.status = 400;
	outcome_decide(&r, &probe, &policy, NOW, &o);
	ok(o.kind == OUTCOME_FAIL && !o.uncounted, "a probe answered 400: the item's own failure");
	outcome_free(&o);
	probe.stopping = 1;
	r.answer.status = 503;
	outcome_decide(&r, &probe, &policy, NOW, &o);
	ok(o.kind == OUTCOME_RELEASE, "a failed probe while stopping: released");
	outcome_free(&o);
	/* A zero draw is a zero backoff: the retry is due at once. */
	r.answer.status = 502;
	outcome_decide(&r, &a, &policy, NOW, &o);
	ok(o.kind == OUTCOME_RETRY && o.retry_at == NOW, "zero jitter draw retries now");
	outcome_free(&o);
	return done_testing();
}
