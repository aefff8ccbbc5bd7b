/* The test API's HTTP side on libmicrohttpd: routes, request bodies, and the
 * answer each fault decision calls for. MHD runs an epoll thread pool; a
 * delayed answer suspends its connection instead of holding a thread.
 *
 *   POST /v1/chat/completions   OpenAI-style echo, faults applied
 *   POST /v1/messages           Anthropic-style echo, faults applied
 *   POST /openai/deployments/NAME/chat/completions   Azure: as /v1/chat/completions
 *   POST /v1beta/models/MODEL:generateContent        Gemini-style echo
 *   GET  /health                {"ok":true}
 *   GET  /stats                 counters (testapi_stats.c)
 *   GET  /requests              every request's arrival time and status
 *   GET  /control               the live fault settings
 *   POST /control               change fault settings: {"fail_500":0.1,...}
 */
#include "testapi.h"
#include "clock.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_BODY (1 << 20)

enum route { R_NONE, R_CHAT, R_MESSAGES, R_GEMINI, R_HEALTH, R_STATS, R_REQUESTS,
	R_CONTROL_GET, R_CONTROL_POST, R_BAD_METHOD };

struct req {
	enum route route;
	int api;                 /* faults and stats apply */
	int waiting;             /* suspended for a delay */
	int too_big;
	int answered;            /* stats_answer was called */
	uint64_t seq;
	int64_t arrival_ns;
	char *body;
	size_t len, cap;
	struct decision d;
	struct pv_decision pv;
};

/* A body served up to cut bytes of a declared len, then the connection is
 * closed: the client sees a truncated transfer. */
struct cut_body {
	char *buf;
	size_t len, cut;
};

static enum route route_of(const char *url, const char *method)
{
	int post = !strcmp(method, "POST"), get = !strcmp(method, "GET");
	static const struct { const char *url; enum route get, post; } table[] = {
		{ "/v1/chat/completions", R_BAD_METHOD, R_CHAT },
		{ "/chat/completions", R_BAD_METHOD, R_CHAT },
		{ "/v1/messages", R_BAD_METHOD, R_MESSAGES },
		{ "/health", R_HEALTH, R_BAD_METHOD },
		{ "/stats", R_STATS, R_BAD_METHOD },
		{ "/requests", R_REQUESTS, R_BAD_METHOD },
		{ "/control", R_CONTROL_GET, R_CONTROL_POST },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(url, table[i].url))
			return post ? table[i].post : get ? table[i].get : R_BAD_METHOD;
	switch (provider_route(url)) {
	case 1:
		return post ? R_CHAT : R_BAD_METHOD;
	case 2:
		return post ? R_GEMINI : R_BAD_METHOD;
	}
	return R_NONE;
}

/* Queues text (malloc'd, taken over) with status and content type. */
static enum MHD_Result send_text(struct MHD_Connection *c, int status, char *text,
    const char *type, struct MHD_Response **keep)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	if (keep) {
		*keep = r;         /* the caller adds headers and queues */
		return MHD_YES;
	}
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, int status, char *text)
{
	return send_text(c, status, text, "application/json", NULL);
}

static void add_retry_headers(struct MHD_Response *r, const struct decision *d)
{
	char buf[64];
	struct tm tm;
	time_t t;

	switch (d->ra_mode) {
	case RA_SECONDS:
		snprintf(buf, sizeof(buf), "%d", d->retry_after_s);
		MHD_add_response_header(r, "Retry-After", buf);
		break;
	case RA_DATE:
		t = time(NULL) + d->retry_after_s;
		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		MHD_add_response_header(r, "Retry-After", buf);
		break;
	case RA_RESET:
		snprintf(buf, sizeof(buf), "%ds", d->retry_after_s);
		MHD_add_response_header(r, "x-ratelimit-reset-requests", buf);
		break;
	}
}

static ssize_t cut_read_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct cut_body *b = cls;
	size_t n;

	if (pos >= b->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = b->cut - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, b->buf + pos, n);
	return (ssize_t)n;
}

static void cut_free_cb(void *cls)
{
	struct cut_body *b = cls;

	free(b->buf);
	free(b);
}

/* A huge answer, made as it is read: a chat completion whose content is
 * 'x' repeated until the body is the size asked for. */
