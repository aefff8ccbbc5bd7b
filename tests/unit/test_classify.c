/* Response classification: the status and transport table (with which
 * failures are the endpoint's: a refused key, an unverified certificate),
 * the providers' quota and rate-limit bodies, extraction, usage, and what
 * the error keeps of the body. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "provider_bodies.h"
#include "tap.h"

struct row {
	int curl_code;
	long status;
	const char *body;
	int retry_after;
	const char *extract;
	enum verdict_kind want;
	const char *has;          /* substring of result (DONE) or error */
};

static const struct row rows[] = {
	{ 0, 200, chat, 0, "/choices/0/message/content", VERDICT_DONE, "\"hello\\nworld\"" },
	{ 0, 201, chat, 0, NULL, VERDICT_DONE, "{\"choices\":[{" },
	{ 0, 200, "{\n  \"a\": 1\n}\n", 0, NULL, VERDICT_DONE, "{\"a\":1}" },
	{ 0, 200, "plain \"text\"", 0, NULL, VERDICT_DONE, "\"plain \\\"text\\\"\"" },
	{ 0, 200, "", 0, NULL, VERDICT_DONE, "\"\"" },
	/* Results are the body's own text: a U+0000 is kept, not cut. */
	{ 0, 200, "{\"choices\":[{\"message\":{\"content\":\"a\\u0000b\"}}]}", 0,
	  "/choices/0/message/content", VERDICT_DONE, "\"a\\u0000b\"" },
	{ 0, 200, "{\"t\": \"a\\u0000b\", \"n\" : [1, 2]}", 0, NULL, VERDICT_DONE,
	  "{\"t\":\"a\\u0000b\",\"n\":[1,2]}" },
	{ 0, 200, "{\"a/b\":{\"m~n\":5}}", 0, "/a~1b/m~0n", VERDICT_DONE, "5" },
	{ 0, 200, "<html>oops</html>", 0, "/x", VERDICT_FAIL, "HTTP 200 but the body is not JSON: <html>oops</html>" },
	{ 0, 200, "{\"choices\":[", 0, "/choices", VERDICT_FAIL, "not JSON" },
	/* "stream": true in the body: the answer comes as server-sent events */
	{ 0, 200, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\"}\n\ndata: [DONE]\n\n", 0,
	  "/choices/0/message/content", VERDICT_FAIL,
	  "HTTP 200 but the answer is streamed (server-sent events): set \"stream\": false in the request body" },
	{ 0, 200, "\nevent: message_start\ndata: {\"type\":\"message_start\"}\n\n", 0, "/content/0/text",
	  VERDICT_FAIL, "answer is streamed" },
	{ 0, 200, "data: x", 0, NULL, VERDICT_DONE, "\"data: x\"" },
	{ 0, 200, "{\"choices\":[]}", 0, "/choices/0/message", VERDICT_FAIL, "extract /choices/0 not found" },
	{ 0, 400, "{\"error\":\"bad request\"}", 0, NULL, VERDICT_FAIL, "HTTP 400: {\"error\":\"bad request\"}" },
	{ 0, 401, "", 0, NULL, VERDICT_FAIL, "HTTP 401: (empty body)" },
	{ 0, 404, "nf", 0, NULL, VERDICT_FAIL, "HTTP 404" },
	{ 0, 422, "x", 0, NULL, VERDICT_FAIL, "HTTP 422" },
	{ 0, 301, "", 0, NULL, VERDICT_FAIL, "HTTP 301" },
	{ 0, 408, "", 0, NULL, VERDICT_RETRY, "HTTP 408" },
	{ 0, 429, "slow down", 1, NULL, VERDICT_RETRY, "HTTP 429: slow down" },
	{ 0, 429, "slow down", 0, NULL, VERDICT_RETRY, "HTTP 429" },
	{ 0, 429, "{\"error\":{\"code\":\"insufficient_quota\"}}", 1, NULL, VERDICT_STOP, "quota used up (insufficient_quota)" },
	{ 0, 429, "{\"error\":{\"message\":\"You have reached your spend limit\"}}", 0, NULL, VERDICT_STOP, "quota used up (\"spend limit\")" },
	{ 0, 429, "{\"error\":{\"message\":\"spend limit\"}}", 1, NULL, VERDICT_RETRY, "HTTP 429" },
	/* The providers' own bodies: each decided by its structured fields. */
	{ 0, 429, openai_quota, 0, NULL, VERDICT_STOP, "HTTP 429, quota used up (insufficient_quota)" },
	{ 0, 429, openai_project_cap, 0, NULL, VERDICT_STOP, "(project_spend_limit_exceeded)" },
	{ 0, 400, openai_hard_limit, 0, NULL, VERDICT_STOP, "HTTP 400, quota used up (billing_hard_limit_reached)" },
	{ 0, 429, openai_rpd, 0, NULL, VERDICT_RETRY, "HTTP 429: {" },
	{ 0, 429, anthropic_spend, 0, NULL, VERDICT_STOP, "(enforced_spend_limit_reached)" },
	{ 0, 429, anthropic_spend_words, 0, NULL, VERDICT_STOP, "(\"spend limit\")" },
	{ 0, 429, anthropic_rate, 1, NULL, VERDICT_RETRY, "HTTP 429" },
	{ 0, 400, anthropic_credit, 0, NULL, VERDICT_STOP, "(\"credit balance is too low\")" },
	{ 0, 400, anthropic_workspace, 0, NULL, VERDICT_STOP, "(\"reached your specified api usage limits\")" },
	{ 0, 402, "{\"type\":\"error\",\"error\":{\"type\":\"billing_error\",\"message\":\"x\"}}", 0, NULL,
	  VERDICT_STOP, "HTTP 402, quota used up (billing_error)" },
	{ 0, 400, "{\"error\":{\"message\":\"the prompt mentions a spend limit\"}}", 0, NULL,
	  VERDICT_FAIL, "HTTP 400" },
	{ 0, 429, gemini_minute, 1, NULL, VERDICT_RETRY, "HTTP 429" },
	{ 0, 429, gemini_minute, 0, NULL, VERDICT_RETRY, "HTTP 429" },
	{ 0, 429, gemini_daily, 1, NULL, VERDICT_STOP,
	  "(daily quota GenerateRequestsPerDayPerProjectPerModel-FreeTier)" },
	{ 0, 429, gemini_zero, 1, NULL, VERDICT_STOP, "(quota of 0 for GenerateRequestsPerMinutePerProjectPerModel-FreeTier)" },
	{ 0, 429, gemini_bare, 0, NULL, VERDICT_RETRY, "HTTP 429" },
	{ 0, 403, "{\"error\":{\"message\":\"credit balance is too low\"}}", 0, NULL, VERDICT_FAIL, "HTTP 403" },
	{ 0, 500, "", 0, NULL, VERDICT_RETRY, "HTTP 500" },
	{ 0, 502, "", 0, NULL, VERDICT_RETRY, "HTTP 502" },
	{ 0, 503, "", 1, NULL, VERDICT_RETRY, "HTTP 503" },
	{ 0, 529, "{\"type\":\"overloaded_error\"}", 0, NULL, VERDICT_RETRY, "HTTP 529" },
	{ CURLE_OPERATION_TIMEDOUT, 0, NULL, 0, NULL, VERDICT_RETRY, "transfer failed" },
	{ CURLE_COULDNT_CONNECT, 0, NULL, 0, NULL, VERDICT_RETRY, "transfer failed" },
	{ CURLE_GOT_NOTHING, 0, NULL, 0, NULL, VERDICT_RETRY, "transfer failed" },
	{ CURLE_PARTIAL_FILE, 200, NULL, 0, NULL, VERDICT_RETRY, "transfer failed" },
	{ CURLE_RECV_ERROR, 0, NULL, 0, NULL, VERDICT_RETRY, "transfer failed" },
	{ CURLE_URL_MALFORMAT, 0, NULL, 0, NULL, VERDICT_FAIL, "transfer failed" },
	{ CURLE_UNSUPPORTED_PROTOCOL, 0, NULL, 0, NULL, VERDICT_FAIL, "transfer failed" },
	{ CURLE_PEER_FAILED_VERIFICATION, 0, NULL, 0, NULL, VERDICT_FAIL, "transfer failed" },
	{ CURLE_SSL_CACERT_BADFILE, 0, NULL, 0, NULL, VERDICT_FAIL, "transfer failed" },
	{ CURLE_SSL_CONNECT_ERROR, 0, NULL, 0, NULL, VERDICT_RETRY, "transfer failed" },
	{ CURLE_WRITE_ERROR, 0, NULL, 0, NULL, VERDICT_FAIL, "transfer failed" },
};

