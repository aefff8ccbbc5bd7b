/* Provider profiles: their settings, the server-side limiter (one bucket per
 * limit, shared by all threads under one lock) and the rate-limit headers
 * each provider sends. What each sends, as documented and captured:
 *   OpenAI     x-ratelimit-{limit,remaining,reset}-{requests,tokens} on
 *              every answer, resets as Go durations meaning "full again
 *              in"; a 429 has no retry-after.
 *   Azure      x-ratelimit-{limit,remaining}-{requests,tokens}; a 429 adds
 *              retry-after and retry-after-ms, or only x-ms-retry-after-ms.
 *   Anthropic  anthropic-ratelimit-{requests,tokens,input-tokens,
 *              output-tokens}-{limit,remaining,reset}, resets as RFC 3339
 *              times of "fully replenished"; a 429 adds retry-after.
 *   Gemini     no rate-limit header at all: the body says everything. */
#include "testapi.h"
#include "testapi_bucket.h"
#include "clock.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const provider_names[] = {
	[PV_NONE] = "none", [PV_OPENAI] = "openai", [PV_ANTHROPIC] = "anthropic",
	[PV_AZURE] = "azure", [PV_GEMINI] = "gemini",
};

/* One bucket per limit, in enum pv_limit order (PVL_REQUESTS first). */
#define N_LIMITS 4
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct bucket buckets[N_LIMITS];
static double capacity[N_LIMITS];      /* what the buckets were built for */
static long long refused[N_LIMITS];
static double tokens_in, tokens_out;

int provider_set_option(struct provider_cfg *c, const char *name, const char *v,
    char **cause)
{
	struct { const char *name; double *d; } limits[] = {
		{ "limit-rpm", &c->limit_rpm }, { "limit-tpm", &c->limit_tpm },
		{ "limit-itpm", &c->limit_itpm }, { "limit-otpm", &c->limit_otpm },
	};
	size_t i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (!strcmp(name, limits[i].name))
			return faults_parse_double(name, v, 0, 1e12, limits[i].d, cause);
	if (!strcmp(name, "limit-window"))
		return faults_parse_double(name, v, 0.001, 3600, &c->limit_window, cause);
	if (!strcmp(name, "provider")) {
		for (i = 0; i < sizeof(provider_names) / sizeof(provider_names[0]); i++)
			if (v && !strcmp(v, provider_names[i])) {
				c->provider = (enum provider)i;
				return 0;
			}
		return fail(cause, "--%s: '%s' is not openai, anthropic, azure, gemini or none",
		    name, v ? v : "");
	}
	if (!strcmp(name, "azure-retry")) {
		if (v && !strcmp(v, "both"))
			c->azure_retry = AZ_RETRY_BOTH;
		else if (v && !strcmp(v, "x-ms"))
			c->azure_retry = AZ_RETRY_XMS;
		else
			return fail(cause, "--%s: '%s' is not both or x-ms", name, v ? v : "");
		return 0;
	}
	return 1;
}

void provider_to_json(cJSON *o, const struct provider_cfg *c)
{
	cJSON_AddStringToObject(o, "provider", provider_names[c->provider]);
	cJSON_AddNumberToObject(o, "limit_rpm", c->limit_rpm);
	cJSON_AddNumberToObject(o, "limit_tpm", c->limit_tpm);
	cJSON_AddNumberToObject(o, "limit_itpm", c->limit_itpm);
	cJSON_AddNumberToObject(o, "limit_otpm", c->limit_otpm);
	cJSON_AddNumberToObject(o, "limit_window", c->limit_window);
	cJSON_AddStringToObject(o, "azure_retry", c->azure_retry == AZ_RETRY_XMS ? "x-ms" : "both");
}

