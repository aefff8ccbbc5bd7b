/* psup web's /metrics page from a daemon list: each app's CPU time as a
 * counter in seconds beside the CPU gauge, apps without the figure left
 * out, every family typed. */
#include "web.h"
#include "web_metrics.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
	struct web w = {0};
	const char *json = "{\"ok\":true,\"apps\":["
	    "{\"name\":\"busy\",\"group\":\"g\",\"state\":\"online\",\"cpu\":150,\"cpu_time_ms\":1500,\"memory\":7},"
	    "{\"name\":\"old\",\"group\":\"old\",\"state\":\"online\",\"cpu\":0}]}";
	struct buf d = {0};
	apps_update(&w.apps, cJSON_Parse(json), 1000, &d);
	free(buf_take(&d, NULL));

	struct buf b = {0};
	metrics_write(&w, &b);
	char *m = buf_take(&b, NULL);
	ok(strstr(m, "# TYPE psup_app_cpu_seconds_total counter\n") != NULL, "CPU seconds: a counter");
	ok(strstr(m, "# HELP psup_app_cpu_seconds_total ") != NULL, "with its help line");
	ok(strstr(m, "\npsup_app_cpu_seconds_total{app=\"busy\",group=\"g\"} 1.5\n") != NULL,
	    "cpu_time_ms in seconds");
	ok(strstr(m, "psup_app_cpu_seconds_total{app=\"old\"") == NULL,
	    "an app without the figure has no sample");
	ok(strstr(m, "\npsup_app_cpu_ratio{app=\"busy\",group=\"g\"} 1.5\n") != NULL,
	    "the CPU gauge stays, in cores");
	free(m);
	apps_free(&w.apps);
	return done_testing();
}
