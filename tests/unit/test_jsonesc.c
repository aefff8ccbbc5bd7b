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
		const char *back; /* what a reader gets, when it is not in */
	} t[] = {
		{ "", 0, "", NULL },
		{ "plain text", 10, "plain text", NULL },
		{ "say \"hi\"", 8, "say \\\"hi\\\"", NULL },
		{ "C:\\dir", 6, "C:\\\\dir", NULL },
		{ "a\nb\rc\td", 7, "a\\nb\\rc\\td", NULL },
		{ "\x01\x1f\x7f", 3, "\\u0001\\u001f\x7f", NULL },
		{ "\b\f", 2, "\\b\\f", NULL },
		{ "nul\0byte", 8, "nul\\u0000byte", NULL },
		{ "caf\xc3\xa9 \xe2\x9c\x93", 9, "caf\xc3\xa9 \xe2\x9c\x93", NULL },
		{ "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80", NULL },
		/* ill-formed: one U+FFFD per maximal subpart, as WHATWG's decoder */
		{ "a\xff" "b", 3, "a\\ufffdb", "a\xef\xbf\xbd" "b" },
		{ "\x80", 1, "\\ufffd", "\xef\xbf\xbd" },
		{ "\xc3", 1, "\\ufffd", "\xef\xbf\xbd" },
		{ "\xe2\x82x", 3, "\\ufffdx", "\xef\xbf\xbdx" },
		{ "\xf0\x9f\x98", 3, "\\ufffd", "\xef\xbf\xbd" },
		{ "\xc0\xaf", 2, "\\ufffd\\ufffd", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xe0\x80\xaf", 3, "\\ufffd\\ufffd\\ufffd", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd",
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xc3\xa9\xc3", 3, "\xc3\xa9\\ufffd", "\xc3\xa9\xef\xbf\xbd" },
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
		const char *back = t[i].back ? t[i].back : t[i].in;
		size_t keep = t[i].back ? strlen(back) : strnlen(t[i].in, t[i].n);
		ok(cJSON_IsString(v) && strlen(v->valuestring) == keep &&
		    memcmp(v->valuestring, back, keep) == 0, "case %zu reads back", i);
		cJSON_Delete(v);
	}
	/* A NUL-terminated string a run and a unit at a time (the daemon's
	 * writer) comes out as json_escape writes it whole: each case up to
	 * its first NUL, an ill-formed part just before the NUL included. */
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char want[JSON_ESCAPED_MAX(16)], got[JSON_ESCAPED_MAX(16)];
		size_t len = strnlen(t[i].in, t[i].n);
		size_t wn = json_escape(want, t[i].in, len), gn = 0;
		char *z = strndup(t[i].in, len);
		for (const char *p = z;;) {
			size_t run = json_plain_span(p), used;
			memcpy(got + gn, p, run);
			gn += run;
			p += run;
			if (!*p)
				break;
			gn += json_escape_unit(got + gn, p, &used);
			p += used;
		}
		free(z);
		ok(gn == wn && memcmp(got, want, wn) == 0, "case %zu a run and a unit at a time", i);
	}
	is_int((int)json_plain_span("abc\"d"), 3, "a run stops at a byte to escape");
	is_int((int)json_plain_span("ab\xc3\xa9"), 2, "and at one of 0x80 and up");
	is_int((int)json_plain_span("ab"), 2, "and at the NUL");
	size_t used = 0;
	char u[JSON_ESCAPED_MAX(4)];
	size_t un = json_escape_unit(u, "\xe2\x9c\x93\xe2\x9c\x93", &used);
	ok(used == 3 && un == 3 && memcmp(u, "\xe2\x9c\x93", 3) == 0,
	    "a unit is one sequence, not the next one's bytes");
	un = json_escape_unit(u, "\xe2\x9c", &used);
	ok(used == 2 && un == 6 && memcmp(u, "\\ufffd", 6) == 0, "a sequence the NUL cuts is one U+FFFD");

	char worst[16], d[JSON_ESCAPED_MAX(16)];
	memset(worst, 1, sizeof worst);
	is_int((int)json_escape(d, worst, sizeof worst), JSON_ESCAPED_MAX(16),
	    "the bound is reached by control bytes only");
	return done_testing();
}
