/* psup-testapi: a loopback (or one given address) only, OpenAI-compatible-ish JSON API for tests and
 * the demo, with fault injection and request accounting. Modules:
 *   testapi_main.c    options, start, signals, shutdown
 *   testapi_http.c    libmicrohttpd handler: routing and responses
 *   testapi_faults.c  fault settings (flags and /control JSON), per-request
 *                     decisions, the server-side rate limiter
 *   testapi_echo.c    the deterministic answers built from request bodies
 *   testapi_stats.c   counters, arrival times, /stats, the access log
 *   testapi_delay.c   delayed answers (suspended connections, one timer thread)
 *   testapi_provider.c, testapi_provbody.c, testapi_bucket.c: provider
 *                     profiles and their limits (testapi_provider.h)
 */
#ifndef PSUP_TESTAPI_H
#define PSUP_TESTAPI_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "testapi_provider.h"

struct cJSON;
struct MHD_Connection;

/* ---- faults ------------------------------------------------------------ */

enum ra_mode {
	RA_SECONDS,   /* Retry-After: N */
	RA_DATE,      /* Retry-After: <HTTP-date> */
	RA_RESET,     /* no Retry-After; x-ratelimit-reset-requests: Ns */
};

#define FAULT_MARKER_MAX 64
#define API_KEY_MAX 128

/* Everything that can be changed by flags or POST /control. Fractions are
 * probabilities in [0,1]; their sum must not exceed 1. */
struct faults {
	double rate_limit;       /* requests/s allowed, 0 = off; excess gets 429 */
	double rate_burst;       /* bucket size in requests; 0 = rate_limit (1 s) */
	double fail_429, fail_500, fail_503;
	double truncate;         /* close the connection half-way through the body */
	double nonjson;          /* 200 with an HTML body */
	double drop;             /* close the connection without answering */
	double nulbody;          /* 200 with a text body holding a NUL byte */
	double badutf8;          /* 200 with JSON holding bytes that are not UTF-8 */
	double huge;             /* 200 with a JSON body of huge_bytes */
	long long huge_bytes;    /* default 100 MB */
	int huge_length;         /* declare it (Content-Length), else chunked */
	char marker[FAULT_MARKER_MAX]; /* body containing it gets 400; "" = off */
	char api_key[API_KEY_MAX]; /* required key ("Bearer KEY" or x-api-key); "" = any */
	int insufficient_quota;  /* every API request gets OpenAI's quota 429 */
	int retry_after_s;       /* seconds announced on 429/503 (default 1) */
	enum ra_mode ra_mode;
	long long next_429;      /* the next N API requests get 429 + Retry-After */
	long long delay_ms;      /* every API answer waits this long ... */
	long long jitter_ms;     /* ... plus uniform [0, jitter_ms] */
	uint64_t seed;
	struct provider_cfg prov; /* --provider, --limit-* (testapi_provider.c) */
};

enum fault_kind {
	FK_NONE, FK_AUTH_401, FK_MARKER_400, FK_QUOTA_429, FK_FORCED_429, FK_RATE_429,
	FK_RANDOM_429, FK_500, FK_503, FK_TRUNCATE, FK_NONJSON, FK_DROP, FK_HUGE,
	FK_NULBODY, FK_BADUTF8,
	FK_COUNT
};

/* The decision for one request. */
struct decision {
	enum fault_kind kind;
	long long delay_ms;
	int retry_after_s;
	enum ra_mode ra_mode;
	double limit;            /* rate limit in force (for x-ratelimit headers), 0 = off */
	double remaining;
	long long huge_bytes;    /* FK_HUGE: the body's size ... */
	int huge_length;         /* ... and whether it is declared */
};

void faults_defaults(struct faults *f);
/* Applies one command-line option (name without "--", value may be NULL for
 * switches). Returns 0, 1 if the name is not a fault option, or -1 with
 * *cause set. */
int faults_set_option(struct faults *f, const char *name, const char *value, char **cause);
/* Reads option name's number v within [lo, hi] into *out. Returns 0, or
 * -1 with *cause set. */