/* The text between prefix and suffix of url (a path segment), or 0. */
static int segment(const char *url, const char *prefix, const char *suffix,
    char *out, size_t n)
{
	size_t lp = strlen(prefix), ls = strlen(suffix), lu = strlen(url), len;

	if (lu <= lp + ls || strncmp(url, prefix, lp) || strcmp(url + lu - ls, suffix))
		return 0;
	len = lu - lp - ls;
	if (memchr(url + lp, '/', len))
		return 0;
	if (out) {
		if (len >= n)
			len = n - 1;
		memcpy(out, url + lp, len);
		out[len] = '\0';
	}
	return 1;
}

int provider_route(const char *url)
{
	if (segment(url, "/openai/deployments/", "/chat/completions", NULL, 0))
		return 1;
	if (segment(url, "/v1beta/models/", ":generateContent", NULL, 0) ||
	    segment(url, "/v1/models/", ":generateContent", NULL, 0))
		return 2;
	return 0;
}

/* Rebuilds (full) every bucket whose limit changed, and all of them for
 * another provider (another account). Lock held. */
static void sync_buckets(const struct provider_cfg *c, int64_t now_ns)
{
	const double want[N_LIMITS] = { c->limit_rpm, c->limit_tpm, c->limit_itpm, c->limit_otpm };
	static enum provider built_for;
	static double built_window;
	int i, all = c->provider != built_for || c->limit_window != built_window;

	built_for = c->provider;
	built_window = c->limit_window;
	for (i = 0; i < N_LIMITS; i++)
		if (all || want[i] != capacity[i]) {
			capacity[i] = want[i];
			bucket_init_window(&buckets[i], want[i], c->limit_window, now_ns);
		}
}

void provider_decide(uint64_t seq, const char *url, size_t len,
    int64_t now_ns, struct decision *d, struct pv_decision *pv)
{
	struct faults f;
	double in = bucket_tokens_of(len);
	/* Output is billed when the answer is known: admission only needs
	 * the output bucket out of debt. */
	const double need[N_LIMITS] = { 1, in, in, 1 }, charge[N_LIMITS] = { 1, in, in, 0 };
	int64_t w;
	int i, any, refuse = -1;

	faults_get(&f);
	memset(pv, 0, sizeof(*pv));
	pv->seq = seq;
	pv->azure_retry = f.prov.azure_retry;
	any = f.prov.limit_rpm > 0 || f.prov.limit_tpm > 0 || f.prov.limit_itpm > 0 ||
	    f.prov.limit_otpm > 0;
	pv->provider = f.prov.provider == PV_NONE && any ? PV_OPENAI : f.prov.provider;
	if (!segment(url, "/v1beta/models/", ":generateContent", pv->model, sizeof(pv->model)) &&
	    !segment(url, "/v1/models/", ":generateContent", pv->model, sizeof(pv->model)))
		segment(url, "/openai/deployments/", "/chat/completions", pv->model,
		    sizeof(pv->model));
	/* Requests an earlier fault answers never reach the limiter. */
	if (!any || d->kind == FK_AUTH_401 || d->kind == FK_MARKER_400 ||
	    d->kind == FK_QUOTA_429 || d->kind == FK_FORCED_429 || d->kind == FK_RATE_429) {
		pthread_mutex_lock(&lock);
		sync_buckets(&f.prov, now_ns);
		pthread_mutex_unlock(&lock);
		return;
	}
	pthread_mutex_lock(&lock);
	sync_buckets(&f.prov, now_ns);
	for (i = 0; i < N_LIMITS; i++) {
		if (capacity[i] <= 0)
			continue;
		bucket_refill(&buckets[i], now_ns);
		if (buckets[i].level >= (need[i] < buckets[i].capacity ? need[i] : buckets[i].capacity))
			continue;
		w = bucket_wait(&buckets[i], need[i]);
		if (refuse < 0) {
			refuse = i;
			pv->limit = capacity[i];
			pv->used = ceil(buckets[i].capacity - buckets[i].level);
			pv->requested = need[i];
		}
		if (w > pv->wait_ns)
			pv->wait_ns = w;
	}
	if (refuse < 0) {
		for (i = 0; i < N_LIMITS; i++)
			if (capacity[i] > 0)
				bucket_charge(&buckets[i], charge[i], now_ns);
		tokens_in += in;
	} else {
		refused[refuse]++;
	}
	pthread_mutex_unlock(&lock);
	if (refuse >= 0) {
		pv->limited = (enum pv_limit)(refuse + 1);
		d->kind = FK_RATE_429;
		d->delay_ms = 0;  /* a refusal comes at once, as the providers' do */
	}
}

