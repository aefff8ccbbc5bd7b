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

size_t utf8_encode(unsigned cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}
