/* The engine's capture of rate-limit and retry headers (engine_headers.c). */
#ifndef PSUP_ENGINE_HEADERS_H
#define PSUP_ENGINE_HEADERS_H

#include <stddef.h>

#include "engine.h"

/* CURLOPT_HEADERFUNCTION with userp the http_request: keeps the headers of
 * struct ratelimit_headers, forgetting those of an earlier status line. */
size_t engine_header_cb(char *data, size_t size, size_t nmemb, void *userp);
/* Frees the captured headers of req and clears them. */
void engine_headers_free(struct http_request *req);

#endif
