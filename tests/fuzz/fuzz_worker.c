/* libFuzzer target for the worker's parsers of outside text: every parser
 * that sees data from outside (Retry-After and rate-limit headers,
 * templates, JSON pointers, response classification). `make fuzz` builds it;
 * run: build/fuzz/fuzz_worker tests/fuzz/corpus/fuzz_worker. A normal build
 * replays the corpus (build/tests/fuzz_worker). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "jsonptr.h"
#include "jsonraw.h"
#include "retryafter.h"
#include "store.h"
#include "template.h"
#include "xalloc.h"

static const char fuzz_item[] =
	"{\"id\":1,\"text\":\"a \\\"b\\\"\",\"a\":{\"b\":[1,{\"c\":null}]},\"m~n\":2}";

/* Returns a number derived from the results so nothing is optimised away. */
static long long fuzz_worker_one(const uint8_t *data, size_t size)
{
	long long acc = 0;
	char *s = xstrndup((const char *)data, size);
	int64_t v = 0;
	const int64_t now = 1700000000000LL;
	if (retryafter_parse(s, now, &v) == 0)
		acc += v;
	if (retryafter_go_duration(s, &v) == 0)
		acc += v;
	if (retryafter_rfc3339(s, &v) == 0)
		acc += v;
	if (retryafter_http_date(s, &v) == 0)
		acc += v;
	struct ratelimit_headers h;
	memset(&h, 0, sizeof h);
	h.reset_requests = s;
	h.remaining_requests = size & 1 ? "0" : NULL;
	h.anthropic_reset[1] = s;
	h.limit_requests = s;
	if (retryafter_hold_ms(&h, now, &v) == 1)
		acc += v;
	if (retryafter_interval_ms(&h, &v) == 1)
		acc += v;

	struct template *t = NULL;
	char *cause = NULL;
	if (template_compile(s, &t, &cause) == 0) {
		char *out = NULL;
		size_t len = 0;
		if (template_render(t, fuzz_item, strlen(fuzz_item), &out, &len, &cause) == 0) {
			acc += (long long)len;
			free(out);
		}
		template_free(t);
	}
	free(cause);
	cause = NULL;
	char *out = NULL;
	if (template_expand_env(s, "fuzz", &out, &cause) == 0) {
		acc += (long long)strlen(out);
		free(out);
	}
	free(cause);
	cause = NULL;

	cJSON *item = cJSON_Parse(fuzz_item);
	if (jsonptr_check(s, &cause) == 0 && jsonptr_get(item, s, NULL))
		acc++;
	free(cause);
	cJSON_Delete(item);
	/* The in-place reader on any bytes, and any pointer on a good item. */
	struct jsonraw doc, at;
	char *why = NULL;
	if (jsonraw_value((const char *)data, size, &doc) == 0 &&
	    jsonraw_pointer(doc, "/a/0/b", &at, &why) == 1)
		free(jsonraw_compact(at, NULL));
	free(why);
	why = NULL;
	if (jsonraw_value(fuzz_item, strlen(fuzz_item), &doc) == 0 && s[0] == '/' &&
	    jsonraw_pointer(doc, s, &at, &why) == 1)
		acc += (long long)at.n;
	free(why);
	free(store_json_quote_bytes((const char *)data, size));

	/* A body is bytes, NULs included, as the engine receives it. */
	char *raw = xmalloc(size + 1);
	memcpy(raw, data, size);
	raw[size] = '\0';
	struct response_view r = {
		.status = size ? 100 + data[0] % 500 : 200,
		.body = raw, .body_len = size,
		.has_retry_after = (int)(size & 2),
	};
	struct verdict vd;
	const char *const usage[USAGE_N] = { "/usage/total_tokens", "/usage/input_tokens", NULL };
	classify_response(&r, size & 4 ? "/a/b/1" : NULL, usage, &vd);
	acc += vd.kind + (vd.result ? (long long)strlen(vd.result) : 0) +
	    (vd.error ? (long long)strlen(vd.error) : 0);
	verdict_free(&vd);
	free(raw);
	free(s);
	return acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile long long sink = fuzz_worker_one(data, size);
	(void)sink;
	return 0;
}
