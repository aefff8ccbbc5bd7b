/* The job store's JSON helpers: strings escaped for export lines (every one readable by a JSON parser, bytes
 * that are not UTF-8 replaced), and results kept as they are when JSON,
 * quoted as a string when not. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "store_backend.h"
#include "tap.h"

static void test_quote(void)
{
	static const struct {
		const char *in, *want;
		const char *back;        /* what a JSON parser reads: in, unless NULL here */
		int replaced;            /* the input is not UTF-8: back differs */
	} rows[] = {
		{ "plain", "\"plain\"", NULL, 0 },
		{ "", "\"\"", NULL, 0 },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"", NULL, 0 },
		{ "\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"", NULL, 0 },
		{ "\x01x\x1f", "\"\\u0001x\\u001f\"", NULL, 0 },
		{ "\x7f", "\"\x7f\"", NULL, 0 },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", NULL, 0 },
		{ "a\xff" "b", "\"a\\ufffdb\"", "a\xef\xbf\xbd" "b", 1 },
		{ "x\xc3", "\"x\\ufffd\"", "x\xef\xbf\xbd", 1 },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 1 },
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"", "\xef\xbf\xbd\xef\xbf\xbd", 1 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *q = store_json_quote(rows[i].in);
		is_str(q, rows[i].want, "quote %zu", i);
		cJSON *j = cJSON_Parse(q);
		const char *want_back = rows[i].replaced ? rows[i].back : rows[i].in;
		ok(cJSON_IsString(j) && strcmp(j->valuestring, want_back) == 0,
		    "quote %zu reads back as %s", i, rows[i].replaced ? "U+FFFD in place of each bad byte" : "the input");
		cJSON_Delete(j);
		free(q);
	}
	/* bytes with a length: NULs are text too */
	char *q = store_json_quote_bytes("a\0\"\xc3\xa9\xc3", 6);
	is_str(q, "\"a\\u0000\\\"\xc3\xa9\\ufffd\"", "quote_bytes: NUL, quote, UTF-8, a cut sequence at the end");
	free(q);
}

static void test_result(void)
{
	static const struct {
		const char *in;
		const char *quoted;      /* NULL: kept as it is */
	} rows[] = {
		{ "{\"a\":1}", NULL },
		{ "42", NULL },
		{ "\"s\"", NULL },
		{ " [1, 2] ", NULL },
		{ "null", NULL },
		{ "hello", "\"hello\"" },
		{ "{} x", "\"{} x\"" },
		{ "{\"a\":", "\"{\\\"a\\\":\"" },
		{ "", "\"\"" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *owned = (char *)"unset";
		const char *got = store_json_result(rows[i].in, &owned);
		if (!rows[i].quoted) {
			ok(got == rows[i].in && owned == NULL, "result '%s' is JSON: kept as it is", rows[i].in);
		} else {
			ok(got != NULL && got == owned, "result '%s' is not JSON: a new string, owned", rows[i].in);
			is_str(got, rows[i].quoted, "result '%s' quoted", rows[i].in);
		}
		free(owned);
	}
	char *owned = (char *)"unset";
	ok(store_json_result(NULL, &owned) == NULL && owned == NULL, "no result: NULL, nothing owned");
}

int main(void)
{
	test_quote();
	test_result();
	return done_testing();
}
