/* psup web's app view: the first list is a full snapshot, an unchanged
 * list sends nothing, a changed app sends only itself, an app that comes
 * or goes sends a full snapshot, and progress history follows an app
 * across lists. */
#include "web_apps.h"
#include "web_hist.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static cJSON *list(const char *json)
{
	char *s = malloc(strlen(json) + 32);
	strcpy(s, "{\"ok\":true,\"apps\":");
	strcat(s, json);
	strcat(s, "}");
	cJSON *r = cJSON_Parse(s);
	free(s);
	return r;
}

static char *update(struct web_apps *a, const char *json, int64_t now)
{
	struct buf d = {0};
	apps_update(a, list(json), now, &d);
	return buf_take(&d, NULL);
}

int main(void)
{
	struct web_apps a = {0};
	const char *two = "[{\"name\":\"b\",\"state\":\"online\",\"restarts\":0,\"uptime_ms\":5},"
	    "{\"name\":\"a<x>\",\"state\":\"online\",\"restarts\":0,\"progress\":{\"done\":1,\"total\":9,\"rate\":null}}]";
	char *d = update(&a, two, 1000);
	ok(strstr(d, "\"full\":true") && strstr(d, "\"name\":\"b\""), "first list: a full snapshot");
	ok(!strchr(d, '<'), "snapshot: names are HTML-safe");
	ok(!strstr(d, "uptime_ms"), "snapshot: no uptime (the page counts it)");
	free(d);
	ok(apps_find(&a, "a<x>") && apps_find(&a, "b") && !apps_find(&a, "c"), "find by name");
	ok(apps_find(&a, "a<x>")->hist && apps_find(&a, "a<x>")->hist->n == 1, "progress: a first point");

	const char *two_later = "[{\"name\":\"b\",\"state\":\"online\",\"restarts\":0,\"uptime_ms\":1005},"
	    "{\"name\":\"a<x>\",\"state\":\"online\",\"restarts\":0,\"progress\":{\"done\":1,\"total\":9,\"rate\":null}}]";
	d = update(&a, two_later, 2000);
	is_str(d, "", "same apps, only uptime moved: nothing to send");
	free(d);

	const char *restarted = "[{\"name\":\"b\",\"state\":\"online\",\"restarts\":1},"
	    "{\"name\":\"a<x>\",\"state\":\"online\",\"restarts\":0,\"progress\":{\"done\":3,\"total\":9,\"rate\":0.5}}]";
	d = update(&a, restarted, 1000 + WEB_HIST_STEP_MS);
	ok(strstr(d, "\"full\":false") && strstr(d, "\"restarts\":1"), "a restart: a delta");
	ok(strstr(d, "\"done\":3"), "a progress change: in the delta");
	free(d);
	ok(apps_find(&a, "a<x>")->hist->n == 2, "progress history carried across lists");

	const char *three = "[{\"name\":\"b\",\"state\":\"online\",\"restarts\":1},"
	    "{\"name\":\"a<x>\",\"state\":\"online\",\"restarts\":0,\"progress\":{\"done\":3,\"total\":9,\"rate\":0.5}},"
	    "{\"name\":\"c\",\"state\":\"stopped\",\"restarts\":0}]";
	d = update(&a, three, 9000);
	ok(strstr(d, "\"full\":true") && strstr(d, "\"name\":\"c\""), "an app came: a full snapshot");
	free(d);

	struct buf e = {0};
	apps_error(&a, "cannot reach the daemon", &e);
	ok(strstr(e.p, "cannot reach the daemon") && strstr(e.p, "\"full\":true"), "daemon gone: a snapshot with the error");
	buf_clear(&e);
	apps_error(&a, "cannot reach the daemon", &e);
	is_int((long long)e.len, 0, "the same error again: nothing");
	buf_free(&e);
	d = update(&a, three, 10000);
	ok(strstr(d, "\"error\":null") && strstr(d, "\"full\":true"), "daemon back: a snapshot without error");
	free(d);
	apps_free(&a);

	return done_testing();
}
