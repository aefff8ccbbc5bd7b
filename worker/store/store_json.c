/* JSON output helpers of the job store: strings escaped for export lines,
 * and results kept as valid JSON whatever the engine hands over. */
#include "store_backend.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one. */
static int utf8_len(const unsigned char *p)
{
	unsigned c = p[0];
	int n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	unsigned cp = c & (0x3f >> (n - 1));
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

long store_utf8_invalid_at(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		/* utf8_len stops at a byte that is no continuation: a zero
		 * padded copy keeps it inside the buffer near its end. */
		unsigned char tail[4] = { 0 };
		size_t left = len - i;
		memcpy(tail, p + i, left < 4 ? left : 4);
		int n = utf8_len(tail);
		if (n == 0)
			return (long)i;
		i += (size_t)n;
	}
	return -1;
}

void store_json_write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	putc('"', out);
	while (*p) {
		unsigned c = *p;
		if (c == '"' || c == '\\') {
			putc('\\', out);
			putc((int)c, out);
			p++;
		} else if (c < 0x20) {
			switch (c) {
			case '\n': fputs("\\n", out); break;
			case '\r': fputs("\\r", out); break;
			case '\t': fputs("\\t", out); break;
			case '\b': fputs("\\b", out); break;
			case '\f': fputs("\\f", out); break;
			default: fprintf(out, "\\u%04x", c); break;
			}
			p++;
		} else if (c < 0x80) {
			putc((int)c, out);
			p++;
		} else {
			int n = utf8_len(p);
			if (n == 0) {
				/* A byte that is not UTF-8 would make the line
				 * unreadable to every JSON parser. */
				fputs("\\ufffd", out);
				p++;
			} else {
				fwrite(p, 1, (size_t)n, out);
				p += n;
			}
		}
	}
	putc('"', out);
}

const char *store_json_result(const char *result, char **owned)
{
	*owned = NULL;
	if (!result)
		return NULL;
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(result, &end, 1);
	if (j) {
		cJSON_Delete(j);
		return result;
	}
	/* Not JSON: keep the text, as a JSON string, so export stays valid. */
	return *owned = store_json_quote(result);
}

char *store_json_quote(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return xstrdup("null");
	store_json_write_string(m, s);
	if (fclose(m) != 0) {
		free(buf);
		return xstrdup("null");
	}
	return buf;
}
