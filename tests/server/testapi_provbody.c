/* The providers' own words: each one's error bodies for the test API's
 * faults and limits, as their documentation and captured answers show
 * them, and Gemini's generateContent answer. */
#include "testapi.h"
#include "testapi_bucket.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPENAI_ORG "org-psuptest"
#define ANTHROPIC_ORG "9d50ef40-0000-4000-8000-000000000000"
#define AZURE_API_VERSION "2024-10-21"
/* Gemini's free tier: per-minute and per-day quotas, as its QuotaFailure
 * names them. */
#define GEMINI_REQUESTS "generativelanguage.googleapis.com/generate_content_free_tier_requests"
#define GEMINI_TOKENS "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count"
#define GEMINI_RPM_ID "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
#define GEMINI_TPM_ID "GenerateContentInputTokensPerModelPerMinute-FreeTier"
#define GEMINI_RPD_ID "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
#define GEMINI_RPD 1500

static char *print(cJSON *o)
{
	char *out = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	return out;
}

/* The request's "model", or fallback. Writes at most n bytes. */
static void model_of(const struct pv_decision *pv, const char *body, size_t len,
    const char *fallback, char *out, size_t n)
{
	cJSON *root, *m;

	snprintf(out, n, "%s", pv->model[0] ? pv->model : fallback);
	if (pv->model[0] || !body)
		return;
	root = cJSON_ParseWithLength(body, len);
	m = cJSON_GetObjectItemCaseSensitive(root, "model");
	if (cJSON_IsString(m))
		snprintf(out, n, "%s", m->valuestring);
	cJSON_Delete(root);
}

/* 20000 as "20,000", the way Anthropic writes its limits. */
static void with_commas(double x, char *out, size_t n)
{
	char digits[32];
	size_t len, i, o = 0;

	snprintf(digits, sizeof(digits), "%.0f", x);
	len = strlen(digits);
	for (i = 0; i < len && o + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* How long a 429 asks to wait: the limiter's answer, else the configured
 * retry_after. */
static int64_t wait_of(const struct pv_decision *pv, const struct decision *d)
{
	return pv->limited ? pv->wait_ns : (int64_t)d->retry_after_s * 1000000000;
}

static int is_429(int kind)
{
	return kind == FK_RATE_429 || kind == FK_FORCED_429 || kind == FK_RANDOM_429;
}

/* {"error":{"message","type","param":null,"code"}} */
static char *openai_error(const char *msg, const char *type, const char *code)
{
	cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");

	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddStringToObject(e, "type", type);
	cJSON_AddNullToObject(e, "param");
	cJSON_AddStringToObject(e, "code", code);
	return print(o);
}

static char *openai_body(const struct pv_decision *pv, const struct decision *d, int kind,
    const char *body, size_t len, int *status)
{
	char model[64], dur[48], *msg, *out;
	int tokens = pv->limited >= PVL_TOKENS;

	if (kind == FK_QUOTA_429) {
		*status = 429;
		return openai_error("You exceeded your current quota, please check your plan and "
		    "billing details. For more information on this error, read the docs: "
		    "https://platform.openai.com/docs/guides/error-codes/api-errors.",
		    "insufficient_quota", "insufficient_quota");
	}
	if (!is_429(kind))
		return NULL;
	model_of(pv, body, len, "gpt-4o-mini", model, sizeof(model));
	bucket_fmt_duration((wait_of(pv, d) + 999999) / 1000000 * 1000000, dur, sizeof(dur));
	if (pv->limited)
		msg = xasprintf("Rate limit reached for %s in organization %s on %s: Limit %.0f, "
		    "Used %.0f, Requested %.0f. Please try again in %s. Visit "
		    "https://platform.openai.com/account/rate-limits to learn more.", model,
		    OPENAI_ORG, tokens ? "tokens per min (TPM)" : "requests per min (RPM)",
		    pv->limit, pv->used, pv->requested, dur);
	else
		msg = xasprintf("Rate limit reached for %s in organization %s on requests per "
		    "min (RPM). Please try again in %s. Visit "
		    "https://platform.openai.com/account/rate-limits to learn more.", model,
		    OPENAI_ORG, dur);
	out = openai_error(msg, tokens ? "tokens" : "requests", "rate_limit_exceeded");
	free(msg);
	*status = 429;
	return out;
}

/* Azure OpenAI's 429: {"error":{"code":"429","message":...}}; other
 * errors are OpenAI's. */
static char *azure_body(const struct pv_decision *pv, const struct decision *d, int kind,
    const char *body, size_t len, int *status)
{
	cJSON *o, *e;
	char *msg;

	if (!is_429(kind))
		return openai_body(pv, d, kind, body, len, status);
	msg = xasprintf("Requests to the ChatCompletions_Create Operation under Azure OpenAI "
	    "API version %s have exceeded %s rate limit of your current OpenAI S0 pricing "
	    "tier. Please retry after %lld seconds. Please go here: "
	    "https://aka.ms/oai/quotaincrease if you would like to further increase the "
	    "default rate limit.", AZURE_API_VERSION,
	    pv->limited >= PVL_TOKENS ? "token" : "call",
	    (long long)((wait_of(pv, d) + 999999999) / 1000000000));
	o = cJSON_CreateObject();
	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "code", "429");
	cJSON_AddStringToObject(e, "message", msg);
	free(msg);
	*status = 429;
	return print(o);
}

/* {"type":"error","error":{"type","message"[,"details":{"error_code"}]},"request_id"} */
static char *anthropic_error(const struct pv_decision *pv, const char *type, const char *msg,
    const char *error_code)
{
	cJSON *o = cJSON_CreateObject(), *e;
	char id[48];

	cJSON_AddStringToObject(o, "type", "error");
	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "type", type);
	cJSON_AddStringToObject(e, "message", msg);
	if (error_code)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "details"), "error_code",
		    error_code);
	snprintf(id, sizeof(id), "req_011psup%014llx", (unsigned long long)pv->seq);
	cJSON_AddStringToObject(o, "request_id", id);
	return print(o);
}

