/* A job's endpoints in psup web (see web_jobep.h). */
#include "web_jobep.h"

#include <math.h>
#include <string.h>

#include "web_prom.h"

/* A figure of one of status's lists, and its name in the view. */
struct field {
	const char *from, *to;
};

static const struct field request_fields[] = {
	{ "requests", "requests" }, { "2xx", "req_2xx" }, { "429", "req_429" }, { "5xx", "req_5xx" },
	{ "other", "req_other" }, { "no_answer", "no_answer" }, { "p50_ms", "p50_ms" },
	{ "p95_ms", "p95_ms" }, { "latency_sum_ms", "latency_sum_ms" }, { "tokens", "tokens" },
	{ "rpm", "rpm" }, { "api_rpm", "api_rpm" }, { NULL, NULL },
};
static const struct field spend_fields[] = {
	{ "items", "items" }, { "ok", "ok" }, { "tokens", "item_tokens" }, { "cost", "cost" },
	{ "mean_latency_ms", "mean_latency_ms" }, { NULL, NULL },
};

/* A number of o, or NaN when absent or not a number. */
static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void set(cJSON *row, const char *k, double v)
{
	cJSON_ReplaceItemInObjectCaseSensitive(row, k, isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v));
}

/* A new row of view named as e is (null unless a string), every figure null. */
static cJSON *row_new(cJSON *view, const cJSON *e)
{
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
	cJSON *row = cJSON_CreateObject();
	cJSON_AddItemToObject(row, "name", name ? cJSON_CreateString(name) : cJSON_CreateNull());
	for (const struct field *f = request_fields; f->from; f++)
		cJSON_AddNullToObject(row, f->to);
	cJSON_AddNullToObject(row, "share_429");
	for (const struct field *f = spend_fields; f->from; f++)
		cJSON_AddNullToObject(row, f->to);
	cJSON_AddItemToArray(view, row);
	return row;
}

/* The row of view with e's name (two nulls match), or NULL. */
static cJSON *row_find(cJSON *view, const cJSON *e)
{
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
	cJSON *row;
	cJSON_ArrayForEach(row, view) {
		const char *r = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "name"));
		if (name ? r && strcmp(r, name) == 0 : !r)
			return row;
	}
	return NULL;
}

cJSON *jobep_view(const cJSON *status)
{
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(status, "endpoint_requests");
	const cJSON *sp = cJSON_GetObjectItemCaseSensitive(status, "endpoints");
	if (!cJSON_IsArray(rq))
		rq = NULL;
	if (!cJSON_IsArray(sp))
		sp = NULL;
	cJSON *view = cJSON_CreateArray();
	int n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, rq) {
		if (!cJSON_IsObject(e) || n == JOBEP_MAX)
			continue;
		cJSON *row = row_new(view, e);
		n++;
		for (const struct field *f = request_fields; f->from; f++)
			set(row, f->to, num(e, f->from));
		double req = num(e, "requests");
		set(row, "share_429", req > 0 ? num(e, "429") / req : NAN);
	}
	cJSON_ArrayForEach(e, sp) {
		if (!cJSON_IsObject(e))
			continue;
		cJSON *row = row_find(view, e);
		if (!row && n == JOBEP_MAX)
			continue;
		if (!row) {
			row = row_new(view, e);
			n++;
		}
		for (const struct field *f = spend_fields; f->from; f++)
			set(row, f->to, num(e, f->from));
	}
	if (n == 0) {
		cJSON_Delete(view);
		return NULL;
	}
	return view;
}

/* One family over every job's endpoints: for each named row with the
 * figure key, a sample per label value in vals (NULL: one sample) taken
 * from the keys in keys (scaled by scale). Rows without a name (items a
 * single request: answered) are the job's own figures, not an endpoint's. */
struct epfam {
	const char *name, *help;
	enum prom_type type;
	const char *label;                  /* the extra label, or NULL */
	const char *const *vals, *const *keys;
	double scale;
};

static const char *const class_vals[] = { "2xx", "429", "5xx", "other", "no_answer", NULL };
static const char *const class_keys[] = { "req_2xx", "req_429", "req_5xx", "req_other", "no_answer", NULL };
static const char *const quantile_vals[] = { "0.5", "0.95", NULL };
static const char *const quantile_keys[] = { "p50_ms", "p95_ms", NULL };
static const char *const rate_vals[] = { "paced", "api", NULL };
static const char *const rate_keys[] = { "rpm", "api_rpm", NULL };
static const char *const outcome_vals[] = { "ok", "failed", NULL };
static const char *const outcome_keys[] = { "ok", "failed", NULL };  /* failed: items - ok */
static const char *const tokens_keys[] = { "tokens", NULL };
static const char *const cost_keys[] = { "cost", NULL };

