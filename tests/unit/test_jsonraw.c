/* JSON read in place: values found by pointer in the text they came in,
 * byte for byte (whitespace, brackets and quotes inside strings, a repeated
 * key, a number past a double, an escaped NUL, a byte order mark), and
 * compacted to one line; a string's bytes with its escapes undone. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonraw.h"
#include "tap.h"

/* Whitespace, brackets and quotes inside strings, a repeated key (the first
 * counts, as in cJSON), a number past a double, an escaped NUL, a BOM. */
static const char spaced[] = "\xef\xbb\xbf {\n \"a\" : [ 1 , \"x]}\\\"\" , {\"b\": [2, 3]} ],"
    " \"a\": 9, \"big\": 12345678901234567890, \"nul\": \"a\\u0000b\", \"a~b/c\": true }\n";

static const struct { const char *ptr, *want, *compact; } found[] = {
	{ "/a", "[ 1 , \"x]}\\\"\" , {\"b\": [2, 3]} ]", "[1,\"x]}\\\"\",{\"b\":[2,3]}]" },
	{ "/a/0", "1", "1" },
	{ "/a/1", "\"x]}\\\"\"", "\"x]}\\\"\"" },
	{ "/a/2/b/1", "3", "3" },
	{ "/big", "12345678901234567890", "12345678901234567890" },
	{ "/nul", "\"a\\u0000b\"", "\"a\\u0000b\"" },
	{ "/a~0b~1c", "true", "true" },
};

static const char *const missing[] = { "/nope", "/a/3", "/a/-", "/a/01", "/a/x", "/big/0" };

int main(void)
{
	struct jsonraw doc, v;
	ok(jsonraw_value(spaced, sizeof spaced - 1, &doc) == 0 && doc.p[0] == '{',
	    "the document is found past its BOM and whitespace");
	for (size_t i = 0; i < sizeof found / sizeof found[0]; i++) {
		char *why = NULL;
		int rc = jsonraw_pointer(doc, found[i].ptr, &v, &why);
		ok(rc == 1 && v.n == strlen(found[i].want) && memcmp(v.p, found[i].want, v.n) == 0,
		    "\"%s\": %.*s", found[i].ptr, rc == 1 ? (int)v.n : 0, rc == 1 ? v.p : "");
		free(why);
		if (rc == 1) {
			size_t n = 0;
			char *c = jsonraw_compact(v, &n);
			is_str(c, found[i].compact, "\"%s\" compacted", found[i].ptr);
			free(c);
		}
	}
	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		char *why = NULL;
		ok(jsonraw_pointer(doc, missing[i], &v, &why) == 0 && why != NULL,
		    "\"%s\" is not there: %s", missing[i], why ? why : "(no reason)");
		free(why);
	}

	/* a raw control byte in a string (cJSON lets it through) comes out
	 * escaped, so the compact text is strict JSON */
	static const char raw[] = "{ \"t\": \"a\tb\x01\" }";
	ok(jsonraw_value(raw, sizeof raw - 1, &doc) == 0, "a string with raw control bytes");
	char *c = jsonraw_compact(doc, NULL);
	is_str(c, "{\"t\":\"a\\u0009b\\u0001\"}", "its control bytes are escaped");
	free(c);

	/* a string's bytes, escapes undone; what is not a string is refused
	 * and leaves the buffer as it was */
	static const struct { const char *json; int rc; const char *bytes; size_t n; } strs[] = {
		{ "\"plain\"", 0, "plain", 5 },
		{ "\"\"", 0, "", 0 },
		{ "\"a\\\"b\\\\c\\/\\n\"", 0, "a\"b\\c/\n", 7 },
		{ "\"\\u00e9\\ud83d\\ude00\"", 0, "\xc3\xa9\xf0\x9f\x98\x80", 6 },
		{ "\"x\\u0000y\"", 0, "x\0y", 3 },
		{ "12", -1, NULL, 0 },
		{ "[\"a\"]", -1, NULL, 0 },
		{ "\"bad \\q\"", -1, NULL, 0 },
		{ "\"cut \\u00\"", -1, NULL, 0 },
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		struct buf b = { 0 };
		buf_add(&b, "<", 1);
		struct jsonraw s = { strs[i].json, strlen(strs[i].json) };
		int rc = jsonraw_string(s, &b);
		if (strs[i].rc == 0)
			ok(rc == 0 && b.len == 1 + strs[i].n && memcmp(b.p + 1, strs[i].bytes, strs[i].n) == 0,
			    "string %s: its bytes", strs[i].json);
		else
			ok(rc == -1 && b.len == 1 && b.p[1] == '\0', "%s: not a string, the buffer kept",
			    strs[i].json);
		buf_free(&b);
	}

	/* absent or unfinished text is refused, never read past its length
	 * (the grammar inside is cJSON's to check, where the text came in) */
	static const char *const bad[] = { "", "   ", "{\"a\":", "[1,2", "\"open" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(jsonraw_value(bad[i], strlen(bad[i]), &doc) == -1, "\"%s\" is refused", bad[i]);
	return done_testing();
}
