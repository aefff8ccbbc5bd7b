/* CSV and TSV records: a table of inputs and the records read from them
 * (with the line each begins on), or the fault and the line it is on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvin.h"
#include "tap.h"

/* Every record of in as "L:[a|b]" joined by spaces, then "ERR L: why"
 * when reading stops on a fault (malloc'd). */
static char *records(const char *in, size_t n, char sep)
{
	FILE *f = fmemopen((void *)in, n, "r");
	struct csvin c;
	struct buf out = { 0 };
	char *why = NULL;
	int r;
	csvin_init(&c, f, sep);
	while ((r = csvin_next(&c, &why)) == 1) {
		buf_printf(&out, "%s%lld:[", out.len ? " " : "", c.line);
		for (int i = 0; i < c.n; i++)
			buf_printf(&out, "%s%s", i ? "|" : "", csvin_field(&c, i));
		buf_puts(&out, "]");
	}
	if (r < 0) {
		buf_printf(&out, "%sERR %lld: %s", out.len ? " " : "", c.at, why);
		free(why);
	}
	csvin_free(&c);
	fclose(f);
	return buf_take(&out, NULL);
}

int main(void)
{
	static const struct {
		const char *in;
		char sep;
		const char *want;
	} t[] = {
		{ "", ',', "" },
		{ "a,b\n1,2\n", ',', "1:[a|b] 2:[1|2]" },
		{ "a,b\r\n1,2\r\n", ',', "1:[a|b] 2:[1|2]" },
		{ "a,b\n1,2", ',', "1:[a|b] 2:[1|2]" },
		{ "\xef\xbb\xbf" "id\n7\n", ',', "1:[id] 2:[7]" },
		{ "\xef\xbb" "x\n", ',', "1:[\xef\xbbx]" },
		{ "a\n\n\r\nb\n", ',', "1:[a] 4:[b]" },
		{ ",,\n", ',', "1:[||]" },
		{ "\"\"\n", ',', "1:[]" },
		{ "\"x, \"\"y\"\"\nz\",w\nnext,1\n", ',', "1:[x, \"y\"\nz|w] 3:[next|1]" },
		{ "\"a\r\nb\"\r\n", ',', "1:[a\r\nb]" },
		{ "a\"b,c\n", ',', "1:[a\"b|c]" },
		{ " \"q\" ,x\n", ',', "1:[ \"q\" |x]" },
		{ "a\rb,c\n", ',', "1:[a\rb|c]" },
		{ "a\tb,c\n1\t2,3\n", '\t', "1:[a|b,c] 2:[1|2,3]" },
		{ "\"ab\"", ',', "1:[ab]" },
		/* faults */
		{ "id,name\n1,\"open\n2,x\n", ',', "1:[id|name] ERR 4: a quoted field is not closed "
		  "(its quote opened on line 2)" },
		{ "a,\"b\"c\n", ',', "ERR 1: text after the closing quote of a field (a quote inside "
		  "a quoted field is written \"\")" },
		{ "a,\"b\"\rc\n", ',', "ERR 1: text after the closing quote of a field" },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		char *got = records(t[i].in, strlen(t[i].in), t[i].sep);
		is_str(got, t[i].want, "case %zu", i);
		free(got);
	}
	static const char nul[] = "a,b\nc\0d\n";
	char *got = records(nul, sizeof nul - 1, ',');
	is_str(got, "1:[a|b] ERR 2: holds a NUL byte", "a NUL byte");
	free(got);
	return done_testing();
}
