/* The chart history: one point per step, the ring keeps the last hour,
 * the JSON form lists the points oldest first with unknown rates as null. */
#include "web_hist.h"
#include "tap.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

int main(void)
{
	struct hist *h = calloc(1, sizeof *h);
	int64_t t0 = 1700000000000;
	struct hist_pt p = { .at = t0, .done = 1, .total = 10, .rate = -1 };
	is_int(hist_add(h, &p), 1, "the first point is kept");
	p.at = t0 + WEB_HIST_STEP_MS - 1;
	is_int(hist_add(h, &p), 0, "a point within the step is not");
	p.at = t0 + WEB_HIST_STEP_MS;
	p.done = 5, p.rate = 2.5;
	is_int(hist_add(h, &p), 1, "a point a step later is");
	is_int(h->n, 2, "two points held");

	struct buf b = {0};
	hist_json(h, t0 + 10000, &b);
	cJSON *j = cJSON_Parse(b.p);
	ok(j != NULL, "json parses");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(j, "t")), 2, "json: two times");
	ok(cJSON_IsNull(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "rate"), 0)), "json: an unknown rate is null");
	ok(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "rate"), 1)->valuedouble == 2.5, "json: a known rate");
	ok(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "done"), 1)->valuedouble == 5, "json: done");
	cJSON_Delete(j);
	buf_clear(&b);

	/* Two hours of points: the ring holds one hour's worth, the newest. */
	for (int i = 2; i < 2 * WEB_HIST_N; i++) {
		p.at = t0 + (int64_t)i * WEB_HIST_STEP_MS;
		p.done = i;
		hist_add(h, &p);
	}
	is_int(h->n, WEB_HIST_N, "the ring is bounded");
	ok(hist_at(h, 0)->done == WEB_HIST_N && hist_at(h, WEB_HIST_N - 1)->done == 2 * WEB_HIST_N - 1,
	    "it keeps the newest points, oldest first");
	int64_t now = t0 + (int64_t)(2 * WEB_HIST_N - 1) * WEB_HIST_STEP_MS;
	hist_json(h, now + 30 * 60 * 1000, &b);
	j = cJSON_Parse(b.p);
	int n = cJSON_GetArraySize(cJSON_GetObjectItem(j, "t"));
	ok(n > WEB_HIST_N / 2 - 2 && n < WEB_HIST_N / 2 + 2, "json: points older than an hour are left out (%d)", n);
	cJSON_Delete(j);
	buf_free(&b);

	p.at = t0;
	is_int(hist_add(h, &p), 1, "a clock gone back starts over");
	is_int(h->n, 1, "with only that point");
	free(h);
	return done_testing();
}
