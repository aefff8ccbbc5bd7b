/* Fault settings of the test API and the per-request decision: which answer
 * (or failure) request number N gets. Flags and POST /control share one
 * option setter, so both accept the same names and values. */
#include "testapi.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct faults live;
static int64_t tat_ns;           /* GCRA theoretical arrival time */

void faults_defaults(struct faults *f)
{
	memset(f, 0, sizeof(*f));
	f->retry_after_s = 1;
	f->ra_mode = RA_SECONDS;
	f->seed = 1;
	f->huge_bytes = 100000000;
	f->prov.limit_window = 60;
}

int faults_parse_double(const char *name, const char *v, double lo, double hi,
    double *out, char **cause)
{
	char *end;
	double d;

	if (!v || !*v)
		return fail(cause, "--%s: missing value", name);
	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || !isfinite(d))
		return fail(cause, "--%s: '%s' is not a number", name, v);
	if (d < lo || d > hi)
		return fail(cause, "--%s: %s is out of range [%g, %g]", name, v, lo, hi);
	*out = d;
	return 0;
}

static int parse_ll(const char *name, const char *v, long long lo, long long hi,
    long long *out, char **cause)
{
	char *end;
	long long n;

	if (!v || !*v)
		return fail(cause, "--%s: missing value", name);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end)
		return fail(cause, "--%s: '%s' is not an integer", name, v);
	if (n < lo || n > hi)
		return fail(cause, "--%s: %s is out of range [%lld, %lld]", name, v, lo, hi);
	*out = n;
	return 0;
}

static int parse_bool(const char *name, const char *v, int *out, char **cause)
{
	if (!v || !strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "on"))
		*out = 1;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "off"))
		*out = 0;
	else
		return fail(cause, "--%s: '%s' is not a boolean", name, v);
	return 0;
}

int faults_set_option(struct faults *f, const char *name, const char *v, char **cause)
{
	struct { const char *name; double *d; } fractions[] = {
		{ "fail-429", &f->fail_429 }, { "fail-500", &f->fail_500 },
		{ "fail-503", &f->fail_503 }, { "truncate", &f->truncate },
		{ "nonjson", &f->nonjson }, { "drop", &f->drop }, { "huge", &f->huge },
		{ "nulbody", &f->nulbody }, { "badutf8", &f->badutf8 },
	};
	long long n;
	size_t i;

	for (i = 0; i < sizeof(fractions) / sizeof(fractions[0]); i++)
		if (!strcmp(name, fractions[i].name))
			return faults_parse_double(name, v, 0, 1, fractions[i].d, cause);
	if (!strcmp(name, "rate-limit"))
		return faults_parse_double(name, v, 0, 1e9, &f->rate_limit, cause);
	if (!strcmp(name, "rate-burst"))
		return faults_parse_double(name, v, 0, 1e9, &f->rate_burst, cause);
	if (!strcmp(name, "fail-400-marker") || !strcmp(name, "fail-400-field")) {
		if (!v)
			return fail(cause, "--%s: missing value", name);
		if (strlen(v) >= sizeof(f->marker))
			return fail(cause, "--%s: longer than %zu bytes", name, sizeof(f->marker) - 1);
		memcpy(f->marker, v, strlen(v) + 1);
		return 0;
	}
	if (!strcmp(name, "api-key")) {
		if (!v)
			return fail(cause, "--%s: missing value", name);
		if (strlen(v) >= sizeof(f->api_key))
			return fail(cause, "--%s: longer than %zu bytes", name, sizeof(f->api_key) - 1);
		memcpy(f->api_key, v, strlen(v) + 1);
		return 0;
	}
	if (!strcmp(name, "huge-bytes"))
		return parse_ll(name, v, 64, 1LL << 40, &f->huge_bytes, cause);
	if (!strcmp(name, "huge-length"))
		return parse_bool(name, v, &f->huge_length, cause);
	if (!strcmp(name, "insufficient-quota"))
		return parse_bool(name, v, &f->insufficient_quota, cause);
	if (!strcmp(name, "retry-after")) {
		if (parse_ll(name, v, 0, 86400, &n, cause) < 0)
			return -1;
		f->retry_after_s = (int)n;
		return 0;
	}
	if (!strcmp(name, "retry-after-mode")) {
		if (v && !strcmp(v, "seconds"))
			f->ra_mode = RA_SECONDS;
		else if (v && !strcmp(v, "date"))
			f->ra_mode = RA_DATE;
		else if (v && !strcmp(v, "reset"))
			f->ra_mode = RA_RESET;
		else
			return fail(cause, "--%s: '%s' is not seconds, date or reset", name, v ? v : "");
		return 0;
	}
	if (!strcmp(name, "next-429"))
		return parse_ll(name, v, 0, 1LL << 40, &f->next_429, cause);
	if (!strcmp(name, "delay-ms"))
		return parse_ll(name, v, 0, 600000, &f->delay_ms, cause);
	if (!strcmp(name, "jitter-ms"))
		return parse_ll(name, v, 0, 600000, &f->jitter_ms, cause);
	if (!strcmp(name, "seed")) {
		if (parse_ll(name, v, 0, 0x7fffffffffffffffLL, &n, cause) < 0)
			return -1;
		f->seed = (uint64_t)n;
		return 0;
	}
	return provider_set_option(&f->prov, name, v, cause);
}

