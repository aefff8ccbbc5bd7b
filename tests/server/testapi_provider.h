/* Provider profiles of the test API: OpenAI, Anthropic, Azure OpenAI and
 * Google Gemini as their rate limits really answer (status codes, error
 * bodies, rate-limit headers and their time formats), over a true
 * server-side limit of requests and tokens per minute. Modules:
 *   testapi_provider.c  settings, the limiter state, the headers
 *   testapi_provbody.c  each provider's error bodies; Gemini's answer
 *   testapi_bucket.c    the token bucket and time formats (pure)
 * Included by testapi.h: the settings live in struct faults, so flags and
 * POST /control change them like any fault, all or nothing. */
#ifndef PSUP_TESTAPI_PROVIDER_H
#define PSUP_TESTAPI_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct MHD_Response;
struct decision;

enum provider { PV_NONE, PV_OPENAI, PV_ANTHROPIC, PV_AZURE, PV_GEMINI };

/* Azure's retry headers on a 429: retry-after and retry-after-ms, or only
 * x-ms-retry-after-ms (as some Azure front ends send). */
enum azure_retry { AZ_RETRY_BOTH, AZ_RETRY_XMS };

struct provider_cfg {
	enum provider provider;  /* PV_NONE: the generic answers of before */
	double limit_rpm;        /* requests per minute, 0 = no limit */
	double limit_tpm;        /* input + output tokens per minute */
	double limit_itpm;       /* input tokens per minute (Anthropic's ITPM) */
	double limit_otpm;       /* output tokens per minute (Anthropic's OTPM) */
	double limit_window;     /* seconds of its limit a bucket holds (default 60) */
	enum azure_retry azure_retry;
};

/* Which limit refused a request. */
enum pv_limit { PVL_NONE, PVL_REQUESTS, PVL_TOKENS, PVL_INPUT, PVL_OUTPUT };

/* What the provider side decided for one request; filled by
 * provider_decide, read when the answer is built. */
struct pv_decision {
	enum provider provider;  /* in force; PV_NONE: answer as before */
	enum azure_retry azure_retry;
	enum pv_limit limited;   /* the limit that refused it (then 429) */
	double limit;            /* that limit per minute */
	double used;             /* what of it was used when it refused */
	double requested;        /* what the request asked of it */
	int64_t wait_ns;         /* until the request would have passed */
	uint64_t seq;
	char model[64];          /* from the URL (Gemini, Azure), else "" */
};

/* Applies one option (name without "--"; see --help). Returns 0, 1 if the
 * name is not a provider option, or -1 with *cause set. */
int provider_set_option(struct provider_cfg *c, const char *name, const char *v,
    char **cause);
/* Adds the settings to a /control JSON object. */
void provider_to_json(struct cJSON *o, const struct provider_cfg *c);

/* The API routes of the providers beyond the OpenAI and Anthropic ones:
 * 1 for Azure's /openai/deployments/NAME/chat/completions, 2 for Gemini's
 * /v1beta/models/MODEL:generateContent, 0 for any other URL. */
int provider_route(const char *url);

/* Runs the limits for request seq (its url, a body of len bytes) at now_ns,
 * after faults_decide: a request the limits refuse turns into FK_RATE_429
 * unless an earlier fault (key, marker, quota, next_429) already answers
 * it. Limits set without a provider answer as OpenAI. */
void provider_decide(uint64_t seq, const char *url, size_t len,
    int64_t now_ns, struct decision *d, struct pv_decision *pv);
/* Before an answer of status goes out: bills the output tokens of a 200
 * (text is its body) and adds pv's provider's headers to r. */
void provider_finish(struct MHD_Response *r, const struct pv_decision *pv,
    const struct decision *d, int status, const char *text);
/* The limiter's counters and buckets for GET /stats (caller deletes). */
struct cJSON *provider_stats_json(void);

/* ---- testapi_provbody.c ---- */

/* The body of an error answer (kind is an enum fault_kind) in pv's
 * provider's words, with *status; NULL when the provider keeps the generic
 * one (or there is none). body is the request. Caller frees. */
char *provbody_error(const struct pv_decision *pv, const struct decision *d, int kind,
    const char *body, size_t len, int *status);
/* Gemini's generateContent answer: the last user turn's text parts echoed
 * as "echo: ...", with usageMetadata. NULL with *status, *why when the
 * request is not one. Caller frees. */
char *provbody_gemini(const char *body, size_t len, const char *model, int *status,
    const char **why);

#endif
