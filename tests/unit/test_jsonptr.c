/* RFC 6901 pointers: the examples of section 5, escapes, indexes, misses. */
#include <stdlib.h>
#include <string.h>

#include "jsonptr.h"
#include "tap.h"

static const char doc_text[] =
	"{\"foo\":[\"bar\",\"baz\"],\"\":0,\"a/b\":1,\"c%d\":2,\"e^f\":3,\"g|h\":4,"
	"\"i\\\\j\":5,\"k\\\"l\":6,\" \":7,\"m~n\":8,"
	"\"choices\":[{\"message\":{\"content\":\"hi\"}}],\"n\":null}";

static const struct { const char *ptr; const char *want; } found[] = {
	{ "", NULL },                 /* the whole document */
	{ "/foo", "[\"bar\",\"baz\"]" },
	{ "/foo/0", "\"bar\"" },
	{ "/foo/1", "\"baz\"" },
	{ "/", "0" },
	{ "/a~1b", "1" },
	{ "/c%d", "2" },
	{ "/e^f", "3" },
	{ "/g|h", "4" },
	{ "/i\\j", "5" },
	{ "/k\"l", "6" },
	{ "/ ", "7" },
	{ "/m~0n", "8" },
	{ "/choices/0/message/content", "\"hi\"" },
	{ "/n", "null" },
};

static const char *const missing[] = {
	"/nope", "/foo/2", "/foo/-", "/foo/01", "/foo/x", "/choices/0/message/content/x",
	"/a/b", "/FOO", "/foo/-1", "/foo/99999999999",
};

static const char *const malformed[] = { "foo", "/~", "/a~2", "~0", "/m~n" };

int main(void)
{
	cJSON *doc = cJSON_Parse(doc_text);
	ok(doc != NULL, "test document parses");
	for (size_t i = 0; i < sizeof found / sizeof found[0]; i++) {
		char *cause = NULL;
		const cJSON *v = jsonptr_get(doc, found[i].ptr, &cause);
		if (!found[i].want) {
			ok(v == doc, "\"%s\" is the document", found[i].ptr);
			continue;
		}
		char *txt = v ? cJSON_PrintUnformatted(v) : NULL;
		is_str(txt, found[i].want, "\"%s\"", found[i].ptr);
		if (!v)
			diag("cause: %s", cause);
		cJSON_free(txt);
		free(cause);
	}
	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		char *cause = NULL;
		const cJSON *v = jsonptr_get(doc, missing[i], &cause);
		ok(v == NULL && cause && strstr(cause, "not found"), "\"%s\" is missing: %s",
		    missing[i], cause ? cause : "(no cause)");
		free(cause);
	}
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		char *cause = NULL;
		ok(jsonptr_check(malformed[i], &cause) == -1 && cause, "\"%s\" is malformed: %s",
		    malformed[i], cause ? cause : "(no cause)");
		free(cause);
	}
	char *cause = NULL;
	const cJSON *v = jsonptr_get(doc, "/choices/0/message/content/x", &cause);
	ok(v == NULL && strstr(cause, "/choices/0/message/content/x") != NULL,
	    "the cause names the step that failed: %s", cause);
	free(cause);
	cJSON_Delete(doc);

	/* The same values found in the text: here it is compact, so each
	 * span is what cJSON prints. */
	size_t a, b;
	for (size_t i = 0; i < sizeof found / sizeof found[0]; i++) {
		const char *want = found[i].want ? found[i].want : doc_text;
		int rc = jsonptr_span(doc_text, sizeof doc_text - 1, found[i].ptr, &a, &b);
		ok(rc == 0 && b - a == strlen(want) && memcmp(doc_text + a, want, b - a) == 0,
		    "span of \"%s\": %.*s", found[i].ptr, rc == 0 ? (int)(b - a) : 0, doc_text + a);
	}
	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++)
		ok(jsonptr_span(doc_text, sizeof doc_text - 1, missing[i], &a, &b) == -1,
		    "no span for \"%s\"", missing[i]);
	/* Whitespace, brackets and quotes inside strings, a repeated key (the
	 * first counts, as in cJSON), a number past a double, a BOM. */
	static const char spaced[] = "\xef\xbb\xbf {\n \"a\" : [ 1 , \"x]}\\\"\" , {\"b\": [2, 3]} ],"
	    " \"a\": 9, \"big\": 12345678901234567890 }\n";
	static const struct { const char *ptr, *want; } spans[] = {
		{ "/a", "[ 1 , \"x]}\\\"\" , {\"b\": [2, 3]} ]" },
		{ "/a/0", "1" },
		{ "/a/1", "\"x]}\\\"\"" },
		{ "/a/2/b/1", "3" },
		{ "/big", "12345678901234567890" },
	};
	for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
		int rc = jsonptr_span(spaced, sizeof spaced - 1, spans[i].ptr, &a, &b);
		ok(rc == 0 && b - a == strlen(spans[i].want) && memcmp(spaced + a, spans[i].want, b - a) == 0,
		    "span of \"%s\" in spaced text: %.*s", spans[i].ptr, rc == 0 ? (int)(b - a) : 0, spaced + a);
	}
	ok(jsonptr_span(spaced, sizeof spaced - 1, "/a/3", &a, &b) == -1, "no span past an array's end");
	return done_testing();
}
