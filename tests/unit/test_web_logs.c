/* Following a log file for the page: the last lines first (starting at a
 * whole line), then appended lines, across rotation (rename and a new
 * file) and flush (truncation), with any bytes escaped. */
#include "web_logs.h"
#include "tap.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put(const char *path, const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The lines out holds (JSON strings with commas), as one "|"-joined text. */
static char *joined(struct buf *out)
{
	struct buf b = {0};
	buf_addc(&b, '[');
	buf_add(&b, out->p, out->len);
	buf_addc(&b, ']');
	cJSON *a = cJSON_Parse(b.p);
	buf_clear(&b);
	const cJSON *v;
	int first = 1;
	cJSON_ArrayForEach(v, a) {
		buf_printf(&b, "%s%s", first ? "" : "|", cJSON_GetStringValue(v) ? v->valuestring : "?");
		first = 0;
	}
	cJSON_Delete(a);
	buf_clear(out);
	if (!b.p)
		buf_puts(&b, "");
	return buf_take(&b, NULL);
}

int main(void)
{
	char dir[] = "/tmp/psup-test-logs.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[256], old[256];
	snprintf(path, sizeof path, "%s/app.log", dir);
	snprintf(old, sizeof old, "%s/app.log.1", dir);
	struct logtail t;
	struct buf out = {0};
	char *s;

	is_int(logtail_open(&t, path, 1024, &out), 0, "a missing file: no lines, no error");
	put(path, "w", "one\ntwo\n");
	is_int(logtail_poll(&t, 1 << 20, &out), 2, "the file appears: its lines");
	s = joined(&out);
	is_str(s, "one|two", "in order");
	free(s);
	put(path, "a", "three\nfour <b>&\xff\npart");
	is_int(logtail_poll(&t, 1 << 20, &out), 2, "appended whole lines");
	s = joined(&out);
	is_str(s, "three|four <b>&\xef\xbf\xbd", "markup kept as text, a bad byte replaced");
	free(s);
	put(path, "a", "ial\n");
	logtail_poll(&t, 1 << 20, &out);
	s = joined(&out);
	is_str(s, "partial", "a line written in two parts comes whole");
	free(s);

	/* rotation: the rest of the old file, then the new one */
	put(path, "a", "last of old\n");
	rename(path, old);
	put(path, "w", "first of new\n");
	logtail_poll(&t, 1 << 20, &out);
	s = joined(&out);
	is_str(s, "last of old|first of new", "rotation: nothing lost, in order");
	free(s);

	/* flush: truncated, read again from the start */
	put(path, "w", "");
	logtail_poll(&t, 1 << 20, &out);
	put(path, "a", "after flush\n");
	logtail_poll(&t, 1 << 20, &out);
	s = joined(&out);
	is_str(s, "after flush", "flush: lines written after it");
	free(s);
	logtail_close(&t);

	/* a big file: only the tail, from a line's start */
	FILE *f = fopen(path, "w");
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %04d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", i);
	fclose(f);
	int n = logtail_open(&t, path, 4096, &out);
	s = joined(&out);
	ok(n > 50 && n < 90, "the tail only (%d lines)", n);
	ok(strncmp(s, "line 09", 7) == 0, "starting at a whole line");
	ok(strlen(s) >= 12 && strcmp(s + strlen(s) - 12, "xxxxxxxxxxxx") == 0
	    && strstr(s, "line 0999") != NULL, "ending with the last line");
	free(s);
	logtail_close(&t);

	unlink(path);
	unlink(old);
	rmdir(dir);
	buf_free(&out);
	return done_testing();
}
