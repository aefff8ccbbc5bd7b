/* A job's endpoints in psup web: psup-worker status's two lists joined by
 * name (requests first, then endpoints only the store names), figures
 * renamed, absent ones null, the 429 share derived, odd input tolerated,
 * and the /metrics families with escaped label values. */
#include "web_jobep.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char status_json[] = "{\"job\":\"j.db\",\"cost\":0.5,\"projected_cost\":2,"
    "\"endpoints\":["
    "{\"name\":\"b\",\"items\":30,\"ok\":28,\"tokens\":300,\"cost\":0.3,\"mean_latency_ms\":40},"
    "{\"name\":\"a\\\"<i>\\\\x\\n\",\"items\":20,\"ok\":20,\"tokens\":200,\"cost\":0.2,\"mean_latency_ms\":20},"
    "{\"name\":\"c\",\"items\":1,\"ok\":0,\"tokens\":0,\"cost\":0,\"mean_latency_ms\":5},"
    "{\"name\":null,\"items\":4,\"ok\":4,\"tokens\":9,\"cost\":0,\"mean_latency_ms\":7}],"
    "\"endpoint_requests\":["
    "{\"name\":\"a\\\"<i>\\\\x\\n\",\"requests\":25,\"2xx\":20,\"429\":5,\"5xx\":0,\"other\":0,"
    "\"no_answer\":0,\"tokens\":210,\"p50_ms\":18,\"p95_ms\":31,\"rpm\":600,\"api_rpm\":0},"
    "{\"name\":\"b\",\"requests\":40,\"2xx\":30,\"429\":0,\"5xx\":6,\"other\":1,"
    "\"no_answer\":3,\"tokens\":320,\"p50_ms\":1500,\"p95_ms\":2600,\"latency_sum_ms\":55500,"
    "\"rpm\":120,\"api_rpm\":900}]}";

static char *field(const cJSON *view, int i, const char *k)
{
	return cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(view, i), k));
}

static void is_field(const cJSON *view, int i, const char *k, const char *want)
{
	char *s = field(view, i, k);
	is_str(s, want, "row %d: %s", i, k);
	free(s);
}

static cJSON *view_of(const char *json)
{
	cJSON *st = cJSON_Parse(json);
	cJSON *v = jobep_view(st);
	cJSON_Delete(st);
	return v;
}

static void test_view(void)
{
	cJSON *v = view_of(status_json);
	is_int(cJSON_GetArraySize(v), 4, "four endpoints: two with requests, two only in the store");
	is_field(v, 0, "name", "\"a\\\"<i>\\\\x\\n\"");
	is_field(v, 1, "name", "\"b\"");
	is_field(v, 2, "name", "\"c\"");
	is_field(v, 3, "name", "null");
	is_field(v, 0, "req_429", "5");
	is_field(v, 0, "share_429", "0.2");
	is_field(v, 0, "items", "20");
	is_field(v, 1, "req_5xx", "6");
	is_field(v, 1, "req_other", "1");
	is_field(v, 1, "no_answer", "3");
	is_field(v, 1, "tokens", "320");
	is_field(v, 1, "item_tokens", "300");
	is_field(v, 1, "p95_ms", "2600");
	is_field(v, 1, "api_rpm", "900");
	is_field(v, 1, "cost", "0.3");
	is_field(v, 1, "mean_latency_ms", "40");
	is_field(v, 1, "share_429", "0");
	is_field(v, 2, "requests", "null");
	is_field(v, 2, "share_429", "null");
	is_field(v, 2, "ok", "0");
	cJSON_Delete(v);

	v = view_of("{\"endpoints\":[],\"endpoint_requests\":[]}");
	ok(v == NULL, "no endpoint: no view");
	v = view_of("{\"total\":3}");
	ok(v == NULL, "a status from before endpoints: no view");
	v = view_of("{\"endpoints\":{\"name\":\"a\"},\"endpoint_requests\":[1,\"x\",{\"name\":5,"
	    "\"requests\":\"many\",\"429\":1}]}");
	is_int(cJSON_GetArraySize(v), 1, "odd input: only objects in arrays count");
	is_field(v, 0, "name", "null");
	is_field(v, 0, "requests", "null");
	is_field(v, 0, "share_429", "null");
	cJSON_Delete(v);

	cJSON *st = cJSON_CreateObject(), *rq = cJSON_AddArrayToObject(st, "endpoint_requests");
	for (int i = 0; i < JOBEP_MAX + 6; i++) {
		char name[16];
		snprintf(name, sizeof name, "e%d", i);
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", name);
		cJSON_AddItemToArray(rq, e);
	}
	v = jobep_view(st);
	is_int(cJSON_GetArraySize(v), JOBEP_MAX, "at most %d endpoints", JOBEP_MAX);
	cJSON_Delete(v);
	cJSON_Delete(st);
}

