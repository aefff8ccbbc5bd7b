/* UTF-8 checks (utf8.h). */
#include "utf8.h"

int utf8_decode(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	int len;
	if (c < 0x80) {
		if (cp)
			*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80; /* not overlong */
		hi = c == 0xed ? 0x9f : 0xbf; /* not a surrogate */
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : 0x80; /* not overlong */
		hi = c == 0xf4 ? 0x8f : 0xbf; /* not past U+10FFFF */
		c &= 0x07;
	} else {
		return -1;
	}
	for (int i = 1; i < len; i++, lo = 0x80, hi = 0xbf) {
		if ((size_t)i >= n || p[i] < lo || p[i] > hi)
			return -i;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (cp)
		*cp = c;
	return len;
}

long utf8_invalid_at(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len; ) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		int k = utf8_decode(p + i, len - i, NULL);
		if (k < 0)
			return (long)i;
		i += (size_t)k;
	}
	return -1;
}
