/* Response classification. Retry what time can fix (408, 429, 5xx, network
 * trouble); fail at once what it cannot (other 4xx, a used-up quota, a 2xx
 * we cannot read), keeping the start of the body so the user sees why. */
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "buf.h"
#include "jsonptr.h"
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

/* A 429 that retrying cannot fix: the account is out of money or quota.
 * OpenAI says insufficient_quota; a spend-limit 429 (Anthropic) comes
 * without retry-after. */
static int quota_exhausted(const struct response_view *r)
{
	if (!r->body)
		return 0;
	if (contains_ci(r->body, r->body_len, "insufficient_quota"))
		return 1;
	if (r->has_retry_after)
		return 0;
	static const char *const words[] = { "spend limit", "spending limit",
		"credit balance", "billing", "exceeded your current quota" };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (contains_ci(r->body, r->body_len, words[i]))
			return 1;
	return 0;
}

static void set_error(struct verdict *v, enum verdict_kind kind, const char *what,
    const struct response_view *r)
{
	char *start = body_start(r->body, r->body_len);
	v->kind = kind;
	v->error = xasprintf("%s: %s", what, start);
	free(start);
}

/* The JSON text s[0..len) (one value cJSON accepted) without the
 * whitespace between its tokens: the API's own text, where cJSON's reprint
 * would round numbers past a double's precision (long ids), turn 1e400
 * into null and cut a string at an escaped NUL. A control byte left raw
 * inside a string is escaped so the result stays JSON. */
static char *json_compact(const char *s, size_t len)
{
	struct buf b = { 0 };
	size_t i = 0;
	int in_string = 0;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3; /* a byte order mark, which cJSON skips too */
	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!in_string) {
			if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
				continue;
			in_string = c == '"';
			buf_addc(&b, (char)c);
		} else if (c == '\\' && i + 1 < len) {
			buf_add(&b, s + i, 2);
			i++;
		} else if (c < 0x20) {
			buf_printf(&b, "\\u%04x", c);
		} else {
			in_string = c != '"';
			buf_addc(&b, (char)c);
		}
	}
	return buf_take(&b, NULL);
}

static void take_usage(struct verdict *v, const cJSON *doc, const char *usage)
{
	if (!usage || !doc)
		return;
	char *why = NULL;
	const cJSON *u = jsonptr_get(doc, usage, &why);
	free(why);
	if (u && cJSON_IsNumber(u) && u->valuedouble >= 0) {
		v->tokens = (long long)u->valuedouble;
		v->have_tokens = 1;
	}
}

void classify_response(const struct response_view *r, const char *extract,
    const char *usage, struct verdict *v)
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
		v->error = xasprintf("transfer failed: %s",
		    r->curl_error && *r->curl_error ? r->curl_error :
		    curl_easy_strerror((CURLcode)r->curl_code));
		return;
	}
	if (r->status < 200 || r->status > 299) {
		char what[64];
		snprintf(what, sizeof what, "HTTP %ld", r->status);
		if (r->status == 429) {
			v->rate_limited = 1;
			if (quota_exhausted(r)) {
				set_error(v, VERDICT_FAIL, "HTTP 429 (quota used up, not retried)", r);
				return;
			}
		}
		set_error(v, status_retryable(r->status) ? VERDICT_RETRY : VERDICT_FAIL, what, r);
		return;
	}

	const char *end = NULL;
	cJSON *doc = r->body_len ? cJSON_ParseWithLengthOpts(r->body, r->body_len, &end, 0) : NULL;
	take_usage(v, doc, usage);
	if (extract) {
		char what[96];
		if (!doc) {
			snprintf(what, sizeof what, "HTTP %ld but the body is not JSON", r->status);
			set_error(v, VERDICT_FAIL, what, r);
			return;
		}
		char *why = NULL;
		const cJSON *x = jsonptr_get(doc, extract, &why);
		if (!x) {
			char *msg = xasprintf("HTTP %ld: extract %s", r->status, why);
			set_error(v, VERDICT_FAIL, msg, r);
			free(msg);
			free(why);
			cJSON_Delete(doc);
			return;
		}
		/* The value's own text, as for a whole body (below). */
		size_t a, b;
		if (jsonptr_span(r->body, (size_t)(end - r->body), extract, &a, &b) == 0) {
			v->result = json_compact(r->body + a, b - a);
		} else {
			char *txt = cJSON_PrintUnformatted(x);
			v->result = xstrdup(txt ? txt : "null");
			cJSON_free(txt);
		}
	} else if (doc) {
		v->result = json_compact(r->body, (size_t)(end - r->body));
	} else {
		/* Not JSON: keep it whole, as a JSON string (NULs and all). */
		v->result = store_json_quote_bytes(r->body ? r->body : "", r->body_len);
	}
	cJSON_Delete(doc);
	v->kind = VERDICT_DONE;
}

void verdict_free(struct verdict *v)
{
	free(v->result);
	free(v->error);
	v->result = v->error = NULL;
}