static char *anthropic_body(const struct pv_decision *pv, int kind, int *status)
{
	static const char *const what[] = {
		[PVL_NONE] = "requests", [PVL_REQUESTS] = "requests", [PVL_TOKENS] = "tokens",
		[PVL_INPUT] = "input tokens", [PVL_OUTPUT] = "output tokens",
	};
	char n[32], *msg, *out;

	switch (kind) {
	case FK_QUOTA_429:
		*status = 429;
		return anthropic_error(pv, "rate_limit_error", "This request would exceed your "
		    "account's monthly spend limit. Please try again later.",
		    "enforced_spend_limit_reached");
	case FK_503:
		*status = 529;
		return anthropic_error(pv, "overloaded_error", "Overloaded", NULL);
	case FK_500:
		*status = 500;
		return anthropic_error(pv, "api_error", "Internal server error", NULL);
	case FK_AUTH_401:
		*status = 401;
		return anthropic_error(pv, "authentication_error", "invalid x-api-key", NULL);
	case FK_MARKER_400:
		*status = 400;
		return anthropic_error(pv, "invalid_request_error",
		    "the request contains the rejected marker", NULL);
	}
	if (!is_429(kind))
		return NULL;
	*status = 429;
	if (!pv->limited)
		return anthropic_error(pv, "rate_limit_error", "This request would exceed your "
		    "account's rate limit. Please try again later.", NULL);
	with_commas(pv->limit, n, sizeof(n));
	msg = xasprintf("This request would exceed the rate limit for your organization (%s) "
	    "of %s %s per minute. For details, refer to: https://docs.claude.com/en/api/"
	    "rate-limits. You can see the response headers for current usage. Please reduce "
	    "the prompt length or the maximum tokens requested, or try again later. You may "
	    "also contact sales at https://claude.com/contact-sales to discuss your options "
	    "for a rate limit increase.", ANTHROPIC_ORG, n, what[pv->limited]);
	out = anthropic_error(pv, "rate_limit_error", msg, NULL);
	free(msg);
	return out;
}

