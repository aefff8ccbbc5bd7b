/* Response classification. Retry what time can fix (408, 429, 5xx, network
 * trouble); fail at once what it cannot (other 4xx, a 2xx we cannot read),
 * keeping the start of the body so the user sees why; and tell apart an
 * account whose quota or money is used up, which no retry fixes. */
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "buf.h"
#include "jsonptr.h"
#include "jsonraw.h"
#include "store.h"
#include "xalloc.h"

int classify_curl_retryable(int curl_code)
{
	switch ((CURLcode)curl_code) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_AGAIN:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

int classify_curl_refused(int curl_code)
{
	switch ((CURLcode)curl_code) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return 1;
	default:
		return 0;
	}
}

/* The first CLASSIFY_BODY_KEEP bytes of the body on one line, cut on a
 * UTF-8 character boundary so the message stays valid text. */
static char *body_start(const char *body, size_t len)
{
	if (!body || len == 0)
		return xstrdup("(empty body)");
	size_t n = len;
	int cut = 0;
	if (n > CLASSIFY_BODY_KEEP) {
		n = CLASSIFY_BODY_KEEP;
		while (n > 0 && ((unsigned char)body[n] & 0xC0) == 0x80)
			n--;
		cut = 1;
	}
	char *s = xmalloc(n + 4);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)body[i];
		s[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	memcpy(s + n, cut ? "..." : "", cut ? 4 : 1);
	return s;
}

