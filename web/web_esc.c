/* HTML and JSON escaping for the dashboard (see web_esc.h). */
#include "web_esc.h"
#include "utf8.h"

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

void esc_json_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	buf_addc(b, '"');
	for (size_t i = 0; i < n; ) {
		unsigned cp;
		int k = utf8_decode(p + i, n - i, &cp);
		if (k < 0 || cp == 0) {
			buf_puts(b, "\\ufffd");
			i += k < 0 ? (size_t)-k : 1;
			continue;
		}
		size_t l = (size_t)k;
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
