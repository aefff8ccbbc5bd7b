/* JSON string escaping: a table of inputs and what they become, and that
 * cJSON reads each back as the same bytes. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "jsonesc.h"
#include "tap.h"

int main(void)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} t[] = {
		{ "", 0, "" },
		{ "plain text", 10, "plain text" },
		{ "say \"hi\"", 8, "say \\\"hi\\\"" },
		{ "C:\\dir", 6, "C:\\\\dir" },
		{ "a\nb\rc\td", 7, "a\\nb\\rc\\td" },
		{ "\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f" },
		{ "nul\0byte", 8, "nul\\u0000byte" },
		{ "caf\xc3\xa9 \xe2\x9c\x93", 9, "caf\xc3\xa9 \xe2\x9c\x93" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char d[JSON_ESCAPED_MAX(16) + 3];
		d[0] = '"';
		size_t n = json_escape(d + 1, t[i].in, t[i].n);
		ok(n == strlen(t[i].out) && memcmp(d + 1, t[i].out, n) == 0, "case %zu: %.*s", i,
		    (int)n, d + 1);
		d[n + 1] = '"';
		d[n + 2] = '\0';
		cJSON *v = cJSON_Parse(d);
		/* cJSON stops a string at \u0000: compare what it keeps */
		size_t keep = strnlen(t[i].in, t[i].n);
		ok(cJSON_IsString(v) && strlen(v->valuestring) == keep &&
		    memcmp(v->valuestring, t[i].in, keep) == 0, "case %zu reads back", i);
		cJSON_Delete(v);
	}
	char worst[16], d[JSON_ESCAPED_MAX(16)];
	memset(worst, 1, sizeof worst);
	is_int((int)json_escape(d, worst, sizeof worst), JSON_ESCAPED_MAX(16),
	    "the bound is reached by control bytes only");
	return done_testing();
}