int faults_parse_double(const char *name, const char *v, double lo, double hi,
    double *out, char **cause);
/* Checks fractions and their sum. */
int faults_check(const struct faults *f, char **cause);

/* Process-wide live settings (a mutex guards them; threads copy). */
void faults_init(const struct faults *f);
void faults_get(struct faults *out);
/* Applies a /control JSON object to the live settings in one step: either
 * every key applies or none does. Returns 0 or -1 with *cause set. */
int faults_control(const char *json, size_t len, char **cause);
/* The live settings as a JSON object (caller deletes). */
struct cJSON *faults_to_json(void);
/* Decides what request number seq (0-based arrival order) gets. body may
 * contain NULs; key is the API key the request presented (NULL if none);
 * now_ns is monotonic. Deterministic for a seed and an arrival order. Order:
 * wrong key 401, marker 400, quota 429, next_429, rate limit, then the
 * random fractions. */
void faults_decide(uint64_t seq, const char *body, size_t len, const char *key,
    int64_t now_ns, struct decision *d);
const char *fault_name(enum fault_kind k);

/* ---- answers ----------------------------------------------------------- */

/* The 200 answers, built from the request body. Return a malloc'd JSON
 * text (caller frees), or NULL with *status and *why set for a bad request.
 * echo_chat refuses a max_tokens that is not an integer as OpenAI does:
 * its 400 body is returned whole, with *status 400. */
char *echo_chat(const char *body, size_t len, int *status, const char **why);
char *echo_messages(const char *body, size_t len, int *status, const char **why);
/* A short deterministic key for a request (a hash of its body: the retries
 * of one item share it) for the access log; writes at most n bytes including the NUL. */
void echo_log_key(const char *body, size_t len, char *out, size_t n);
/* Content of a message: a string, or the text parts of an array of
 * {"type":"text","text":...} blocks (or Gemini's {"text":...} parts)
 * joined. Returns malloc'd text or NULL. */
char *echo_message_text(const struct cJSON *content);
/* {"error":{"message":msg,"type":type,"code":code}} (caller frees). */
char *echo_error(const char *msg, const char *type, const char *code);

/* ---- stats ------------------------------------------------------------- */

int stats_init(size_t max_records, const char *log_path, char **cause);
void stats_free(void);
/* Counts an API request arriving; returns its sequence number. */
uint64_t stats_arrive(int64_t now_ns);
/* Records the outcome of seq (status 0 = dropped). key may be NULL. */
void stats_answer(uint64_t seq, const char *method, const char *path, int status,
    enum fault_kind fault, size_t bytes, int64_t arrival_ns, int64_t now_ns,
    const char *key);
/* seq's client left before it was answered. */
void stats_abort(uint64_t seq);
void stats_marker_hit(void);
/* A client connection opened (1) or closed (-1). */
void stats_connection(int delta);
void stats_control_hit(void);
/* GET /stats and GET /requests as JSON text (caller frees). */
char *stats_json(void);
char *stats_requests_json(void);
void stats_flush(void);

/* ---- delays ------------------------------------------------------------ */

int delay_start(char **cause);
/* Suspends conn and resumes it at deadline_ns (monotonic). Returns -1 when
 * shutting down: the caller answers at once instead. */
int delay_add(struct MHD_Connection *conn, int64_t deadline_ns);
/* Resumes every waiting connection and stops the timer thread. */
void delay_stop(void);

/* ---- http ---------------------------------------------------------------- */

struct MHD_Daemon;
/* Starts listening on addr:port (0 = any free port) with threads threads;
 * HTTPS when tls_key and tls_cert (PEM texts, kept by the caller while the
 * daemon runs) are given, else plain HTTP. Returns the daemon or NULL with
 * *cause set. */
struct MHD_Daemon *http_start(struct in_addr addr, unsigned short port, int threads,
    const char *tls_key, const char *tls_cert, char **cause);
unsigned short http_port(struct MHD_Daemon *d);

#endif
