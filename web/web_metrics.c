/* The /metrics page (see web_metrics.h). */
#include "web_metrics.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "web.h"
#include "web_jobs.h"
#include "web_prom.h"
#include "web_stats.h"

static const char *const app_states[] = {
	"launching", "online", "stopping", "stopped", "waiting", "errored", "completed", NULL,
};

/* A number field of an object (path: "progress.rate" style, one level),
 * or NaN when absent or null. */
static double field(const cJSON *app, const char *key, const char *sub)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(app, key);
	if (sub)
		v = cJSON_GetObjectItemCaseSensitive(v, sub);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *app, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(app, key));
	return s ? s : "";
}

struct app_metric {
	const char *name, *help;
	enum prom_type type;
	const char *key, *sub;
	double scale;
	int progress;           /* only for apps that report progress */
};

static const struct app_metric app_metrics[] = {
	{ "psup_app_restarts_total", "Restarts of the app since it was loaded.", PROM_COUNTER, "restarts", NULL, 1, 0 },
	{ "psup_app_uptime_seconds", "Seconds since the app's process started (0 when not running).", PROM_GAUGE, "uptime_ms", NULL, 0.001, 0 },
	{ "psup_app_pid", "The app's pid (0 when not running).", PROM_GAUGE, "pid", NULL, 1, 0 },
	{ "psup_app_cpu_ratio", "CPU used by the app's process group, in cores (1 = one core busy).", PROM_GAUGE, "cpu", NULL, 0.01, 0 },
	{ "psup_app_cpu_seconds_total", "CPU time of the app's process group and the children it reaped; starts over when the app restarts.", PROM_COUNTER, "cpu_time_ms", NULL, 0.001, 0 },
	{ "psup_app_memory_bytes", "Resident memory of the app's process group.", PROM_GAUGE, "memory", NULL, 1, 0 },
	{ "psup_app_progress_done", "Items the app reported done.", PROM_GAUGE, "progress", "done", 1, 1 },
	{ "psup_app_progress_items", "Items the app reported in all (its total).", PROM_GAUGE, "progress", "total", 1, 1 },
	{ "psup_app_progress_failed", "Items the app reported failed.", PROM_GAUGE, "progress", "failed", 1, 1 },
	{ "psup_app_progress_rate", "Items per second over the last reports.", PROM_GAUGE, "progress", "rate", 1, 1 },
	{ "psup_app_progress_eta_seconds", "Seconds until done at the current rate.", PROM_GAUGE, "progress", "eta_s", 1, 1 },
};

static void write_apps(const struct web *w, const cJSON *apps, struct buf *b)
{
	const cJSON *app;
	prom_family(b, "psup_app_state", PROM_GAUGE, "1 for the state the app is in, 0 for the others.");
	cJSON_ArrayForEach(app, apps) {
		for (int s = 0; app_states[s]; s++) {
			const char *lab[] = { "app", str(app, "name"), "group", str(app, "group"), "state", app_states[s], NULL };
			prom_sample(b, "psup_app_state", lab, strcmp(str(app, "state"), app_states[s]) == 0);
		}
	}
	for (size_t m = 0; m < sizeof app_metrics / sizeof app_metrics[0]; m++) {
		const struct app_metric *am = &app_metrics[m];
		prom_family(b, am->name, am->type, am->help);
		cJSON_ArrayForEach(app, apps) {
			double v = field(app, am->key, am->sub);
			if (isnan(v))
				continue;
			const char *lab[] = { "app", str(app, "name"), "group", str(app, "group"), NULL };
			prom_sample(b, am->name, lab, v * am->scale);
		}
	}
	stats_metrics(apps, b);
	(void)w;
}

void metrics_write(const struct web *w, struct buf *b)
{
	const cJSON *apps = apps_array(&w->apps);
	prom_family(b, "psup_daemon_up", PROM_GAUGE, "1 when the daemon answered psup web's last list request.");
	prom_sample(b, "psup_daemon_up", NULL, w->apps.root && !w->apps.error);
	int n = 0, keepers = 0;
	const cJSON *app;
	cJSON_ArrayForEach(app, apps) {
		n++;
		keepers += field(app, "keeper_pid", NULL) > 0;
	}
	prom_family(b, "psup_apps", PROM_GAUGE, "Apps the daemon has loaded.");
	prom_sample(b, "psup_apps", NULL, n);
	prom_family(b, "psup_keepers", PROM_GAUGE, "Apps with a live keeper process.");
	prom_sample(b, "psup_keepers", NULL, keepers);
	if (apps)
		write_apps(w, apps, b);
	jobs_metrics(w, b);

	prom_family(b, "psup_web_requests_total", PROM_COUNTER, "HTTP requests psup web answered.");
	prom_sample(b, "psup_web_requests_total", NULL, (double)w->requests);
	prom_family(b, "psup_web_refused_total", PROM_COUNTER, "Requests refused for a missing token, a foreign Host or Origin.");
	prom_sample(b, "psup_web_refused_total", NULL, (double)w->refused);
	prom_family(b, "psup_web_actions_total", PROM_COUNTER, "Start, stop and restart requests sent to the daemon.");
	prom_sample(b, "psup_web_actions_total", NULL, (double)w->actions);
	prom_family(b, "psup_web_streams", PROM_GAUGE, "Live event streams open.");
	prom_sample(b, "psup_web_streams", NULL, w->n_sse);
	prom_family(b, "psup_web_streams_dropped_total", PROM_COUNTER, "Event streams dropped because their reader fell too far behind.");
	prom_sample(b, "psup_web_streams_dropped_total", NULL, (double)w->sse_dropped);
	prom_family(b, "psup_web_list_errors_total", PROM_COUNTER, "List requests to the daemon that failed.");
	prom_sample(b, "psup_web_list_errors_total", NULL, (double)w->list_errors);
}
