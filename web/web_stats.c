/* psup-worker's request statistics in psup web (see web_stats.h). */
#include "web_stats.h"

#include <string.h>

#include "web_prom.h"

static const char *const classes[] = { "2xx", "4xx", "429", "5xx", "other", NULL };
static const char *const class_keys[] = { "req_2xx", "req_4xx", "req_429", "req_5xx", "req_other", NULL };

/* The counters a job sums, as the reports name them. */
static const char *const summed[] = {
	"req_2xx", "req_4xx", "req_429", "req_5xx", "req_other", "retries", "lat_sum_ms",
	"tokens", "tokens_in", "tokens_out", "cost_uusd", NULL,
};
static const char *const quantile_keys[] = { "lat_p50_ms", "lat_p95_ms", "lat_p99_ms", NULL };
static const char *const quantiles[] = { "0.5", "0.95", "0.99", NULL };

const cJSON *stats_of(const cJSON *app)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(app, "progress"), "stats");
	return cJSON_IsObject(s) ? s : NULL;
}

static int has(const cJSON *s, const char *k)
{
	return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s, k));
}

static double get(const cJSON *s, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static double requests(const cJSON *s)
{
	double n = 0;
	for (int c = 0; class_keys[c]; c++)
		n += get(s, class_keys[c]);
	return n;
}

static const char *str(const cJSON *app, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(app, key));
	return s ? s : "";
}

static const char *job_of(const cJSON *app)
{
	const char *j = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(app, "progress"), "job"));
	return j ? j : "";
}

/* One counter family: the stat key (NULL: all requests by class), scaled. */
struct counter {
	const char *name, *key, *help;
	double scale;
};

static const struct counter counters[] = {
	{ "psup_app_requests_total", NULL, "Requests a psup-worker app made, by the class of their answer (other: no answer, e.g. a timeout).", 1 },
	{ "psup_app_retries_total", "retries", "Answers that sent their item round again.", 1 },
	{ "psup_app_tokens_total", "tokens", "Tokens the API counted for the app's requests.", 1 },
	{ "psup_app_input_tokens_total", "tokens_in", "Input tokens the API counted.", 1 },
	{ "psup_app_output_tokens_total", "tokens_out", "Output tokens the API counted.", 1 },
	{ "psup_app_cost_dollars_total", "cost_uusd", "What the app's requests cost at its endpoints' prices, in US dollars.", 1e-6 },
};

static void write_counter(const struct counter *c, const cJSON *apps, struct buf *b)
{
	const cJSON *app;
	int any = 0;
	cJSON_ArrayForEach(app, apps) {
		const cJSON *s = stats_of(app);
		if (!s || (c->key && !has(s, c->key)))
			continue;
		if (!any++)
			prom_family(b, c->name, PROM_COUNTER, c->help);
		for (int k = 0; c->key ? k == 0 : classes[k] != NULL; k++) {
			const char *lab[] = { "app", str(app, "name"), "group", str(app, "group"),
			    "job", job_of(app), c->key ? NULL : "class", classes[k], NULL };
			prom_sample(b, c->name, lab, get(s, c->key ? c->key : class_keys[k]) * c->scale);
		}
	}
}

void stats_metrics(const cJSON *apps, struct buf *b)
{
	for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
		write_counter(&counters[i], apps, b);
	const char *name = "psup_app_request_latency_seconds";
	const cJSON *app;
	int any = 0;
	cJSON_ArrayForEach(app, apps) {
		const cJSON *s = stats_of(app);
		if (!s || !has(s, "lat_sum_ms"))
			continue;
		if (!any++)
			prom_family(b, name, PROM_SUMMARY, "Time from sending a request to its answer "
			    "(quantiles within 1/8, over the app's run).");
		const char *lab[] = { "app", str(app, "name"), "group", str(app, "group"),
		    "job", job_of(app), "quantile", NULL, NULL };
		for (int q = 0; quantiles[q]; q++) {
			if (!has(s, quantile_keys[q]))
				continue;
			lab[7] = quantiles[q];
			prom_sample(b, name, lab, get(s, quantile_keys[q]) / 1000);
		}
		lab[6] = NULL;  /* _sum and _count have no quantile */
		prom_sample(b, "psup_app_request_latency_seconds_sum", lab, get(s, "lat_sum_ms") / 1000);
		prom_sample(b, "psup_app_request_latency_seconds_count", lab, requests(s));
	}
}

cJSON *stats_job(const cJSON *const *apps, int n)
{
	cJSON *job = NULL, *each = NULL;
	double sum[sizeof summed / sizeof summed[0]] = { 0 }, worst[3] = { 0 };
	for (int i = 0; i < n; i++) {
		const cJSON *s = stats_of(apps[i]);
		if (!s)
			continue;
		if (!job) {
			job = cJSON_CreateObject();
			each = cJSON_CreateArray();
		}
		for (int k = 0; summed[k]; k++)
			sum[k] += get(s, summed[k]);
		for (int q = 0; quantile_keys[q]; q++)
			if (get(s, quantile_keys[q]) > worst[q])
				worst[q] = get(s, quantile_keys[q]);
		cJSON *one = cJSON_Duplicate(s, 1);
		cJSON_AddStringToObject(one, "app", str(apps[i], "name"));
		cJSON_AddNumberToObject(one, "requests", requests(s));
		cJSON_AddItemToArray(each, one);
	}
	if (!job)
		return NULL;
	double total = 0;
	for (int k = 0; summed[k]; k++) {
		if (strncmp(summed[k], "req_", 4) == 0)
			total += sum[k];
		if (strcmp(summed[k], "cost_uusd") == 0)
			cJSON_AddNumberToObject(job, "cost_usd", sum[k] / 1e6);
		else
			cJSON_AddNumberToObject(job, summed[k], sum[k]);
	}
	cJSON_AddNumberToObject(job, "requests", total);
	cJSON_AddNumberToObject(job, "share_429", total > 0 ? get(job, "req_429") / total : 0);
	cJSON_AddNumberToObject(job, "lat_mean_ms", total > 0 ? get(job, "lat_sum_ms") / total : 0);
	for (int q = 0; quantile_keys[q]; q++)
		cJSON_AddNumberToObject(job, quantile_keys[q], worst[q]);
	cJSON_AddItemToObject(job, "apps", each);
	return job;
}