static const char *kind_name(enum verdict_kind k)
{
	static const char *const names[] = { "done", "retry", "fail", "stop" };
	return names[k];
}

/* response.json: what a DONE result becomes, or why it is retried. */
static void json_result(void)
{
	static const struct {
		const char *result;      /* the verdict's result before */
		enum verdict_kind want;
		const char *has;         /* the result after, or a piece of the error */
		const char *require;     /* response.require's pointers, or NULL */
		int cut_off;             /* the model stopped at its token limit */
	} t[] = {
		{ "\"{\\\"word\\\": \\\"cat\\\", \\\"n\\\": [1, 2]}\"", VERDICT_DONE,
		  "{\"word\":\"cat\",\"n\":[1,2]}", NULL, 0 },
		{ "\"```json\\n{\\\"a\\\": 1}\\n```\"", VERDICT_DONE, "{\"a\":1}", NULL, 0 },
		{ "\"  ```\\n[true, null]\\n```  \\n\"", VERDICT_DONE, "[true,null]", NULL, 0 },
		{ "\" \\n 42 \"", VERDICT_DONE, "42", NULL, 0 },
		{ "{\"already\":\"json\"}", VERDICT_DONE, "{\"already\":\"json\"}", NULL, 0 },
		{ "\"\\\"quoted\\\"\"", VERDICT_DONE, "\"quoted\"", NULL, 0 },
		{ "\"Sure! Here is the JSON: {\\\"a\\\": 1}\"", VERDICT_RETRY,
		  "the result is not JSON (response.json): Sure! Here is the JSON", NULL, 0 },
		{ "\"{\\\"a\\\": 1} and more\"", VERDICT_RETRY, "not JSON", NULL, 0 },
		{ "\"{\\\"cut\\\": \\\"off\"", VERDICT_RETRY, "not JSON", NULL, 0 },
		{ "\"\"", VERDICT_RETRY, "not JSON", NULL, 0 },
		{ "\"```json\\n```\"", VERDICT_RETRY, "not JSON", NULL, 0 },
		/* response.require: what the result must hold */
		{ "\"{\\\"word\\\": \\\"cat\\\", \\\"senses\\\": [{\\\"d\\\": \\\"pet\\\"}]}\"", VERDICT_DONE,
		  "{\"word\":\"cat\",\"senses\":[{\"d\":\"pet\"}]}", "/word\n/senses/0/d", 0 },
		{ "\"{\\\"word\\\": \\\"cat\\\"}\"", VERDICT_RETRY,
		  "the result has no /senses (response.require): {\"word\": \"cat\"}", "/word\n/senses", 0 },
		{ "\"{\\\"word\\\": null}\"", VERDICT_RETRY, "has no /word (response.require)", "/word", 0 },
		{ "\"{\\\"senses\\\": []}\"", VERDICT_RETRY, "has no /senses/0/d", "/senses/0/d", 0 },
		{ "{\"already\":\"json\"}", VERDICT_RETRY, "has no /word (response.require)", "/word", 0 },
		{ "{\"word\":1}", VERDICT_DONE, "{\"word\":1}", "/word", 0 },
		{ "\"{\\\"a\\\": 1}\"", VERDICT_FAIL, "has no /word (response.require), cut off at "
		  "the model's token limit (raise max_tokens)", "/word", 1 },
		{ "\"not json\"", VERDICT_RETRY, "the result is not JSON (response.json)", "/word", 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		struct verdict v = { .kind = VERDICT_DONE, .result = strdup(t[i].result),
			.cut_off = t[i].cut_off };
		classify_json_result(&v, t[i].require);
		const char *text = v.kind == VERDICT_DONE ? v.result : v.error;
		ok(v.kind == t[i].want && text && (v.kind == VERDICT_DONE ?
		    strcmp(text, t[i].has) == 0 : strstr(text, t[i].has) != NULL),
		    "json %zu: %s -> %s (%s)", i, t[i].result, kind_name(v.kind), text ? text : "(null)");
		ok(v.kind == VERDICT_DONE || v.result == NULL, "json %zu: no result kept on a retry", i);
		verdict_free(&v);
	}
	/* An answer cut off at the model's token limit would be cut off
	 * again: it fails at once, saying to raise max_tokens; one that
	 * stopped on its own is retried. Each provider's way of saying so. */
	static const struct { const char *body, *extract; enum verdict_kind want; } cut[] = {
		{ "{\"choices\":[{\"message\":{\"content\":\"{\\\"a\\\": [1, 2\"},"
		  "\"finish_reason\":\"length\"}]}", "/choices/0/message/content", VERDICT_FAIL },
		{ "{\"content\":[{\"type\":\"text\",\"text\":\"{\\\"a\\\": \"}],"
		  "\"stop_reason\":\"max_tokens\"}", "/content/0/text", VERDICT_FAIL },
		{ "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"[1, \"}]},"
		  "\"finishReason\":\"MAX_TOKENS\"}]}", "/candidates/0/content/parts/0/text",
		  VERDICT_FAIL },
		{ "{\"choices\":[{\"message\":{\"content\":\"{\\\"a\\\": [1, 2\"},"
		  "\"finish_reason\":\"stop\"}]}", "/choices/0/message/content", VERDICT_RETRY },
		{ "{\"choices\":[{\"message\":{\"content\":\"[1]\"},"
		  "\"finish_reason\":\"length\"}]}", "/choices/0/message/content", VERDICT_DONE },
	};
	for (size_t i = 0; i < sizeof cut / sizeof *cut; i++) {
		struct response_view r = { .status = 200, .body = cut[i].body,
			.body_len = strlen(cut[i].body) };
		struct verdict v;
		classify_response(&r, cut[i].extract, NULL, &v);
		classify_json_result(&v, NULL);
		const char *text = v.kind == VERDICT_DONE ? v.result : v.error;
		ok(v.kind == cut[i].want && (v.kind != VERDICT_FAIL ||
		    strstr(text, "cut off at the model's token limit (raise max_tokens)")),
		    "json cut %zu -> %s (%s)", i, kind_name(v.kind), text ? text : "(null)");
		verdict_free(&v);
	}

	struct verdict f = { .kind = VERDICT_FAIL, .error = strdup("HTTP 400: bad") };
	classify_json_result(&f, "/a");
	ok(f.kind == VERDICT_FAIL && strcmp(f.error, "HTTP 400: bad") == 0,
	    "json: a verdict that is not DONE is left alone");
	verdict_free(&f);
}

int main(void)
{
	json_result();
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *w = &rows[i];
		struct response_view r = { .curl_code = w->curl_code, .status = w->status,
			.body = w->body, .body_len = w->body ? strlen(w->body) : 0,
			.has_retry_after = w->retry_after };
		struct verdict v;
		classify_response(&r, w->extract, NULL, &v);
		const char *text = v.kind == VERDICT_DONE ? v.result : v.error;
		ok(v.kind == w->want && text && strstr(text, w->has),
		    "row %zu: curl %d HTTP %ld -> %s (%s)", i, w->curl_code, w->status,
		    kind_name(v.kind), text ? text : "(null)");
		verdict_free(&v);
	}

	/* Which failures are the endpoint's, for every request alike. */
	static const struct { int curl_code; long status; int refused; } refusals[] = {
		{ 0, 401, REFUSED_KEY },
		{ 0, 403, REFUSED_KEY },
		{ 0, 400, REFUSED_NO },
		{ 0, 404, REFUSED_NO },
		{ 0, 500, REFUSED_NO },
		{ 0, 200, REFUSED_NO },
		{ CURLE_PEER_FAILED_VERIFICATION, 0, REFUSED_SETUP },
		{ CURLE_SSL_CACERT_BADFILE, 0, REFUSED_SETUP },
		{ CURLE_SSL_PINNEDPUBKEYNOTMATCH, 0, REFUSED_SETUP },
		{ CURLE_UNSUPPORTED_PROTOCOL, 0, REFUSED_SETUP },
		{ CURLE_URL_MALFORMAT, 0, REFUSED_SETUP },
		{ CURLE_SSL_CONNECT_ERROR, 0, REFUSED_NO },
		{ CURLE_COULDNT_CONNECT, 0, REFUSED_NO },
		{ CURLE_WRITE_ERROR, 0, REFUSED_NO },
	};
	for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++) {
		struct response_view r = { .curl_code = refusals[i].curl_code,
			.status = refusals[i].status, .body = "{}", .body_len = 2 };
		struct verdict v;
		classify_response(&r, NULL, NULL, &v);
		is_int(v.refused, refusals[i].refused, "curl %d HTTP %ld: %s", refusals[i].curl_code,
		    refusals[i].status, refusals[i].refused == REFUSED_KEY ? "the key is refused" :
		    refusals[i].refused == REFUSED_SETUP ? "the endpoint cannot be used" :
		    "the item's own failure, or none");
		verdict_free(&v);
	}

	/* A body that is not JSON is kept whole, NULs too. */
	{
		static const char nul_body[] = "x\0y\"";
		struct response_view rz = { .status = 200, .body = nul_body, .body_len = 4 };
		struct verdict vz;
		classify_response(&rz, NULL, NULL, &vz);
		is_str(vz.result, "\"x\\u0000y\\\"\"", "a non-JSON body with a NUL is kept whole");
		verdict_free(&vz);
	}

	/* Usage tokens and the 429 flag. */
	struct response_view r = { .status = 200, .body = chat, .body_len = strlen(chat) };
	struct verdict v;
	const char *const usage[USAGE_N] = { "/usage/total_tokens", "/usage/nope", "/usage" };
	classify_response(&r, "/choices/0/message/content", usage, &v);
	ok(v.have_tokens[USAGE_ALL] && v.tokens[USAGE_ALL] == 42, "usage pointer gives 42 tokens");
	ok(!v.have_tokens[USAGE_INPUT] && !v.have_tokens[USAGE_OUTPUT],
	    "a pointer to nothing or to an object counts nothing");
	verdict_free(&v);
	const char *const nope[USAGE_N] = { "/usage/nope", NULL, "/usage/total_tokens" };
	classify_response(&r, NULL, nope, &v);
	ok(!v.have_tokens[USAGE_ALL] && v.kind == VERDICT_DONE, "a missing usage value is not an error");
	ok(v.have_tokens[USAGE_OUTPUT] && v.tokens[USAGE_OUTPUT] == 42, "each pointer counts its own");
	verdict_free(&v);
	r.status = 429;
	classify_response(&r, NULL, NULL, &v);
	ok(v.rate_limited, "a 429 is flagged for AIMD");
	verdict_free(&v);

	/* The error keeps only the start of a long body, cut on a character. */
	char big[1000];
	memset(big, 'x', sizeof big);
	memcpy(big + 198, "\xc3\xa9\xc3\xa9", 4);
	big[sizeof big - 1] = '\0';
	struct response_view rb = { .status = 400, .body = big, .body_len = strlen(big) };
	classify_response(&rb, NULL, NULL, &v);
	ok(v.error && strlen(v.error) < 230 && strstr(v.error, "..."), "long body cut: %zu bytes",
	    v.error ? strlen(v.error) : 0);
	ok(v.error && strstr(v.error, "\xc3\xa9...") , "cut on a UTF-8 boundary");
	verdict_free(&v);
	const char nl[] = "line1\nline2\r\n";
	struct response_view rn = { .status = 500, .body = nl, .body_len = strlen(nl) };
	classify_response(&rn, NULL, NULL, &v);
	ok(v.error && !strchr(v.error, '\n') && !strchr(v.error, '\r'), "error is one line: %s", v.error);
	verdict_free(&v);

	/* A body that is not JSON is kept whole: a NUL does not end it, and
	 * bytes that are not UTF-8 become U+FFFD so the result stays JSON. */
	const char nul[] = "before\0after";
	struct response_view rz = { .status = 200, .body = nul, .body_len = sizeof nul - 1 };
	classify_response(&rz, NULL, NULL, &v);
	is_str(v.result, "\"before\\u0000after\"", "a NUL in a text body is kept");
	verdict_free(&v);
	const char bad[] = "caf\xe9 \xff end";
	struct response_view ru = { .status = 200, .body = bad, .body_len = sizeof bad - 1 };
	classify_response(&ru, NULL, NULL, &v);
	is_str(v.result, "\"caf\\ufffd \\ufffd end\"", "bytes that are not UTF-8 become U+FFFD");
	verdict_free(&v);

	/* A JSON body is kept as the API wrote it, only compacted: numbers
	 * past a double's precision, 1e400 and an escaped NUL survive. */
	const char odd[] = "\xef\xbb\xbf{ \"id\": 12345678901234567890,\n \"e\": 1e400, "
	    "\"s\": \"a\\u0000b \\\" x\\\\\", \"raw\": \"t\tab\" } trailing";
	struct response_view ro = { .status = 200, .body = odd, .body_len = sizeof odd - 1 };
	classify_response(&ro, NULL, NULL, &v);
	is_str(v.result, "{\"id\":12345678901234567890,\"e\":1e400,"
	    "\"s\":\"a\\u0000b \\\" x\\\\\",\"raw\":\"t\\u0009ab\"}",
	    "a JSON body is the API's own text, compacted");
	verdict_free(&v);

	/* An extracted value is the answer's own text too. */
	const char ext[] = "{\"choices\": [{\"message\": {\"content\": \"a\\u0000b\"}}], \"id\": 12345678901234567890}";
	struct response_view re = { .status = 200, .body = ext, .body_len = sizeof ext - 1 };
	classify_response(&re, "/choices/0/message/content", NULL, &v);
	is_str(v.result, "\"a\\u0000b\"", "an extracted string keeps its escaped NUL");
	verdict_free(&v);
	classify_response(&re, "/id", NULL, &v);
	is_str(v.result, "12345678901234567890", "an extracted number keeps its digits");
	verdict_free(&v);
	classify_response(&re, "/choices/0", NULL, &v);
	is_str(v.result, "{\"message\":{\"content\":\"a\\u0000b\"}}", "an extracted object, compacted");
	verdict_free(&v);

	/* A body cut off at the size limit: a 2xx fails with the limit named
	 * (curl's own words would be about writing a file); other statuses
	 * keep their meaning. */
	struct response_view rt = { .curl_code = CURLE_WRITE_ERROR,
		.curl_error = "Failure writing output to destination", .status = 200,
		.body = "{\"choices\":[", .body_len = 12, .body_limit = (size_t)64 << 20 };
	classify_response(&rt, "/choices", NULL, &v);
	is_str(v.error, "HTTP 200: response larger than 64 MiB (limit)", "too large 200: the limit named");
	ok(v.kind == VERDICT_FAIL, "too large 200: failed, not retried");
	verdict_free(&v);
	rt.curl_code = CURLE_FILESIZE_EXCEEDED;
	rt.body = NULL;
	rt.body_len = 0;
	rt.body_limit = 1000;
	classify_response(&rt, NULL, NULL, &v);
	is_str(v.error, "HTTP 200: response larger than 1000 bytes (limit)", "a declared length over the limit");
	verdict_free(&v);
	rt.status = 503;
	rt.body = "overloaded";
	rt.body_len = 10;
	classify_response(&rt, NULL, NULL, &v);
	ok(v.kind == VERDICT_RETRY && v.error && strstr(v.error, "HTTP 503: overloaded"),
	    "too large 503: still retried as a 503 (%s)", v.error ? v.error : "(null)");
	verdict_free(&v);
	return done_testing();
}