static int status_retryable(long status)
{
	return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

static int contains_ci(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/* What an error answer says of the account, from its structured fields. */
enum quota_sign {
	QUOTA_UNSAID,            /* nothing structured decides */
	QUOTA_RATE,              /* a rate limit: waiting helps */
	QUOTA_USED_UP,           /* quota or money used up: waiting does not help */
};

/* OpenAI's error.code and error.type values for money or quota used up
 * (its error-codes guide: insufficient_quota and the codes under it;
 * billing_hard_limit_reached, sent with 400 or 429), Anthropic's
 * error.details.error_code for its monthly spend cap and its 402
 * error.type. */
static const char *const used_up_names[] = {
	"insufficient_quota", "billing_hard_limit_reached", "credit_balance_exhausted",
	"organization_spend_limit_exceeded", "project_spend_limit_exceeded",
	"organization_usage_limit_exceeded", "enforced_spend_limit_reached", "billing_error",
};

static const char *string_field(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int used_up_name(const char *v)
{
	if (!v)
		return 0;
	for (size_t i = 0; i < sizeof used_up_names / sizeof used_up_names[0]; i++)
		if (strcmp(v, used_up_names[i]) == 0)
			return 1;
	return 0;
}

/* A Google QuotaFailure violation that waiting a minute cannot clear: a
 * per-day quota (quotaId "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
 * metric "..._per_day"), or a quota of 0 (the project may not use the model). */
static int violation_lasting(const cJSON *v, char *name, size_t n)
{
	const char *id = string_field(v, "quotaId");
	const char *metric = string_field(v, "quotaMetric");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(v, "quotaValue");
	if ((id && contains_ci(id, strlen(id), "perday")) ||
	    (metric && contains_ci(metric, strlen(metric), "per_day"))) {
		snprintf(name, n, "daily quota %s", id ? id : metric);
		return 1;
	}
	if ((cJSON_IsString(value) && strcmp(value->valuestring, "0") == 0) ||
	    (cJSON_IsNumber(value) && value->valuedouble == 0)) {
		snprintf(name, n, "quota of 0 for %s", id ? id : metric ? metric : "this project");
		return 1;
	}
	return 0;
}

/* Google's RESOURCE_EXHAUSTED: its details list a QuotaFailure whose
 * violations say which quotas ran out. */
static enum quota_sign google_sign(const cJSON *err, char *name, size_t n)
{
	const cJSON *d, *v;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(err, "details")) {
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(d, "violations"))
			if (violation_lasting(v, name, n))
				return QUOTA_USED_UP;
	}
	return QUOTA_RATE;
}

/* Reads body's error object ({"error":{...}}, alone or first in an array,
 * as Google sends it). Fills name with the field value that decided. */
static enum quota_sign quota_structured(const char *body, size_t len, char *name, size_t n)
{
	cJSON *doc = cJSON_ParseWithLength(body, len);
	if (!doc)
		return QUOTA_UNSAID;
	const cJSON *top = cJSON_IsArray(doc) ? cJSON_GetArrayItem(doc, 0) : doc;
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(top, "error");
	enum quota_sign sign = QUOTA_UNSAID;
	if (cJSON_IsObject(err)) {
		const cJSON *details = cJSON_GetObjectItemCaseSensitive(err, "details");
		const char *fields[] = { string_field(err, "code"), string_field(err, "type"),
			cJSON_IsObject(details) ? string_field(details, "error_code") : NULL };
		const char *status = string_field(err, "status");
		for (size_t i = 0; i < sizeof fields / sizeof fields[0] && sign == QUOTA_UNSAID; i++)
			if (used_up_name(fields[i])) {
				snprintf(name, n, "%s", fields[i]);
				sign = QUOTA_USED_UP;
			}
		if (sign == QUOTA_UNSAID && status && strcmp(status, "RESOURCE_EXHAUSTED") == 0)
			sign = google_sign(err, name, n);
		else if (sign == QUOTA_UNSAID && fields[0] && strcmp(fields[0], "rate_limit_exceeded") == 0)
			sign = QUOTA_RATE;
	}
	cJSON_Delete(doc);
	return sign;
}

/* The last resort, for an answer whose fields say nothing and that names
 * no delay: the words of a used-up account. A 429 from an API we do not
 * know, or Anthropic's 400s "Your credit balance is too low" and "You have
 * reached your specified API usage limits". */
static int quota_words(const struct response_view *r, char *name, size_t n)
{
	static const char *const words[] = { "insufficient_quota", "spend limit",
		"spending limit", "credit balance", "usage limits", "exceeded your current quota" };
	static const char *const words_400[] = { "credit balance is too low",
		"reached your specified api usage limits" };
	const char *const *w = r->status == 429 ? words : words_400;
	size_t k = r->status == 429 ? sizeof words / sizeof words[0] :
	    sizeof words_400 / sizeof words_400[0];
	for (size_t i = 0; i < k; i++)
		if (contains_ci(r->body, r->body_len, w[i])) {
			snprintf(name, n, "\"%s\"", w[i]);
			return 1;
		}
	return 0;
}

/* 1 when the answer says the account's quota or money is used up, with
 * name set to what said so. */
static int quota_used_up(const struct response_view *r, char *name, size_t n)
{
	if (!r->body || r->body_len == 0)
		return 0;
	if (r->status != 429 && r->status != 400 && r->status != 402 && r->status != 403)
		return 0;
	switch (quota_structured(r->body, r->body_len, name, n)) {
	case QUOTA_USED_UP:
		return 1;
	case QUOTA_RATE:
		return 0;
	case QUOTA_UNSAID:
		break;
	}
	return !r->has_retry_after && r->status != 403 && quota_words(r, name, n);
}

static void set_error(struct verdict *v, enum verdict_kind kind, const char *what,
    const struct response_view *r)
{
	char *start = body_start(r->body, r->body_len);
	v->kind = kind;
	v->error = xasprintf("%s: %s", what, start);
	free(start);
}

static void take_usage(struct verdict *v, const cJSON *doc, const char *const usage[USAGE_N])
{
	for (int k = 0; usage && doc && k < USAGE_N; k++) {
		if (!usage[k])
			continue;
		char *why = NULL;
		const cJSON *u = jsonptr_get(doc, usage[k], &why);
		free(why);
		if (u && cJSON_IsNumber(u) && u->valuedouble >= 0) {
			v->tokens[k] = (long long)u->valuedouble;
			v->have_tokens[k] = 1;
		}
	}
}

/* The model stopped at its token limit, as each provider says it. */
static int cut_off(const cJSON *doc)
{
	const cJSON *choice = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "choices"), 0);
	const cJSON *cand = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "candidates"), 0);
	const cJSON *why[] = {
		cJSON_GetObjectItemCaseSensitive(choice, "finish_reason"),
		cJSON_GetObjectItemCaseSensitive(doc, "stop_reason"),
		cJSON_GetObjectItemCaseSensitive(cand, "finishReason"),
	};
	static const char *const limit[] = { "length", "max_tokens", "MAX_TOKENS" };
	for (size_t i = 0; i < sizeof why / sizeof *why; i++)
		if (cJSON_IsString(why[i]) && strcmp(why[i]->valuestring, limit[i]) == 0)
			return 1;
	return 0;
}