/* The output tokens an answer reports, whatever its provider's form: the
 * last "completion_tokens", "output_tokens" or "candidatesTokenCount". */
static double output_tokens(const char *text)
{
	static const char *const keys[] = {
		"\"completion_tokens\":", "\"output_tokens\":", "\"candidatesTokenCount\":",
	};
	const char *p, *last = NULL;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		for (p = text; (p = strstr(p, keys[i])); p += strlen(keys[i]))
			last = p + strlen(keys[i]);
	return last ? strtod(last, NULL) : 0;
}

/* One limit's state as headers show it. */
struct view {
	int on;
	double limit, remaining;
	int64_t full_in_ns;
};

/* Lock held; buckets refilled. */
static struct view view_of(int i)
{
	struct view v = { 0, 0, 0, 0 };

	if (capacity[i] > 0) {
		v.on = 1;
		v.limit = capacity[i];
		v.remaining = bucket_remaining(&buckets[i]);
		v.full_in_ns = bucket_full_in(&buckets[i]);
	}
	return v;
}

/* The most restrictive token limit in force (least left of its capacity). */
static struct view tokens_view(const struct view *v)
{
	struct view best = { 0, 0, 0, 0 };
	int i;

	for (i = 1; i < N_LIMITS; i++)
		if (v[i].on && (!best.on || v[i].remaining / v[i].limit < best.remaining / best.limit))
			best = v[i];
	return best;
}

static void add_num(struct MHD_Response *r, const char *name, double x)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.0f", x);
	MHD_add_response_header(r, name, buf);
}

/* OpenAI's resets: Go durations, rounded up to the millisecond as OpenAI's are. */
static void add_duration(struct MHD_Response *r, const char *name, int64_t ns)
{
	char buf[48];

	bucket_fmt_duration((ns + 999999) / 1000000 * 1000000, buf, sizeof(buf));
	MHD_add_response_header(r, name, buf);
}

static void add_openai(struct MHD_Response *r, const struct view *req,
    const struct view *tok, int resets)
{
	if (req->on) {
		add_num(r, "x-ratelimit-limit-requests", req->limit);
		add_num(r, "x-ratelimit-remaining-requests", req->remaining);
		if (resets)
			add_duration(r, "x-ratelimit-reset-requests", req->full_in_ns);
	}
	if (tok->on) {
		add_num(r, "x-ratelimit-limit-tokens", tok->limit);
		add_num(r, "x-ratelimit-remaining-tokens", tok->remaining);
		if (resets)
			add_duration(r, "x-ratelimit-reset-tokens", tok->full_in_ns);
	}
}

static void add_anthropic_one(struct MHD_Response *r, const char *what,
    const struct view *v, int64_t now_real_ms)
{
	char name[64], buf[48];

	if (!v->on)
		return;
	snprintf(name, sizeof(name), "anthropic-ratelimit-%s-limit", what);
	add_num(r, name, v->limit);
	snprintf(name, sizeof(name), "anthropic-ratelimit-%s-remaining", what);
	add_num(r, name, v->remaining);
	snprintf(name, sizeof(name), "anthropic-ratelimit-%s-reset", what);
	bucket_fmt_rfc3339(now_real_ms + (v->full_in_ns + 999999) / 1000000, buf, sizeof(buf));
	MHD_add_response_header(r, name, buf);
}