/* {"error":{"code","message","status"[,"details":[]]}}: a google.rpc.Status. */
static cJSON *gemini_status(int code, const char *msg, const char *status, cJSON **details)
{
	cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");

	cJSON_AddNumberToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddStringToObject(e, "status", status);
	if (details)
		*details = cJSON_AddArrayToObject(e, "details");
	return o;
}

static cJSON *gemini_detail(cJSON *details, const char *type)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "@type", type);
	cJSON_AddItemToArray(details, d);
	return d;
}

/* RESOURCE_EXHAUSTED with Help, a QuotaFailure naming (metric, id, value)
 * and RetryInfo: alike for a per-minute limit and the per-day quota, as
 * Gemini sends them. retryDelay is whole seconds ("38s") while the text
 * says "retry in 38.9s". */
static char *gemini_exhausted(const char *model, const char *metric, const char *id,
    double value, int64_t wait_ns)
{
	char dur[48], delay[32], val[32], *msg;
	cJSON *o, *details, *d, *v, *link;

	bucket_fmt_duration(wait_ns, dur, sizeof(dur));
	snprintf(delay, sizeof(delay), "%llds", (long long)(wait_ns / 1000000000));
	snprintf(val, sizeof(val), "%.0f", value);
	msg = xasprintf("You exceeded your current quota, please check your plan and billing "
	    "details. For more information on this error, head to: "
	    "https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current "
	    "usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for "
	    "metric: %s, limit: %s, model: %s\nPlease retry in %s.", metric, val, model, dur);
	o = gemini_status(429, msg, "RESOURCE_EXHAUSTED", &details);
	free(msg);
	d = gemini_detail(details, "type.googleapis.com/google.rpc.Help");
	link = cJSON_CreateObject();
	cJSON_AddStringToObject(link, "description", "Learn more about Gemini API quotas");
	cJSON_AddStringToObject(link, "url", "https://ai.google.dev/gemini-api/docs/rate-limits");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(d, "links"), link);
	d = gemini_detail(details, "type.googleapis.com/google.rpc.QuotaFailure");
	v = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(d, "violations"), v);
	cJSON_AddStringToObject(v, "quotaMetric", metric);
	cJSON_AddStringToObject(v, "quotaId", id);
	d = cJSON_AddObjectToObject(v, "quotaDimensions");
	cJSON_AddStringToObject(d, "location", "global");
	cJSON_AddStringToObject(d, "model", model);
	cJSON_AddStringToObject(v, "quotaValue", val);
	d = gemini_detail(details, "type.googleapis.com/google.rpc.RetryInfo");
	cJSON_AddStringToObject(d, "retryDelay", delay);
	return print(o);
}

static char *gemini_body(const struct pv_decision *pv, const struct decision *d, int kind,
    int *status)
{
	const char *model = pv->model[0] ? pv->model : "gemini-2.0-flash";
	cJSON *o, *details, *info;

	switch (kind) {
	case FK_QUOTA_429:
		*status = 429;
		return gemini_exhausted(model, GEMINI_REQUESTS, GEMINI_RPD_ID, GEMINI_RPD,
		    (int64_t)d->retry_after_s * 1000000000);
	case FK_503:
		*status = 503;
		return print(gemini_status(503, "The model is overloaded. Please try again later.",
		    "UNAVAILABLE", NULL));
	case FK_500:
		*status = 500;
		return print(gemini_status(500, "An internal error has occurred. Please retry or "
		    "report in https://developers.generativeai.google/guide/troubleshooting",
		    "INTERNAL", NULL));
	case FK_AUTH_401:
		*status = 400;
		o = gemini_status(400, "API key not valid. Please pass a valid API key.",
		    "INVALID_ARGUMENT", &details);
		info = gemini_detail(details, "type.googleapis.com/google.rpc.ErrorInfo");
		cJSON_AddStringToObject(info, "reason", "API_KEY_INVALID");
		cJSON_AddStringToObject(info, "domain", "googleapis.com");
		return print(o);
	case FK_MARKER_400:
		*status = 400;
		return print(gemini_status(400, "the request contains the rejected marker",
		    "INVALID_ARGUMENT", NULL));
	}
	if (!is_429(kind))
		return NULL;
	*status = 429;
	if (pv->limited >= PVL_TOKENS)
		return gemini_exhausted(model, GEMINI_TOKENS, GEMINI_TPM_ID, pv->limit, pv->wait_ns);
	return gemini_exhausted(model, GEMINI_REQUESTS, GEMINI_RPM_ID,
	    pv->limited ? pv->limit : d->limit * 60, wait_of(pv, d));
}