/* A body of server-sent events (an API streaming its answer): it starts,
 * after blank space, with a "data:" or "event:" field. */
static int streamed(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return (n - i >= 5 && memcmp(p + i, "data:", 5) == 0) ||
	    (n - i >= 6 && memcmp(p + i, "event:", 6) == 0);
}

void classify_response(const struct response_view *r, const char *extract,
    const char *const usage[USAGE_N], struct verdict *v)
{
	memset(v, 0, sizeof *v);
	int status_known = r->status >= 100;
	if (r->body_limit && (!status_known || (r->status >= 200 && r->status <= 299))) {
		char limit[32];
		if (r->body_limit % ((size_t)1 << 20) == 0)
			snprintf(limit, sizeof limit, "%zu MiB", r->body_limit >> 20);
		else
			snprintf(limit, sizeof limit, "%zu bytes", r->body_limit);
		v->kind = VERDICT_FAIL;
		if (status_known)
			v->error = xasprintf("HTTP %ld: response larger than %s (limit)", r->status, limit);
		else
			v->error = xasprintf("response larger than %s (limit)", limit);
		return;
	}
	if (r->curl_code != 0 && !r->body_limit) {
		v->kind = classify_curl_retryable(r->curl_code) ? VERDICT_RETRY : VERDICT_FAIL;
		if (v->kind == VERDICT_FAIL && classify_curl_refused(r->curl_code))
			v->refused = REFUSED_SETUP;
		v->error = xasprintf("transfer failed: %s",
		    r->curl_error && *r->curl_error ? r->curl_error :
		    curl_easy_strerror((CURLcode)r->curl_code));
		return;
	}
	if (r->status < 200 || r->status > 299) {
		char what[200];
		snprintf(what, sizeof what, "HTTP %ld", r->status);
		char name[128];
		if (r->status == 429)
			v->rate_limited = 1;
		if (quota_used_up(r, name, sizeof name)) {
			snprintf(what, sizeof what, "HTTP %ld, quota used up (%s)", r->status, name);
			set_error(v, VERDICT_STOP, what, r);
			return;
		}
		set_error(v, status_retryable(r->status) ? VERDICT_RETRY : VERDICT_FAIL, what, r);
		if (r->status == 401 || r->status == 403)
			v->refused = REFUSED_KEY;
		return;
	}

	cJSON *doc = r->body_len ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
	take_usage(v, doc, usage);
	v->cut_off = cut_off(doc);
	int parsed = doc != NULL;
	cJSON_Delete(doc);
	/* The result is cut from the body's own text, not re-encoded by
	 * cJSON: a string keeps every byte (a \u0000 too). */
	struct jsonraw body;
	int is_json = parsed && jsonraw_value(r->body, r->body_len, &body) == 0;
	if (extract) {
		char what[128];
		if (!is_json && streamed(r->body, r->body_len)) {
			/* "stream": true copied from an example: each item would get
			 * the answer in pieces */
			snprintf(what, sizeof what, "HTTP %ld but the answer is streamed (server-sent "
			    "events): set \"stream\": false in the request body", r->status);
			set_error(v, VERDICT_FAIL, what, r);
			return;
		}
		if (!is_json) {
			snprintf(what, sizeof what, "HTTP %ld but the body is not JSON", r->status);
			set_error(v, VERDICT_FAIL, what, r);
			return;
		}
		char *why = NULL;
		struct jsonraw x;
		if (jsonraw_pointer(body, extract, &x, &why) != 1) {
			char *msg = xasprintf("HTTP %ld: extract %s", r->status, why ? why : "failed");
			set_error(v, VERDICT_FAIL, msg, r);
			free(msg);
			free(why);
			return;
		}
		v->result = jsonraw_compact(x, NULL);
	} else if (is_json) {
		v->result = jsonraw_compact(body, NULL);
	} else {
		/* Not JSON: keep it whole, as a JSON string (NULs and all). */
		v->result = store_json_quote_bytes(r->body ? r->body : "", r->body_len);
	}
	v->kind = VERDICT_DONE;
}

