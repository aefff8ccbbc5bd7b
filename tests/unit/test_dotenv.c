/* The dotenv reader: every form of a line, as the dotenv package reads it. */
#include <string.h>

#include "dotenv.h"
#include "tap.h"

static const char *get(const struct dotenv *d, const char *k)
{
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->keys[i], k) == 0)
			return d->vals[i];
	return NULL;
}

int main(void)
{
	static const char text[] =
	    "# a comment\n"
	    "\n"
	    "PLAIN=value\n"
	    "  SPACED = padded value  \n"
	    "export EXPORTED=yes\n"
	    "COMMENTED=before # after\n"
	    "HASH=a#b\n"
	    "SINGLE='as # written\\n'\n"
	    "DOUBLE=\"line1\\nline2\" # trailing\n"
	    "MULTI=\"first\n"
	    "second\"\n"
	    "BACKTICK=`it's \"both\"`\n"
	    "EMPTY=\n"
	    "COLON: yaml-ish\n"
	    "not a pair\n"
	    "DOTTED.key-1=ok\n"
	    "PLAIN=again\n"
	    "ESCAPED=\"say \\\"hi\\\"\"\r\n"
	    "=novalue\n"
	    "LAST=no newline";
	struct dotenv d;
	dotenv_parse(text, sizeof text - 1, &d);
	plan_no_plan();
	is_str(get(&d, "PLAIN"), "again", "a key given twice keeps its last value");
	is_str(d.keys[0], "PLAIN", "in its first place");
	is_str(get(&d, "SPACED"), "padded value", "spaces around key, = and value are trimmed");
	is_str(get(&d, "EXPORTED"), "yes", "export before a key");
	is_str(get(&d, "COMMENTED"), "before", "# ends a bare value");
	is_str(get(&d, "HASH"), "a", "even without a space (as dotenv)");
	is_str(get(&d, "SINGLE"), "as # written\\n", "single quotes: as written");
	is_str(get(&d, "DOUBLE"), "line1\nline2", "double quotes: \\n is a newline, comment after");
	is_str(get(&d, "MULTI"), "first\nsecond", "a double-quoted value spans lines");
	is_str(get(&d, "BACKTICK"), "it's \"both\"", "backticks hold both quotes");
	is_str(get(&d, "EMPTY"), "", "an empty value");
	is_str(get(&d, "COLON"), "yaml-ish", "KEY: VALUE");
	is_str(get(&d, "DOTTED.key-1"), "ok", "keys may hold '.' and '-'");
	is_str(get(&d, "ESCAPED"), "say \"hi\"", "an escaped quote inside quotes; CRLF");
	is_str(get(&d, "LAST"), "no newline", "the last line without a newline");
	is_int(d.n, 14, "14 pairs");
	is_int(d.n_bad, 2, "2 bad lines");
	if (d.n_bad == 2) {
		is_int(d.bad_lines[0], 15, "'not a pair' is line 15 (a value spanned two lines)");
		is_int(d.bad_lines[1], 19, "'=novalue' is line 19");
	}
	dotenv_free(&d);

	dotenv_parse("", 0, &d);
	ok(d.n == 0 && d.n_bad == 0, "an empty file: nothing");
	dotenv_free(&d);
	dotenv_parse("A=\"unclosed\nB=2\n", 16, &d);
	is_str(get(&d, "A"), "\"unclosed", "an unclosed quote is a bare value");
	is_str(get(&d, "B"), "2", "and the next line is read");
	dotenv_free(&d);
	return done_testing();
}