static void test_metrics(void)
{
	cJSON *st = cJSON_Parse(status_json);
	cJSON *v = jobep_view(st);
	struct jobep_job jobs[] = { { "/srv/j.db", st, v }, { "none", NULL, NULL } };
	struct buf b = {0};
	jobep_metrics(&b, jobs, 2);
	char *m = buf_take(&b, NULL);
	static const char *const want[] = {
		"# TYPE psup_job_cost_total counter\npsup_job_cost_total{job=\"/srv/j.db\"} 0.5\n",
		"# TYPE psup_job_projected_cost gauge\npsup_job_projected_cost{job=\"/srv/j.db\"} 2\n",
		"# TYPE psup_job_endpoint_requests_total counter\n",
		"\npsup_job_endpoint_requests_total{job=\"/srv/j.db\",endpoint=\"a\\\"<i>\\\\x\\n\",class=\"2xx\"} 20\n",
		"psup_job_endpoint_requests_total{job=\"/srv/j.db\",endpoint=\"b\",class=\"no_answer\"} 3\n",
		"psup_job_endpoint_tokens_total{job=\"/srv/j.db\",endpoint=\"b\"} 320\n",
		"psup_job_endpoint_items_total{job=\"/srv/j.db\",endpoint=\"b\",outcome=\"failed\"} 2\n",
		"psup_job_endpoint_items_total{job=\"/srv/j.db\",endpoint=\"c\",outcome=\"ok\"} 0\n",
		"psup_job_endpoint_cost_total{job=\"/srv/j.db\",endpoint=\"b\"} 0.3\n",
		"psup_job_endpoint_requests_per_minute{job=\"/srv/j.db\",endpoint=\"b\",limit=\"api\"} 900\n",
		"# TYPE psup_job_endpoint_request_latency_seconds summary\n",
		"psup_job_endpoint_request_latency_seconds{job=\"/srv/j.db\",endpoint=\"b\",quantile=\"0.95\"} 2.6\n",
		"psup_job_endpoint_request_latency_seconds_count{job=\"/srv/j.db\",endpoint=\"b\"} 37\n",
		"psup_job_endpoint_request_latency_seconds_sum{job=\"/srv/j.db\",endpoint=\"b\"} 55.5\n",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ok(strstr(m, want[i]) != NULL, "metrics have %.*s", (int)strcspn(want[i], "\n"), want[i]);
	ok(strstr(m, "limit=\"api\"} 0") == NULL, "no API rate where none is known");
	ok(strstr(m, "endpoint=\"\"") == NULL && strstr(m, "psup_job_endpoint_items_total{job=\"/srv/j.db\"}") == NULL,
	    "the items of a single request: are not an endpoint's");
	ok(strstr(m, "latency_seconds_count{job=\"/srv/j.db\",endpoint=\"c\"}") == NULL,
	    "no latency for an endpoint without request counts");
	ok(strstr(m, "job=\"none\"") == NULL, "a job without status has no sample");
	int helps = 0, types = 0;
	for (const char *p = m; (p = strstr(p, "# HELP ")) != NULL; p++)
		helps++;
	for (const char *p = m; (p = strstr(p, "# TYPE ")) != NULL; p++)
		types++;
	is_int(helps, 8, "eight families with help");
	is_int(types, 8, "and type");
	free(m);

	jobep_metrics(&b, jobs + 1, 1);
	ok(b.len == 0, "no job with figures: nothing written");
	buf_free(&b);
	cJSON_Delete(v);
	cJSON_Delete(st);
}

int main(void)
{
	test_view();
	test_metrics();
	return done_testing();
}