static const char huge_head[] = "{\"choices\":[{\"message\":{\"content\":\"";
static const char huge_tail[] = "\"}}]}";

static ssize_t huge_read_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
	const long long *size = cls;
	uint64_t total = (uint64_t)*size, tail_at = total - (sizeof(huge_tail) - 1);
	size_t n = 0;

	if (pos >= total)
		return MHD_CONTENT_READER_END_OF_STREAM;
	while (n < max && pos < total) {
		if (pos < sizeof(huge_head) - 1)
			buf[n] = huge_head[pos];
		else if (pos >= tail_at)
			buf[n] = huge_tail[pos - tail_at];
		else
			buf[n] = 'x';
		n++;
		pos++;
	}
	return (ssize_t)n;
}

static enum MHD_Result send_huge(struct MHD_Connection *c, const struct decision *d)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	long long *size = xmalloc(sizeof(*size));

	*size = d->huge_bytes;
	r = MHD_create_response_from_callback(d->huge_length ? (uint64_t)*size : MHD_SIZE_UNKNOWN,
	    1 << 16, huge_read_cb, size, free);
	if (!r) {
		free(size);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* Answers that are valid HTTP but odd bytes: a text body with a NUL inside,
 * or a chat completion whose content is not UTF-8 (Latin-1 and a stray
 * byte). */
static enum MHD_Result send_odd(struct MHD_Connection *c, enum fault_kind k, size_t *bytes)
{
	static const char nul[] = "before the NUL\0after the NUL";
	static const char bad[] = "{\"choices\":[{\"message\":{\"content\":\"caf\xe9 \xff\"}}]}";
	const char *body = k == FK_NULBODY ? nul : bad;
	size_t len = k == FK_NULBODY ? sizeof(nul) - 1 : sizeof(bad) - 1;
	struct MHD_Response *r;
	enum MHD_Result ret;

	*bytes = len;
	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", k == FK_NULBODY ? "text/plain" :
	    "application/json");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* The answer an API request gets under its decision. Returns MHD's verdict;
 * *status and *bytes say what was sent for the stats. */
static enum MHD_Result api_answer(struct MHD_Connection *c, struct req *q,
    int *status, size_t *bytes)
{
	const struct decision *d = &q->d;
	struct MHD_Response *r = NULL;
	struct cut_body *cb;
	const char *why = NULL;
	enum MHD_Result ret;
	char *text = NULL, buf[32];
	int st = 200;

	if (d->kind == FK_DROP) {
		*status = 0;
		*bytes = 0;
		return MHD_NO;     /* MHD closes the connection unanswered */
	}
	if (d->kind == FK_NULBODY || d->kind == FK_BADUTF8) {
		*status = 200;
		return send_odd(c, d->kind, bytes);
	}
	if (d->kind == FK_HUGE) {
		*status = 200;
		*bytes = (size_t)d->huge_bytes;
		return send_huge(c, d);
	}
	/* a provider profile answers errors in its own words */
	text = provbody_error(&q->pv, d, d->kind, q->body, q->len, &st);
	if (!text) switch (d->kind) {
	case FK_AUTH_401:
		st = 401;
		text = echo_error("Incorrect API key provided.", "invalid_request_error",
		    "invalid_api_key");
		break;
	case FK_MARKER_400:
		st = 400;
		text = echo_error("the request contains the rejected marker",
		    "invalid_request_error", "invalid_value");
		break;
	case FK_QUOTA_429:
		st = 429;
		text = echo_error("You exceeded your current quota, please check your plan "
		    "and billing details.", "insufficient_quota", "insufficient_quota");
		break;
	case FK_FORCED_429:
	case FK_RATE_429:
	case FK_RANDOM_429:
		st = 429;
		text = echo_error("Rate limit reached for requests", "requests",
		    "rate_limit_exceeded");
		break;
	case FK_500:
		st = 500;
		text = echo_error("The server had an error while processing your request.",
		    "server_error", NULL);
		break;
	case FK_503:
		st = 503;
		text = echo_error("The engine is currently overloaded, please try again later.",
		    "server_error", NULL);
		break;
	case FK_NONJSON:
		text = xstrdup("<html><head><title>Welcome</title></head>"
		    "<body><h1>It works!</h1></body></html>\n");
		break;
	default:
		text = q->route == R_MESSAGES ? echo_messages(q->body, q->len, &st, &why)
		    : q->route == R_GEMINI ? provbody_gemini(q->body, q->len, q->pv.model, &st, &why)
		    : echo_chat(q->body, q->len, &st, &why);
		if (!text)
			text = echo_error(why, "invalid_request_error", NULL);
		break;
	}
	*status = st;
	*bytes = strlen(text);

	if (d->kind == FK_TRUNCATE && st == 200) {
		cb = xmalloc(sizeof(*cb));
		cb->buf = text;
		cb->len = strlen(text);
		cb->cut = cb->len / 2;
		*bytes = cb->cut;
		r = MHD_create_response_from_callback(cb->len, 4096, cut_read_cb, cb, cut_free_cb);
		if (!r) {
			cut_free_cb(cb);
			return MHD_NO;
		}
		MHD_add_response_header(r, "Content-Type", "application/json");
	} else if (send_text(c, st, text, d->kind == FK_NONJSON ? "text/html" :
	    strncmp(text, "data: ", 6) == 0 ? "text/event-stream" : "application/json",
	    &r) != MHD_YES) {
		return MHD_NO;
	}
	if (q->pv.provider != PV_NONE) {
		provider_finish(r, &q->pv, d, st, text);
	} else if (d->kind == FK_FORCED_429 || d->kind == FK_RATE_429 ||
	    d->kind == FK_RANDOM_429 || d->kind == FK_503) {
		add_retry_headers(r, d);
	}
	if (d->limit > 0 && q->pv.provider == PV_NONE) {
		snprintf(buf, sizeof(buf), "%.0f", d->limit * 60);
		MHD_add_response_header(r, "x-ratelimit-limit-requests", buf);
		snprintf(buf, sizeof(buf), "%.0f", d->remaining);
		MHD_add_response_header(r, "x-ratelimit-remaining-requests", buf);
	}
	ret = MHD_queue_response(c, (unsigned)st, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result api_finish(struct MHD_Connection *c, struct req *q,
    const char *method, const char *url)
{
	enum MHD_Result ret;
	int status = 0;
	size_t bytes = 0;
	char key[24];

	ret = api_answer(c, q, &status, &bytes);
	q->answered = 1;
	echo_log_key(q->body, q->len, key, sizeof(key));
	stats_answer(q->seq, method, url, ret == MHD_YES ? status : 0, q->d.kind,
	    bytes, q->arrival_ns, clock_mono_ns(), key);
	return ret;
}

static enum MHD_Result handle_other(struct MHD_Connection *c, struct req *q)
{
	char *cause = NULL, *text;
	cJSON *o;

	switch (q->route) {
	case R_HEALTH:
		return send_json(c, 200, xstrdup("{\"ok\":true}"));
	case R_STATS:
		stats_flush();
		return send_json(c, 200, stats_json());
	case R_REQUESTS:
		return send_json(c, 200, stats_requests_json());
	case R_CONTROL_GET:
	case R_CONTROL_POST:
		if (q->route == R_CONTROL_POST) {
			stats_control_hit();
			if (q->too_big || faults_control(q->body ? q->body : "", q->len, &cause) < 0) {
				text = echo_error(cause ? cause : "body too large",
				    "invalid_request_error", NULL);
				free(cause);
				return send_json(c, 400, text);
			}
		}
		o = faults_to_json();
		text = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		return send_json(c, 200, text);
	case R_BAD_METHOD:
		return send_json(c, 405, echo_error("method not allowed", "invalid_request_error", NULL));
	default:
		return send_json(c, 404, echo_error("no such endpoint", "invalid_request_error", NULL));
	}
}

/* The API key a request presents: "Authorization: Bearer KEY" (OpenAI),
 * "x-api-key: KEY" (Anthropic), "api-key: KEY" (Azure) or
 * "x-goog-api-key: KEY" (Gemini). NULL when it has none. */
static const char *request_key(struct MHD_Connection *c)
{
	static const char *const names[] = { "x-api-key", "api-key", "x-goog-api-key" };
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	size_t i;

	if (v && !strncasecmp(v, "Bearer ", 7))
		return v + 7;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, names[i])))
			return v;
	return NULL;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload, size_t *upload_size,
    void **con_cls)
{
	struct req *q = *con_cls;
	int64_t now;

	(void)cls;
	(void)version;
	if (!q) {
		q = xcalloc(1, sizeof(*q));
		q->route = route_of(url, method);
		q->api = q->route == R_CHAT || q->route == R_MESSAGES || q->route == R_GEMINI;
		if (q->api) {
			q->arrival_ns = clock_mono_ns();
			q->seq = stats_arrive(q->arrival_ns);
		}
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_size) {
		if (q->len + *upload_size > MAX_BODY) {
			q->too_big = 1;
		} else {
			if (q->len + *upload_size + 1 > q->cap) {
				q->cap = (q->len + *upload_size + 1) * 2;
				q->body = xrealloc(q->body, q->cap);
			}
			memcpy(q->body + q->len, upload, *upload_size);
			q->len += *upload_size;
			q->body[q->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (!q->api)
		return handle_other(c, q);
	if (q->waiting)            /* resumed after its delay */
		return api_finish(c, q, method, url);
	if (q->too_big) {
		q->answered = 1;
		stats_answer(q->seq, method, url, 413, FK_NONE, 0, q->arrival_ns,
		    clock_mono_ns(), NULL);
		return send_json(c, 413, echo_error("request body too large",
		    "invalid_request_error", NULL));
	}
	now = clock_mono_ns();
	faults_decide(q->seq, q->body, q->len, request_key(c), now, &q->d);
	provider_decide(q->seq, url, q->len, now, &q->d, &q->pv);
	if (q->d.kind == FK_MARKER_400)
		stats_marker_hit();
	if (q->d.delay_ms > 0 && delay_add(c, now + q->d.delay_ms * 1000000) == 0) {
		q->waiting = 1;
		return MHD_YES;
	}
	return api_finish(c, q, method, url);
}

static void connection_cb(void *cls, struct MHD_Connection *c, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	(void)c;
	(void)socket_ctx;
	stats_connection(code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (q) {
		/* the client went away before the answer (or MHD gave up on it) */
		if (q->api && !q->answered)
			stats_abort(q->seq);
		free(q->body);
		free(q);
	}
	*con_cls = NULL;
}

/* MHD's error log, minus the lines every injected drop or truncation causes. */
static void mhd_log_cb(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (strstr(msg, "pplication reported"))
		return;
	fprintf(stderr, "psup-testapi: %s", msg);
}

struct MHD_Daemon *http_start(struct in_addr addr, unsigned short port, int threads,
    const char *tls_key, const char *tls_cert, char **cause)
{
	struct sockaddr_in sin;
	char name[INET_ADDRSTRLEN];
	struct MHD_Daemon *d;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)tls_key },
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)tls_cert },
		{ MHD_OPTION_END, 0, NULL },
	};
	int use_tls = tls_key && tls_cert;

	if (use_tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return fail(cause, "this libmicrohttpd was built without TLS"), NULL;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr = addr;   /* one address, never all (main refuses INADDR_ANY) */
	/* poll, not epoll: libmicrohttpd 0.9.75 (Debian 12) in epoll mode with
	 * a thread pool now and then leaves every keep-alive request that
	 * arrives meanwhile unread, its workers asleep until the connections
	 * time out (seen as all of a job's requests stalling for the client's
	 * timeout, about one run in thirty of four workers at 10k r/s);
	 * poll is level-triggered and loses no readiness */
	d = MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG | (use_tls ? MHD_USE_TLS : 0),
	    port, NULL, NULL, access_cb, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log_cb, NULL,
	    MHD_OPTION_ARRAY, use_tls ? tls : tls + 2,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)20000,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)4096,
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, connection_cb, NULL,
	    MHD_OPTION_END);
	if (!d) {
		inet_ntop(AF_INET, &addr, name, sizeof name);
		fail(cause, "cannot listen on %s:%u (libmicrohttpd refused; is the port in use, "
		    "or the address not this host's?)", name, port);
		return NULL;
	}
	return d;
}

unsigned short http_port(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);

	return i ? i->port : 0;
}