char *provbody_error(const struct pv_decision *pv, const struct decision *d, int kind,
    const char *body, size_t len, int *status)
{
	switch (pv->provider) {
	case PV_OPENAI:
		return openai_body(pv, d, kind, body, len, status);
	case PV_AZURE:
		return azure_body(pv, d, kind, body, len, status);
	case PV_ANTHROPIC:
		return anthropic_body(pv, kind, status);
	case PV_GEMINI:
		return gemini_body(pv, d, kind, status);
	default:
		return NULL;
	}
}

/* The text parts of the last user turn of contents, joined; NULL if none. */
static char *gemini_user_text(const cJSON *contents)
{
	const cJSON *c, *role, *user = NULL;

	cJSON_ArrayForEach(c, contents) {
		role = cJSON_GetObjectItemCaseSensitive(c, "role");
		if (!role || (cJSON_IsString(role) && !strcmp(role->valuestring, "user")))
			user = c;
	}
	return user ? echo_message_text(cJSON_GetObjectItemCaseSensitive(user, "parts")) : NULL;
}

char *provbody_gemini(const char *body, size_t len, const char *model, int *status,
    const char **why)
{
	cJSON *root, *contents, *o, *cand, *content, *part, *usage;
	char *text = NULL, *answer, id[40];
	uint64_t h = 0xcbf29ce484222325ULL;
	double pt, ct;
	size_t i;

	root = cJSON_ParseWithLength(body, len);
	contents = cJSON_GetObjectItemCaseSensitive(root, "contents");
	if (!cJSON_IsArray(contents) || !(text = gemini_user_text(contents))) {
		*why = "contents: no user turn with text parts";
		*status = 400;
		cJSON_Delete(root);
		return NULL;
	}
	answer = xasprintf("echo: %s", text);
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)body[i]) * 0x100000001b3ULL;
	snprintf(id, sizeof(id), "psup%016llx", (unsigned long long)h);
	pt = bucket_tokens_of(len);
	ct = bucket_tokens_of(strlen(answer));

	o = cJSON_CreateObject();
	cand = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "candidates"), cand);
	content = cJSON_AddObjectToObject(cand, "content");
	part = cJSON_CreateObject();
	cJSON_AddStringToObject(part, "text", answer);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(content, "parts"), part);
	cJSON_AddStringToObject(content, "role", "model");
	cJSON_AddStringToObject(cand, "finishReason", "STOP");
	cJSON_AddNumberToObject(cand, "index", 0);
	usage = cJSON_AddObjectToObject(o, "usageMetadata");
	cJSON_AddNumberToObject(usage, "promptTokenCount", pt);
	cJSON_AddNumberToObject(usage, "candidatesTokenCount", ct);
	cJSON_AddNumberToObject(usage, "totalTokenCount", pt + ct);
	cJSON_AddStringToObject(o, "modelVersion", model && *model ? model : "gemini-2.0-flash");
	cJSON_AddStringToObject(o, "responseId", id);
	cJSON_Delete(root);
	free(answer);
	free(text);
	*status = 200;
	return print(o);
}
