/* The HTTP engine: libcurl's multi interface driven from the worker's epoll
 * loop (curl's socket and timer callbacks, as in curl's ephiperfifo.c), one
 * thread, connections reused, HTTP/2 multiplexed when the server offers it.
 * The engine knows nothing of items: it sends requests and reports each one
 * finished, with its status, body and rate-limit headers. */
#ifndef PSUP_ENGINE_H
#define PSUP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "buf.h"
#include "loop.h"
#include "retryafter.h"

/* A response body larger than this is cut off and the request finishes
 * with too_large set: nothing the worker stores should be that big, and
 * memory stays bounded. */
#define ENGINE_RESP_MAX ((size_t)64 << 20)

/* The fixed part of every request, built once from the job file. */
struct http_target {
	const char *url;
	const char *method;          /* "POST", "GET", ... */
	struct curl_slist *headers;  /* borrowed, may be NULL */
	long long timeout_ms;        /* the whole request, timed by the engine:
	                              * an answer already in the socket when it
	                              * fires is read, never timed out */
};

struct http_request {
	/* set by the caller before engine_submit; the engine borrows them */
	const struct http_target *target;
	const char *body;            /* may be NULL */
	size_t body_len;
	void *user;
	/* set by the engine when the request finishes */
	int curl_code;               /* CURLcode; 0 when a response arrived */
	char errbuf[CURL_ERROR_SIZE];
	long status;
	struct buf resp;             /* the body, NUL-terminated (resp.p never NULL
	                              * once finished); freed by engine_request_reset */
	int64_t latency_ms;
	int too_large;               /* the body passed ENGINE_RESP_MAX: resp holds
	                              * its start (or nothing), curl_code says failed */
	/* The rate-limit headers, as received (NULL when absent); the strings
	 * are the engine's, freed by engine_request_reset. */
	struct ratelimit_headers limits;
	/* engine private */
	CURL *easy;
	int64_t start_ns, deadline_ns;   /* submitted; times out at */
	struct http_request *prev, *next; /* the engine's in-flight list */
};

struct engine;

/* Called once per finished request (success or not), from the loop. The
 * callback owns req again and may submit new requests from inside. */
typedef void (*engine_done_cb)(struct http_request *req, void *arg);

/* max_conns sizes the connection cache (the most connections kept open). */
int engine_create(struct loop *l, int max_conns, engine_done_cb cb, void *arg,
    struct engine **out, char **cause);
/* Frees the engine; requests still in flight are dropped without callback. */
void engine_free(struct engine *e);

/* Starts req. Returns 0, or -1 with *cause (curl refused the handle). */
int engine_submit(struct engine *e, struct http_request *req, char **cause);
/* Stops an in-flight request without calling back (shutdown). */
void engine_abort(struct engine *e, struct http_request *req);
/* Frees what the engine put in req (response, headers) for reuse or free. */
void engine_request_reset(struct http_request *req);
int engine_inflight(const struct engine *e);
/* New connections opened so far: far fewer than requests when reused. */
long long engine_connections(const struct engine *e);

/* CURL_CA_BUNDLE in the environment names a CA file to verify servers
 * with, as for the curl tool (tests with a private CA). */

#endif
