/* HTML and JSON escaping of what the dashboard shows: markup in names and
 * log lines stays text, any bytes become valid UTF-8 JSON, and JSON stays
 * inert inside a <script> element. */
#include "web_esc.h"
#include "tap.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static char *html(const char *s)
{
	struct buf b = {0};
	esc_html(&b, s, strlen(s));
	return buf_take(&b, NULL);
}

static char *jstr(const char *s, size_t n)
{
	struct buf b = {0};
	esc_json_str(&b, s, n);
	return buf_take(&b, NULL);
}

/* The JSON string parses back to want. */
static int round_trips(const char *json, const char *want)
{
	cJSON *v = cJSON_Parse(json);
	int same = cJSON_IsString(v) && strcmp(v->valuestring, want) == 0;
	cJSON_Delete(v);
	return same;
}

int main(void)
{
	static const struct { const char *in, *want; } h[] = {
		{ "chunk-1", "chunk-1" },
		{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "a & b", "a &amp; b" },
		{ "\"x\" 'y'", "&quot;x&quot; &#39;y&#39;" },
		{ "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;" },
		{ "&amp;", "&amp;amp;" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
		char *got = html(h[i].in);
		is_str(got, h[i].want, "html: %s", h[i].in);
		free(got);
	}

	static const struct { const char *in, *want, *back; } j[] = {
		{ "plain", "\"plain\"", "plain" },
		{ "</script><script>x()</script>", "\"\\u003c/script\\u003e\\u003cscript\\u003ex()\\u003c/script\\u003e\"",
		  "</script><script>x()</script>" },
		{ "q\"b\\s", "\"q\\\"b\\\\s\"", "q\"b\\s" },
		{ "tab\there\n", "\"tab\\there\\n\"", "tab\there\n" },
		{ "esc\033[31mred", "\"esc\\u001b[31mred\"", "esc\033[31mred" },
		{ "a&b", "\"a\\u0026b\"", "a&b" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "line\xe2\x80\xa8sep", "\"line\\u2028sep\"", "line\xe2\x80\xa8sep" },
	};
	for (size_t i = 0; i < sizeof j / sizeof j[0]; i++) {
		char *got = jstr(j[i].in, strlen(j[i].in));
		is_str(got, j[i].want, "json string: escaped %zu", i);
		ok(round_trips(got, j[i].back), "json string: %zu parses back to the same text", i);
		free(got);
	}

	/* Bytes that are no UTF-8: each becomes U+FFFD, the rest is kept. */
	static const struct { const char *in; size_t n; const char *want; } bad[] = {
		{ "a\xff" "b", 3, "\"a\\ufffdb\"" },
		{ "\xc3", 1, "\"\\ufffd\"" },                        /* cut sequence */
		{ "\xc0\xaf", 2, "\"\\ufffd\\ufffd\"" },             /* overlong '/' */
		{ "\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"" },  /* a surrogate */
		{ "\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* past U+10FFFF */
		{ "n\0ul", 4, "\"n\\ufffdul\"" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *got = jstr(bad[i].in, bad[i].n);
		is_str(got, bad[i].want, "json string: invalid UTF-8 %zu replaced", i);
		cJSON *v = cJSON_Parse(got);
		ok(cJSON_IsString(v), "json string: invalid UTF-8 %zu still parses", i);
		cJSON_Delete(v);
		free(got);
	}

	/* esc_json_safe keeps the value and removes every '<'. */
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", "</script><b>&");
	cJSON_AddNumberToObject(o, "n", 3);
	char *raw = cJSON_PrintUnformatted(o);
	struct buf b = {0};
	esc_json_safe(&b, raw);
	ok(!strchr(b.p, '<') && !strchr(b.p, '>') && !strchr(b.p, '&'), "json safe: no < > & left");
	cJSON *back = cJSON_Parse(b.p);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(back, "name")), "</script><b>&", "json safe: same value");
	cJSON_Delete(back);
	cJSON_Delete(o);
	free(raw);
	buf_free(&b);
	return done_testing();
}
