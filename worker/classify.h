/* Decides what a finished request means for its item: done (with the result
 * to store), retry, a permanent failure, or an account that cannot go on
 * (its quota or money used up). Pure: no I/O, no clock. */
#ifndef PSUP_CLASSIFY_H
#define PSUP_CLASSIFY_H

#include <stddef.h>

/* STOP: the API says the account's quota or money is used up: no request
 * can succeed until someone acts, and the item is not at fault. */
enum verdict_kind { VERDICT_DONE, VERDICT_RETRY, VERDICT_FAIL, VERDICT_STOP };

/* Why a FAIL is the endpoint's: its key refused (a 401 or 403), or the
 * job file's way to it unusable (the server's TLS certificate not trusted,
 * a protocol or URL curl cannot use). */
enum { REFUSED_NO, REFUSED_KEY, REFUSED_SETUP };

/* What came back. curl_code is a CURLcode (0 when a response arrived). */
struct response_view {
	int curl_code;
	const char *curl_error;  /* curl's message for curl_code, may be NULL */
	long status;             /* HTTP status, 0 when none */
	const char *body;        /* may be NULL when body_len is 0 */
	size_t body_len;
	int has_retry_after;     /* the answer said when to retry (a header or the body) */
	size_t body_limit;       /* nonzero: the body passed this many bytes and was
	                          * cut off there (curl_code then says failed) */
};

/* The token counts an answer may report, one per usage pointer of the job
 * file: all tokens (usage), input tokens, output tokens. */
enum usage_kind { USAGE_ALL, USAGE_INPUT, USAGE_OUTPUT, USAGE_N };

struct verdict {
	enum verdict_kind kind;
	char *result;            /* DONE: JSON text to store (malloc'd) */
	char *error;             /* RETRY/FAIL/STOP: why, with the start of the body */
	long long tokens[USAGE_N]; /* from the usage pointers, 0 if none */
	int have_tokens[USAGE_N];
	int rate_limited;        /* a 429: lower concurrency */
	int refused;             /* FAIL: about the endpoint, not the item
	                          * (REFUSED_*): every request would fail alike */
	int cut_off;             /* DONE: the model stopped at its token limit
	                          * (OpenAI's finish_reason length, Anthropic's
	                          * stop_reason max_tokens, Gemini's finishReason
	                          * MAX_TOKENS) */
};

/* How many bytes of a body an error message keeps. */
#define CLASSIFY_BODY_KEEP 200

/* A 429 (or a 400, 402, 403) is read by the provider's structured error
 * fields first: OpenAI's error.code and error.type (insufficient_quota and
 * its codes, billing_hard_limit_reached: STOP; rate_limit_exceeded: RETRY),
 * Anthropic's error.details.error_code (enforced_spend_limit_reached: STOP)
 * and error.type billing_error, Google's RESOURCE_EXHAUSTED (RETRY, unless
 * its QuotaFailure names a per-day quota or a quota of 0: STOP). Only when
 * none of them decides, and the answer named no delay, do words in the body
 * ("spend limit", "credit balance") make it a STOP. A body cut off at
 * body_limit fails a 2xx answer at once (it would be as large again); any
 * other status keeps its meaning.
 *
 * extract and each usage[k] are JSON pointers or NULL (usage itself may be
 * NULL: no count wanted). Without extract, a
 * JSON body is stored as its compact JSON and any other body as a JSON
 * string. Fills *v; free with verdict_free. */
void classify_response(const struct response_view *r, const char *extract,
    const char *const usage[USAGE_N], struct verdict *v);
void verdict_free(struct verdict *v);

/* response.json: a DONE verdict's result must be JSON. A string (what a
 * model answers) is read as the JSON text it holds, whitespace and a
 * Markdown fence (```json ... ```) around it dropped, and becomes that
 * value, compact; a value that is not a string is kept. A string that
 * holds no JSON value, or more than one, makes the verdict RETRY (a model
 * may answer well the next time), its error saying so with the start of
 * the text; FAIL when the model stopped at its token limit (the next
 * answer would be cut off too: max_tokens must grow). Other verdicts are
 * left alone. require (NULL: none): JSON pointers, one a line, each naming
 * a value the result must hold, not null (response.require); a result
 * without one is retried, or fails when cut off, as one that is not JSON. */
void classify_json_result(struct verdict *v, const char *require);

/* 1 if a transport error (a CURLcode) is worth retrying: timeouts, refused
 * or dropped connections, truncated replies. */
int classify_curl_retryable(int curl_code);
/* 1 if a transport error is the endpoint's for every request: TLS trust
 * (an unverified certificate, a CA file that cannot be read, a pinned key
 * that differs), a protocol or URL curl cannot use. */
int classify_curl_refused(int curl_code);

#endif
