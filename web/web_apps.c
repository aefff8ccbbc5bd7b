/* The apps as psup web sees them (see web_apps.h). */
#include "web_apps.h"

#include <stdlib.h>
#include <string.h>

#include "web_esc.h"
#include "web_hist.h"
#include "xalloc.h"

/* The fields the page shows. Uptime is left out on purpose: the page
 * computes it from started_at, so an app that runs steadily sends no
 * update every second. */
static const char *const page_fields[] = {
	"id", "name", "group", "instance", "state", "reason", "pid", "restarts", "unstable",
	"started_at", "exit_code", "exit_signal", "cpu", "memory", "progress", NULL,
};

static char *page_json(const cJSON *app)
{
	cJSON *o = cJSON_CreateObject();
	for (int i = 0; page_fields[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(app, page_fields[i]);
		if (v)
			cJSON_AddItemToObject(o, page_fields[i], cJSON_Duplicate(v, 1));
	}
	char *raw = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	struct buf b = {0};
	esc_json_safe(&b, raw ? raw : "{}");
	free(raw);
	return buf_take(&b, NULL);
}

static int by_name_cmp(const void *x, const void *y, void *arg)
{
	const struct app_ent *ents = arg;
	return strcmp(ents[*(const int *)x].name, ents[*(const int *)y].name);
}

static int find_index(const struct app_ent *ents, const int *by_name, int n, const char *name)
{
	int lo = 0, hi = n - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		int c = strcmp(ents[by_name[mid]].name, name);
		if (c == 0)
			return by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

const struct app_ent *apps_find(const struct web_apps *a, const char *name)
{
	int i = find_index(a->ents, a->by_name, a->n, name);
	return i < 0 ? NULL : &a->ents[i];
}

const cJSON *apps_array(const struct web_apps *a)
{
	return a->root ? cJSON_GetObjectItemCaseSensitive(a->root, "apps") : NULL;
}

static double num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static void record_progress(struct app_ent *e, int64_t now)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(e->obj, "progress");
	if (!cJSON_IsObject(p))
		return;
	if (!e->hist)
		e->hist = xcalloc(1, sizeof *e->hist);
	struct hist_pt pt = {
		.at = now, .done = num(p, "done", 0), .failed = num(p, "failed", 0),
		.total = num(p, "total", 0), .rate = num(p, "rate", -1),
	};
	hist_add(e->hist, &pt);
}

static void ents_free(struct app_ent *ents, int n)
{
	for (int i = 0; i < n; i++) {
		free(ents[i].json);
		free(ents[i].hist);
	}
	free(ents);
}

void apps_full(const struct web_apps *a, struct buf *b)
{
	buf_printf(b, "{\"t\":%lld,\"full\":true,\"error\":", (long long)a->at);
	if (a->error)
		esc_json_str(b, a->error, strlen(a->error));
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"apps\":[");
	for (int i = 0; i < a->n; i++) {
		if (i)
			buf_addc(b, ',');
		buf_puts(b, a->ents[i].json);
	}
	buf_puts(b, "]}");
}

void apps_update(struct web_apps *a, cJSON *reply, int64_t now, struct buf *delta)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(reply, "apps");
	int n = cJSON_GetArraySize(arr);
	struct app_ent *ents = xcalloc((size_t)n + 1, sizeof *ents);
	int *by_name = xcalloc((size_t)n + 1, sizeof *by_name);
	int m = 0;
	const cJSON *app;
	cJSON_ArrayForEach(app, arr) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(app, "name");
		if (!cJSON_IsString(name))
			continue;
		ents[m].obj = app;
		ents[m].name = name->valuestring;
		ents[m].json = page_json(app);
		by_name[m] = m;
		m++;
	}
	qsort_r(by_name, (size_t)m, sizeof *by_name, by_name_cmp, ents);

	int same_set = m == a->n && !a->error;
	int changed = 0;
	struct buf d = {0};
	buf_printf(&d, "{\"t\":%lld,\"full\":false,\"apps\":[", (long long)now);
	for (int i = 0; i < m; i++) {
		int old = find_index(a->ents, a->by_name, a->n, ents[i].name);
		if (old != i)
			same_set = 0;
		if (old >= 0) {
			ents[i].hist = a->ents[old].hist;
			a->ents[old].hist = NULL;
			if (strcmp(a->ents[old].json, ents[i].json) == 0)
				continue;
		}
		buf_printf(&d, "%s%s", changed++ ? "," : "", ents[i].json);
	}
	buf_puts(&d, "]}");
	for (int i = 0; i < m; i++)
		record_progress(&ents[i], now);

	apps_free(a);
	*a = (struct web_apps){ .root = reply, .at = now, .ents = ents, .by_name = by_name, .n = m };
	if (!same_set)
		apps_full(a, delta);
	else if (changed)
		buf_add(delta, d.p, d.len);
	buf_free(&d);
}

void apps_error(struct web_apps *a, const char *error, struct buf *delta)
{
	if (a->error && strcmp(a->error, error) == 0)
		return;
	free(a->error);
	a->error = xstrdup(error);
	apps_full(a, delta);
}

void apps_free(struct web_apps *a)
{
	ents_free(a->ents, a->n);
	free(a->by_name);
	cJSON_Delete(a->root);
	free(a->error);
	memset(a, 0, sizeof *a);
}