/* [*p, *e) without JSON's whitespace at either end. */
static void trim(const char **p, const char **e)
{
	while (*p < *e && (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n'))
		(*p)++;
	while (*e > *p && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r' ||
	    (*e)[-1] == '\n'))
		(*e)--;
}

/* text[0..*n) without the whitespace and the Markdown fence around it:
 * "```json\n{...}\n```" is "{...}". Returns where it starts. */
static const char *unfenced(const char *text, size_t *n)
{
	const char *p = text, *e = text + *n;
	trim(&p, &e);
	const char *nl = e - p >= 6 && memcmp(p, "```", 3) == 0 && memcmp(e - 3, "```", 3) == 0 ?
	    memchr(p, '\n', (size_t)(e - p)) : NULL;
	if (nl && nl < e - 3) {
		p = nl + 1;
		e -= 3;
		trim(&p, &e);
	}
	*n = (size_t)(e - p);
	return p;
}

/* The first of require's pointers (one a line) that names nothing, or
 * null, in doc, as a malloc'd copy; NULL when doc holds them all. */
static char *missing(const cJSON *doc, const char *require)
{
	for (const char *p = require; p && *p; ) {
		size_t n = strcspn(p, "\n");
		char *ptr = xstrndup(p, n), *why = NULL;
		const cJSON *v = jsonptr_get(doc, ptr, &why);
		free(why);
		if (!v || cJSON_IsNull(v))
			return ptr;
		free(ptr);
		p += n + (p[n] == '\n');
	}
	return NULL;
}

/* The verdict becomes a retry (a fail when the model was cut off) saying
 * what is wrong with its result, then the start of text. */
static void not_usable(struct verdict *v, const char *what, const char *text)
{
	char *start = body_start(text, strlen(text));
	free(v->result);
	v->result = NULL;
	v->kind = v->cut_off ? VERDICT_FAIL : VERDICT_RETRY;
	v->error = xasprintf("%s%s: %s", what, v->cut_off ?
	    ", cut off at the model's token limit (raise max_tokens)" : "", start);
	free(start);
}

void classify_json_result(struct verdict *v, const char *require)
{
	if (v->kind != VERDICT_DONE || !v->result)
		return;
	cJSON *s = cJSON_Parse(v->result);
	if (!cJSON_IsString(s)) {
		/* a JSON value already */
		char *gone = missing(s, require);
		if (gone) {
			char *what = xasprintf("the result has no %s (response.require)", gone);
			char *text = xstrdup(v->result);
			not_usable(v, what, text);
			free(text);
			free(what);
			free(gone);
		}
		cJSON_Delete(s);
		return;
	}
	size_t n = strlen(s->valuestring);
	const char *text = unfenced(s->valuestring, &n);
	/* cJSON checks the whole text is one value; jsonraw keeps its bytes */
	const char *end = NULL;
	cJSON *doc = n ? cJSON_ParseWithLengthOpts(text, n, &end, 0) : NULL;
	struct jsonraw x;
	char *gone = NULL;
	if (!doc || end != text + n || jsonraw_value(text, n, &x) < 0) {
		not_usable(v, "the result is not JSON (response.json)", s->valuestring);
	} else if ((gone = missing(doc, require))) {
		char *what = xasprintf("the result has no %s (response.require)", gone);
		not_usable(v, what, s->valuestring);
		free(what);
		free(gone);
	} else {
		free(v->result);
		v->result = jsonraw_compact(x, NULL);
	}
	cJSON_Delete(doc);
	cJSON_Delete(s);
}

void verdict_free(struct verdict *v)
{
	free(v->result);
	free(v->error);
	v->result = v->error = NULL;
}