/* Retry headers of a 429 (or an overload answer) that asks to wait ns. */
static void add_retry(struct MHD_Response *r, const struct pv_decision *pv,
    const struct decision *d, int64_t ns)
{
	long long ms = (ns + 999999) / 1000000, s = (ms + 999) / 1000;
	char buf[64];
	struct tm tm;
	time_t t;

	if (pv->provider == PV_AZURE && pv->azure_retry == AZ_RETRY_XMS) {
		add_num(r, "x-ms-retry-after-ms", (double)ms);
		return;
	}
	if (d->ra_mode == RA_DATE) {
		t = time(NULL) + (time_t)s;
		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		MHD_add_response_header(r, "retry-after", buf);
	} else {
		add_num(r, "retry-after", (double)s);
	}
	if (pv->provider == PV_AZURE)
		add_num(r, "retry-after-ms", (double)ms);
}

void provider_finish(struct MHD_Response *r, const struct pv_decision *pv,
    const struct decision *d, int status, const char *text)
{
	struct view v[N_LIMITS], tok;
	int64_t now = clock_mono_ns();
	double out = status == 200 && text ? output_tokens(text) : 0;
	int i, limited429;

	if (pv->provider == PV_NONE)
		return;           /* no limit to bill, no header to send */
	pthread_mutex_lock(&lock);
	for (i = 0; i < N_LIMITS; i++) {
		if (capacity[i] <= 0) {
			v[i] = view_of(i);
			continue;
		}
		if (out > 0 && (i == PVL_TOKENS - 1 || i == PVL_OUTPUT - 1))
			bucket_charge(&buckets[i], out, now);
		bucket_refill(&buckets[i], now);
		v[i] = view_of(i);
	}
	tokens_out += out;
	pthread_mutex_unlock(&lock);
	tok = tokens_view(v);

	limited429 = d->kind == FK_RATE_429 || d->kind == FK_FORCED_429 ||
	    d->kind == FK_RANDOM_429;
	switch (pv->provider) {
	case PV_OPENAI:
		add_openai(r, &v[0], &tok, 1);
		if (status == 503)
			add_retry(r, pv, d, (int64_t)d->retry_after_s * 1000000000);
		break;
	case PV_AZURE:
		add_openai(r, &v[0], &tok, 0);
		if (limited429 || status == 503)
			add_retry(r, pv, d, pv->limited ? pv->wait_ns :
			    (int64_t)d->retry_after_s * 1000000000);
		break;
	case PV_ANTHROPIC:
		add_anthropic_one(r, "requests", &v[0], clock_real_ms());
		add_anthropic_one(r, "tokens", &tok, clock_real_ms());
		add_anthropic_one(r, "input-tokens", &v[2], clock_real_ms());
		add_anthropic_one(r, "output-tokens", &v[3], clock_real_ms());
		if (limited429)
			add_retry(r, pv, d, pv->limited ? pv->wait_ns :
			    (int64_t)d->retry_after_s * 1000000000);
		break;
	default:
		break;
	}
}

cJSON *provider_stats_json(void)
{
	static const char *const names[N_LIMITS] = {
		"requests", "tokens", "input_tokens", "output_tokens",
	};
	cJSON *o = cJSON_CreateObject(), *ref, *rem;
	struct faults f;
	int64_t now = clock_mono_ns();
	int i;

	faults_get(&f);
	cJSON_AddStringToObject(o, "provider", provider_names[f.prov.provider]);
	ref = cJSON_AddObjectToObject(o, "refused");
	rem = cJSON_AddObjectToObject(o, "remaining");
	pthread_mutex_lock(&lock);
	for (i = 0; i < N_LIMITS; i++) {
		cJSON_AddNumberToObject(ref, names[i], (double)refused[i]);
		if (capacity[i] > 0) {
			bucket_refill(&buckets[i], now);
			cJSON_AddNumberToObject(rem, names[i], bucket_remaining(&buckets[i]));
		} else {
			cJSON_AddNullToObject(rem, names[i]);
		}
	}
	cJSON_AddNumberToObject(o, "tokens_in", tokens_in);
	cJSON_AddNumberToObject(o, "tokens_out", tokens_out);
	pthread_mutex_unlock(&lock);
	return o;
}
