/* The response headers the worker reads (rate limits, retry hints): kept
 * in each request's ratelimit_headers as they arrive. */
#include "engine_headers.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

/* The response headers captured, and where each goes; with each name its
 * length, as every header of every answer is looked up. */
#define RL(name, field) { name, sizeof name - 1, offsetof(struct ratelimit_headers, field) }
#define ANTHROPIC(kind, i) \
	RL("anthropic-ratelimit-" kind "-reset", anthropic_reset[i]), \
	RL("anthropic-ratelimit-" kind "-limit", anthropic_limit[i]), \
	RL("anthropic-ratelimit-" kind "-remaining", anthropic_remaining[i])
static const struct { const char *name; size_t len, off; } captured[] = {
	RL("retry-after", retry_after),
	RL("retry-after-ms", retry_after_ms),
	RL("x-ms-retry-after-ms", ms_retry_after_ms),
	RL("x-ratelimit-reset-requests", reset_requests),
	RL("x-ratelimit-reset-tokens", reset_tokens),
	RL("x-ratelimit-remaining-requests", remaining_requests),
	RL("x-ratelimit-remaining-tokens", remaining_tokens),
	RL("x-ratelimit-limit-requests", limit_requests),
	RL("x-ratelimit-limit-tokens", limit_tokens),
	ANTHROPIC("requests", 0),
	ANTHROPIC("tokens", 1),
	ANTHROPIC("input-tokens", 2),
	ANTHROPIC("output-tokens", 3),
};
#define N_CAPTURED (sizeof captured / sizeof captured[0])

/* The i-th captured header's place in req (a string the engine owns). */
static char **captured_at(struct http_request *req, size_t i)
{
	return (char **)((char *)&req->limits + captured[i].off);
}

void engine_headers_free(struct http_request *req)
{
	for (size_t i = 0; i < N_CAPTURED; i++) {
		char **v = captured_at(req, i);
		free(*v);
		*v = NULL;
	}
}

size_t engine_header_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct http_request *req = userp;
	size_t n = size * nmemb;
	/* A new status line (after a 100 Continue, say): forget what came before. */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		engine_headers_free(req);
		return n;
	}
	const char *colon = memchr(data, ':', n);
	if (!colon)
		return n;
	size_t name_len = (size_t)(colon - data);
	for (size_t i = 0; i < N_CAPTURED; i++) {
		if (captured[i].len != name_len || strncasecmp(data, captured[i].name, name_len) != 0)
			continue;
		const char *v = colon + 1, *end = data + n;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
			end--;
		char **slot = captured_at(req, i);
		free(*slot);
		*slot = xstrndup(v, (size_t)(end - v));
		break;
	}
	return n;
}
