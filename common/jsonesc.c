/* JSON string escaping (jsonesc.h). Runs of bytes that go out as they
 * are are copied whole: most of a log line or an app's path is one run. */
#include "jsonesc.h"
#include "utf8.h"

#include <string.h>

/* 1: the byte goes out as it is (ASCII but '"', '\\' and control bytes;
 * bytes of 0x80 and up are checked as UTF-8). DEL too, as JSON.stringify
 * writes it. */
static const unsigned char plain[256] = {
	[0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x22 '"' */
	[0x30] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x40] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x5c '\\' */
	[0x60] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x70] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

size_t json_escape(char *d, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	char *o = d;
	while (p < end) {
		const unsigned char *run = p;
		while (p < end && plain[*p])
			p++;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p == end)
			break;
		if (*p >= 0x80) {
			int k = utf8_decode(p, (size_t)(end - p), NULL);
			if (k > 0) {
				memcpy(o, p, (size_t)k);
				o += k;
				p += k;
			} else {
				memcpy(o, "\\ufffd", 6);
				o += 6;
				p += -k;
			}
			continue;
		}
		unsigned char c = *p++;
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	return (size_t)(o - d);
}

size_t json_plain_span(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (plain[*p])       /* plain[0] is 0: the NUL ends the run */
		p++;
	return (size_t)(p - (const unsigned char *)s);
}

size_t json_escape_unit(char *d, const char *s, size_t *used)
{
	size_t m = 1;
	if ((unsigned char)s[0] >= 0x80) {
		int k = utf8_decode((const unsigned char *)s, strnlen(s, 4), NULL);
		m = (size_t)(k > 0 ? k : -k);
	}
	*used = m;
	return json_escape(d, s, m);
}
