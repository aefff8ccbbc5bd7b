/* HTML and JSON escaping for the dashboard (see web_esc.h). */
#include "web_esc.h"

#include <string.h>

void esc_html(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_addc(b, s[i]);
		}
	}
}

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), or 0
 * for an invalid one: overlong forms, surrogates and values past U+10FFFF
 * are invalid too. */
static size_t utf8_len(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned c = p[0];
	size_t len;
	unsigned min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, min = 0x80, c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, min = 0x800, c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

void esc_json_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	buf_addc(b, '"');
	for (size_t i = 0; i < n; ) {
		unsigned cp;
		size_t l = utf8_len(p + i, n - i, &cp);
		if (l == 0 || cp == 0) {
			buf_puts(b, "\\ufffd");
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			buf_printf(b, "\\%c", (char)cp);
		else if (cp == '\n')
			buf_puts(b, "\\n");
		else if (cp == '\t')
			buf_puts(b, "\\t");
		else if (cp < 0x20 || cp == 0x7f || cp == '<' || cp == '>' || cp == '&'
		    || cp == 0x2028 || cp == 0x2029)
			buf_printf(b, "\\u%04x", cp);
		else
			buf_add(b, p + i, l);
		i += l;
	}
	buf_addc(b, '"');
}

void esc_json_safe(struct buf *b, const char *json)
{
	for (const char *p = json; *p; ) {
		size_t run = strcspn(p, "<>&");
		buf_add(b, p, run);
		p += run;
		if (*p)
			buf_printf(b, "\\u%04x", (unsigned char)*p++);
	}
}
