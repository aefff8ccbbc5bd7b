/* UTF-8 decoding: every kind of well-formed sequence with its code point,
 * and for each ill-formed one the length of its maximal subpart (what one
 * U+FFFD replaces, as WHATWG's decoder); where a text first goes wrong. */
#include <string.h>

#include "tap.h"
#include "utf8.h"

static void test_decode(void)
{
	static const struct {
		const char *in;
		size_t n;
		int want;
		unsigned cp;
	} t[] = {
		{ "a", 1, 1, 'a' },
		{ "\x7f", 1, 1, 0x7f },
		{ "\xc3\xa9", 2, 2, 0xe9 },
		{ "\xdf\xbf", 2, 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 3, 0x800 },
		{ "\xe2\x80\xa8", 3, 3, 0x2028 },
		{ "\xed\x9f\xbf", 3, 3, 0xd7ff },
		{ "\xef\xbf\xbd", 3, 3, 0xfffd },
		{ "\xf0\x90\x80\x80", 4, 4, 0x10000 },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		/* ill-formed */
		{ "\x80", 1, -1, 0 },              /* a continuation byte alone */
		{ "\xbf", 1, -1, 0 },
		{ "\xc0\xaf", 2, -1, 0 },          /* never a lead: overlong */
		{ "\xc1\xbf", 2, -1, 0 },
		{ "\xf5\x80", 2, -1, 0 },          /* past U+10FFFF */
		{ "\xff", 1, -1, 0 },
		{ "\xc3", 1, -1, 0 },              /* cut by the end */
		{ "\xc3" "a", 2, -1, 0 },          /* cut by a byte that is no continuation */
		{ "\xe2\x82", 2, -2, 0 },          /* maximal subpart of two */
		{ "\xe2\x82" "a", 3, -2, 0 },
		{ "\xe0\x9f\xbf", 3, -1, 0 },      /* overlong: E0 wants A0..BF next */
		{ "\xed\xa0\x80", 3, -1, 0 },      /* a surrogate: ED wants 80..9F next */
		{ "\xf0\x8f\xbf\xbf", 4, -1, 0 },  /* overlong */
		{ "\xf4\x90\x80\x80", 4, -1, 0 },  /* past U+10FFFF */
		{ "\xf0\x9f\x98", 3, -3, 0 },      /* maximal subpart of three */
		{ "\xf0\x9f\x98\x80", 3, -3, 0 },  /* n cuts it */
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		unsigned cp = 0;
		int got = utf8_decode((const unsigned char *)t[i].in, t[i].n, &cp);
		ok(got == t[i].want && (got < 0 || cp == t[i].cp), "case %zu: %d (want %d), U+%04X",
		    i, got, t[i].want, cp);
	}
	is_int(utf8_decode((const unsigned char *)"\xc3\xa9", 2, NULL), 2, "cp may be NULL");
}

static void test_invalid_at(void)
{
	is_int(utf8_invalid_at("ok \xc3\xa9", 5), -1, "valid UTF-8");
	is_int(utf8_invalid_at("", 0), -1, "nothing");
	is_int(utf8_invalid_at("ok \xc3", 4), 3, "a cut sequence at the end");
	is_int(utf8_invalid_at("a\xff", 2), 1, "a byte that is never UTF-8");
	is_int(utf8_invalid_at("\xed\xa0\x80", 3), 0, "a surrogate");
	is_int(utf8_invalid_at("\xc0\xaf", 2), 0, "an overlong form");
	is_int(utf8_invalid_at("\xf0\x9f\x98\x80!\x80", 6), 5, "after a four-byte sequence");
}

int main(void)
{
	test_decode();
	test_invalid_at();
	return done_testing();
}
