/* Pieces of JSON's syntax. A number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
#include "jsonlex.h"

#include <string.h>

static int is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

int jsonlex_number(const char **pp, const char *end, struct jsonlex_num *n)
{
	const char *p = *pp;
	memset(n, 0, sizeof *n);
	n->whole = 1;
	if (p < end && *p == '-') {
		n->neg = 1;
		p++;
	}
	if (!is_digit(p, end))
		return -1;
	if (*p == '0') {
		p++;
		n->digits = 1;
	} else {
		for (; is_digit(p, end); p++, n->digits++) {
			int d = *p - '0';
			if (n->value > (0x7fffffffffffffffLL - d) / 10)
				n->overflow = 1;
			else if (!n->overflow)
				n->value = n->value * 10 + d;
		}
	}
	if (p < end && *p == '.') {
		n->whole = 0;
		if (!is_digit(++p, end))
			return -1;
		while (is_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		n->whole = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			return -1;
		while (is_digit(p, end))
			p++;
	}
	*pp = p;
	return 0;
}

int jsonlex_word(const char **p, const char *end, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(end - *p) < n || memcmp(*p, w, n) != 0)
		return -1;
	*p += n;
	return 0;
}

int jsonlex_hex4(const char *p, unsigned *v)
{
	unsigned x = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*v = x;
	return 0;
}
