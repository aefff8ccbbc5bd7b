/* psup-worker's request stats in psup web: /metrics families per app
 * (requests by class, a summary of latency with # TYPE summary, label
 * values escaped), and a job's sums for the job view. */
#include "web_prom.h"
#include "web_stats.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static const char list[] = "[" \
	"{\"name\":\"w-1\",\"group\":\"w\",\"progress\":{\"done\":5,\"job\":\"job:1\",\"stats\":{" \
	"\"req_2xx\":90,\"req_4xx\":1,\"req_429\":8,\"req_5xx\":1,\"req_other\":0,\"retries\":9," \
	"\"lat_sum_ms\":25000,\"lat_p50_ms\":200,\"lat_p95_ms\":700,\"lat_p99_ms\":1500," \
	"\"tokens\":1000,\"tokens_in\":800,\"tokens_out\":200,\"cost_uusd\":2500}}}," \
	"{\"name\":\"w-2\",\"group\":\"w\",\"progress\":{\"done\":5,\"job\":\"job:1\",\"stats\":{" \
	"\"req_2xx\":100,\"req_4xx\":0,\"req_429\":0,\"req_5xx\":0,\"req_other\":0,\"retries\":0," \
	"\"lat_sum_ms\":15000,\"lat_p50_ms\":150,\"lat_p95_ms\":900,\"lat_p99_ms\":1000,\"tokens\":500}}}," \
	"{\"name\":\"plain\",\"group\":\"plain\",\"progress\":{\"done\":1}}," \
	"{\"name\":\"a\\\"b\\\\c\\nd\",\"group\":\"x\",\"progress\":{\"done\":1,\"stats\":{\"req_2xx\":1}}}]";

int main(void)
{
	plan_no_plan();
	cJSON *apps = cJSON_Parse(list);
	if (!apps)
		return 1;
	struct buf b = {0};
	stats_metrics(apps, &b);
	char *m = buf_take(&b, NULL);
	ok(strstr(m, "# TYPE psup_app_requests_total counter\n") != NULL, "requests: a counter");
	ok(strstr(m, "\npsup_app_requests_total{app=\"w-1\",group=\"w\",job=\"job:1\",class=\"429\"} 8\n") != NULL,
	    "by class, with the job's name");
	ok(strstr(m, "psup_app_requests_total{app=\"w-1\",group=\"w\",job=\"job:1\",class=\"other\"} 0\n") != NULL,
	    "a class with none is 0, not missing");
	ok(strstr(m, "psup_app_requests_total{app=\"plain\"") == NULL, "an app without stats has none");
	ok(strstr(m, "psup_app_requests_total{app=\"a\\\"b\\\\c\\nd\",group=\"x\",job=\"\",class=\"2xx\"} 1\n") != NULL,
	    "label values escaped");
	ok(strstr(m, "\npsup_app_retries_total{app=\"w-1\",group=\"w\",job=\"job:1\"} 9\n") != NULL, "retries");
	ok(strstr(m, "psup_app_retries_total{app=\"a") == NULL, "only where reported");
	ok(strstr(m, "\npsup_app_input_tokens_total{app=\"w-1\",group=\"w\",job=\"job:1\"} 800\n") != NULL,
	    "input tokens");
	ok(strstr(m, "\npsup_app_cost_dollars_total{app=\"w-1\",group=\"w\",job=\"job:1\"} 0.0025\n") != NULL,
	    "cost in dollars");
	ok(strstr(m, "# TYPE psup_app_request_latency_seconds summary\n") != NULL, "latency: a summary");
	ok(strstr(m, "\npsup_app_request_latency_seconds{app=\"w-1\",group=\"w\",job=\"job:1\",quantile=\"0.99\"} 1.5\n") != NULL,
	    "p99 in seconds");
	ok(strstr(m, "\npsup_app_request_latency_seconds_sum{app=\"w-2\",group=\"w\",job=\"job:1\"} 15\n") != NULL,
	    "its sum");
	ok(strstr(m, "\npsup_app_request_latency_seconds_count{app=\"w-1\",group=\"w\",job=\"job:1\"} 100\n") != NULL,
	    "its count: every request");
	/* every sample follows its family's TYPE line */
	int typed = 1;
	const char *fam = NULL;
	size_t famlen = 0;
	for (const char *line = m; *line; line = strchr(line, '\n') + 1) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			fam = line + 7;
			famlen = strcspn(fam, " ");
		} else if (line[0] != '#' && (!fam || strncmp(line, fam, famlen) != 0)) {
			typed = 0;
		}
	}
	ok(typed, "every sample belongs to the family before it");
	free(m);

	const cJSON *objs[4];
	for (int i = 0; i < 4; i++)
		objs[i] = cJSON_GetArrayItem(apps, i);
	ok(stats_job(objs + 2, 1) == NULL, "a job without stats: none");
	const cJSON *pair[] = { objs[0], NULL, objs[1] };
	cJSON *j = stats_job(pair, 3);
	const cJSON *v;
#define NUM(k) ((v = cJSON_GetObjectItemCaseSensitive(j, k)) ? v->valuedouble : -1)
	ok(NUM("requests") == 200 && NUM("req_2xx") == 190 && NUM("req_429") == 8, "counts summed");
	ok(NUM("share_429") == 0.04, "the 429 share");
	ok(NUM("lat_p99_ms") == 1500 && NUM("lat_p95_ms") == 900, "percentiles: the slowest worker's");
	ok(NUM("lat_mean_ms") == 200, "the mean from the sums");
	ok(NUM("cost_usd") == 0.0025 && NUM("tokens") == 1500, "cost and tokens");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "apps")), 2, "each app's own");
#undef NUM
	cJSON_Delete(j);
	cJSON_Delete(apps);
	return done_testing();
}