int faults_check(const struct faults *f, char **cause)
{
	double sum = f->fail_429 + f->fail_500 + f->fail_503 + f->truncate +
	    f->nonjson + f->drop + f->huge + f->nulbody + f->badutf8;

	if (sum > 1.0 + 1e-9)
		return fail(cause, "fault fractions add up to %g, more than 1", sum);
	return 0;
}

void faults_init(const struct faults *f)
{
	pthread_mutex_lock(&lock);
	live = *f;
	tat_ns = 0;
	pthread_mutex_unlock(&lock);
}

void faults_get(struct faults *out)
{
	pthread_mutex_lock(&lock);
	*out = live;
	pthread_mutex_unlock(&lock);
}

/* One /control key as the matching flag's value text. */
static int control_value(const cJSON *it, char *buf, size_t n, const char **v, char **cause)
{
	if (cJSON_IsNumber(it)) {
		snprintf(buf, n, "%.17g", it->valuedouble);
		/* integers must not carry an exponent or a fraction */
		if (it->valuedouble == floor(it->valuedouble) && fabs(it->valuedouble) < 9e15)
			snprintf(buf, n, "%lld", (long long)it->valuedouble);
		*v = buf;
	} else if (cJSON_IsBool(it)) {
		*v = cJSON_IsTrue(it) ? "1" : "0";
	} else if (cJSON_IsString(it)) {
		*v = it->valuestring;
	} else if (cJSON_IsNull(it)) {
		*v = "";
	} else {
		return fail(cause, "%s: expected a number, boolean, string or null", it->string);
	}
	return 0;
}

int faults_control(const char *json, size_t len, char **cause)
{
	struct faults f;
	cJSON *root, *it;
	char name[64], buf[64];
	const char *v = NULL;
	int r = 0, reset_bucket = 0;
	size_t i;

	root = cJSON_ParseWithLength(json, len);
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return fail(cause, "body is not a JSON object");
	}
	pthread_mutex_lock(&lock);
	f = live;
	cJSON_ArrayForEach(it, root) {
		if (!it->string || strlen(it->string) >= sizeof(name)) {
			r = fail(cause, "bad key");
			break;
		}
		for (i = 0; it->string[i]; i++)
			name[i] = it->string[i] == '_' ? '-' : it->string[i];
		name[i] = '\0';
		if ((r = control_value(it, buf, sizeof(buf), &v, cause)) < 0)
			break;
		if (!strcmp(name, "fail-400-marker") && !*v)
			f.marker[0] = '\0';
		else if (!strcmp(name, "api-key") && !*v)
			f.api_key[0] = '\0';
		else if ((r = faults_set_option(&f, name, v, cause)) != 0) {
			if (r == 1)
				r = fail(cause, "%s: unknown setting", it->string);
			break;
		}
		if (!strcmp(name, "rate-limit") || !strcmp(name, "rate-burst"))
			reset_bucket = 1;
	}
	if (r == 0 && (r = faults_check(&f, cause)) == 0) {
		live = f;
		if (reset_bucket)
			tat_ns = 0;
	}
	pthread_mutex_unlock(&lock);
	cJSON_Delete(root);
	return r;
}

cJSON *faults_to_json(void)
{
	static const char *modes[] = { "seconds", "date", "reset" };
	struct faults f;
	cJSON *o = cJSON_CreateObject();

	faults_get(&f);
	cJSON_AddNumberToObject(o, "rate_limit", f.rate_limit);
	cJSON_AddNumberToObject(o, "rate_burst", f.rate_burst);
	cJSON_AddNumberToObject(o, "fail_429", f.fail_429);
	cJSON_AddNumberToObject(o, "fail_500", f.fail_500);
	cJSON_AddNumberToObject(o, "fail_503", f.fail_503);
	cJSON_AddNumberToObject(o, "truncate", f.truncate);
	cJSON_AddNumberToObject(o, "nonjson", f.nonjson);
	cJSON_AddNumberToObject(o, "drop", f.drop);
	cJSON_AddNumberToObject(o, "nulbody", f.nulbody);
	cJSON_AddNumberToObject(o, "badutf8", f.badutf8);
	cJSON_AddNumberToObject(o, "huge", f.huge);
	cJSON_AddNumberToObject(o, "huge_bytes", (double)f.huge_bytes);
	cJSON_AddBoolToObject(o, "huge_length", f.huge_length);
	if (f.marker[0])
		cJSON_AddStringToObject(o, "fail_400_marker", f.marker);
	else
		cJSON_AddNullToObject(o, "fail_400_marker");
	/* the key itself is a secret: say only whether one is required */
	cJSON_AddBoolToObject(o, "api_key", f.api_key[0] != '\0');
	cJSON_AddBoolToObject(o, "insufficient_quota", f.insufficient_quota);
	cJSON_AddNumberToObject(o, "retry_after", f.retry_after_s);
	cJSON_AddStringToObject(o, "retry_after_mode", modes[f.ra_mode]);
	cJSON_AddNumberToObject(o, "next_429", (double)f.next_429);
	cJSON_AddNumberToObject(o, "delay_ms", (double)f.delay_ms);
	cJSON_AddNumberToObject(o, "jitter_ms", (double)f.jitter_ms);
	cJSON_AddNumberToObject(o, "seed", (double)f.seed);
	provider_to_json(o, &f.prov);
	return o;
}