static const struct epfam epfams[] = {
	{ "psup_job_endpoint_requests_total", "Requests the job's workers sent to the endpoint, by the class of the answer (no_answer: none came, e.g. a timeout).",
	    PROM_COUNTER, "class", class_vals, class_keys, 1 },
	{ "psup_job_endpoint_tokens_total", "Tokens the endpoint's API counted for the job's requests.",
	    PROM_COUNTER, NULL, NULL, tokens_keys, 1 },
	{ "psup_job_endpoint_items_total", "Finished items of the job's store the endpoint answered last, by outcome.",
	    PROM_COUNTER, "outcome", outcome_vals, outcome_keys, 1 },
	{ "psup_job_endpoint_cost_total", "What the endpoint's answers to the job's items cost, in the unit of its job file's prices.",
	    PROM_COUNTER, NULL, NULL, cost_keys, 1 },
	{ "psup_job_endpoint_requests_per_minute", "The rate the workers pace the endpoint at (limit=paced: as set or learned) and the one its API says it allows (limit=api).",
	    PROM_GAUGE, "limit", rate_vals, rate_keys, 1 },
};

static double row_num(const cJSON *row, const char *key)
{
	if (strcmp(key, "failed") == 0)
		return num(row, "items") - num(row, "ok");
	return num(row, key);
}

static void write_epfam(struct buf *b, const struct epfam *f, const struct jobep_job *jobs, int n)
{
	int any = 0;
	for (int i = 0; i < n; i++) {
		const cJSON *row;
		cJSON_ArrayForEach(row, jobs[i].view) {
			const char *ep = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "name"));
			for (int k = 0; ep && f->keys[k]; k++) {
				double v = row_num(row, f->keys[k]);
				/* a rate of 0 is none known, not a limit of nothing */
				if (isnan(v) || (f->vals == rate_vals && v <= 0))
					continue;
				if (!any++)
					prom_family(b, f->name, f->type, f->help);
				const char *lab[] = { "job", jobs[i].job, "endpoint", ep, f->label,
				    f->vals ? f->vals[k] : NULL, NULL };
				prom_sample(b, f->name, lab, v * f->scale);
			}
		}
	}
}

/* The latency summary: quantiles, the count of answered requests and the
 * sum of their latencies. */
static void write_latency(struct buf *b, const struct jobep_job *jobs, int n)
{
	static const char name[] = "psup_job_endpoint_request_latency_seconds";
	int any = 0;
	for (int i = 0; i < n; i++) {
		const cJSON *row;
		cJSON_ArrayForEach(row, jobs[i].view) {
			const char *ep = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "name"));
			double answered = num(row, "requests") - num(row, "no_answer");
			if (!ep || isnan(answered))
				continue;
			if (!any++)
				prom_family(b, name, PROM_SUMMARY, "Time from sending a request to the endpoint to "
				    "its answer, over every run of the job (quantiles as a bucket's upper bound).");
			const char *lab[] = { "job", jobs[i].job, "endpoint", ep, "quantile", NULL, NULL };
			for (int q = 0; quantile_vals[q]; q++) {
				double v = num(row, quantile_keys[q]);
				if (isnan(v))
					continue;
				lab[5] = quantile_vals[q];
				prom_sample(b, name, lab, v / 1000);
			}
			lab[4] = NULL;
			double sum = num(row, "latency_sum_ms");
			if (!isnan(sum))
				prom_sample(b, "psup_job_endpoint_request_latency_seconds_sum", lab, sum / 1000);
			prom_sample(b, "psup_job_endpoint_request_latency_seconds_count", lab, answered);
		}
	}
}

/* A family of one figure of each job's status. */
static void write_spend(struct buf *b, const char *name, enum prom_type type, const char *help,
    const char *key, const struct jobep_job *jobs, int n)
{
	int any = 0;
	for (int i = 0; i < n; i++) {
		double v = num(jobs[i].status, key);
		if (isnan(v))
			continue;
		if (!any++)
			prom_family(b, name, type, help);
		const char *lab[] = { "job", jobs[i].job, NULL };
		prom_sample(b, name, lab, v);
	}
}

void jobep_metrics(struct buf *b, const struct jobep_job *jobs, int n)
{
	write_spend(b, "psup_job_cost_total", PROM_COUNTER, "What the job's finished items cost, "
	    "in the unit of its job file's prices.", "cost", jobs, n);
	write_spend(b, "psup_job_projected_cost", PROM_GAUGE, "What all of the job's items would "
	    "cost at the cost per item so far.", "projected_cost", jobs, n);
	for (size_t f = 0; f < sizeof epfams / sizeof epfams[0]; f++)
		write_epfam(b, &epfams[f], jobs, n);
	write_latency(b, jobs, n);
}