/* splitmix64: a well-mixed 64-bit value from a counter. */
static uint64_t mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

static double unit(uint64_t x)
{
	return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

/* GCRA: admits a request at now_ns or says how full the bucket is. Called
 * with the lock held. */
static int bucket_admit(const struct faults *f, int64_t now_ns, double *remaining)
{
	double burst = f->rate_burst > 0 ? f->rate_burst : f->rate_limit;
	int64_t t = (int64_t)(1e9 / f->rate_limit);
	int64_t tau = (int64_t)((burst < 1 ? 0 : burst - 1) * (double)t);
	int64_t tat = tat_ns > now_ns ? tat_ns : now_ns;

	if (tat - now_ns > tau) {
		*remaining = 0;
		return 0;
	}
	tat_ns = tat + t;
	*remaining = floor((double)(tau - (tat_ns - now_ns)) / (double)t) + 1;
	if (*remaining < 0)
		*remaining = 0;
	return 1;
}

void faults_decide(uint64_t seq, const char *body, size_t len, const char *key,
    int64_t now_ns, struct decision *d)
{
	struct faults f;
	double u, acc;
	uint64_t r;
	int forced = 0, admitted = 1, marked, unauthorized;

	memset(d, 0, sizeof(*d));
	pthread_mutex_lock(&lock);
	f = live;
	unauthorized = f.api_key[0] && (!key || strcmp(key, f.api_key) != 0);
	marked = f.marker[0] && body && memmem(body, len, f.marker, strlen(f.marker));
	if (!unauthorized && !marked && !f.insufficient_quota) {
		if (live.next_429 > 0) {
			live.next_429--;
			forced = 1;
		} else if (f.rate_limit > 0) {
			admitted = bucket_admit(&f, now_ns, &d->remaining);
		}
	}
	pthread_mutex_unlock(&lock);

	d->retry_after_s = f.retry_after_s;
	d->ra_mode = f.ra_mode;
	d->limit = f.rate_limit;
	d->huge_bytes = f.huge_bytes;
	d->huge_length = f.huge_length;
	r = mix(f.seed ^ mix(seq));
	u = unit(r);
	d->delay_ms = f.delay_ms;
	if (f.jitter_ms > 0)
		d->delay_ms += (long long)(unit(mix(r)) * (double)(f.jitter_ms + 1));

	if (unauthorized)
		d->kind = FK_AUTH_401;
	else if (marked)
		d->kind = FK_MARKER_400;
	else if (f.insufficient_quota)
		d->kind = FK_QUOTA_429;
	else if (forced)
		d->kind = FK_FORCED_429;
	else if (!admitted) {
		d->kind = FK_RATE_429;
		d->retry_after_s = f.retry_after_s > 0 ? f.retry_after_s : 1;
	} else if (u < (acc = f.drop))
		d->kind = FK_DROP;
	else if (u < (acc += f.fail_429))
		d->kind = FK_RANDOM_429;
	else if (u < (acc += f.fail_500))
		d->kind = FK_500;
	else if (u < (acc += f.fail_503))
		d->kind = FK_503;
	else if (u < (acc += f.truncate))
		d->kind = FK_TRUNCATE;
	else if (u < (acc += f.nonjson))
		d->kind = FK_NONJSON;
	else if (u < (acc += f.huge))
		d->kind = FK_HUGE;
	else if (u < (acc += f.nulbody))
		d->kind = FK_NULBODY;
	else if (u < (acc += f.badutf8))
		d->kind = FK_BADUTF8;
	else
		d->kind = FK_NONE;
	if (d->kind == FK_DROP)
		d->delay_ms = 0;
}

const char *fault_name(enum fault_kind k)
{
	static const char *names[] = {
		[FK_NONE] = "none", [FK_AUTH_401] = "auth_401", [FK_MARKER_400] = "marker_400",
		[FK_QUOTA_429] = "insufficient_quota", [FK_FORCED_429] = "next_429",
		[FK_RATE_429] = "rate_limit", [FK_RANDOM_429] = "fail_429",
		[FK_500] = "fail_500", [FK_503] = "fail_503", [FK_TRUNCATE] = "truncate",
		[FK_NONJSON] = "nonjson", [FK_DROP] = "drop",
		[FK_HUGE] = "huge", [FK_NULBODY] = "nulbody", [FK_BADUTF8] = "badutf8",
	};
	return names[k];
}
