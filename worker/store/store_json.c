/* JSON output helpers of the job store: strings escaped for export lines,
 * and results kept as valid JSON whatever the engine hands over. */
#include "store_backend.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <math.h>
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

/* Writes the len bytes at p as a JSON string. */
static void write_bytes(FILE *out, const unsigned char *p, size_t len)
{
	size_t i = 0;
	putc('"', out);
	while (i < len) {
		unsigned c = p[i];
		if (c == '"' || c == '\\') {
			putc('\\', out);
			putc((int)c, out);
			i++;
		} else if (c < 0x20) {
			switch (c) {
			case '\n': fputs("\\n", out); break;
			case '\r': fputs("\\r", out); break;
			case '\t': fputs("\\t", out); break;
			case '\b': fputs("\\b", out); break;
			case '\f': fputs("\\f", out); break;
			default: fprintf(out, "\\u%04x", c); break;
			}
			i++;
		} else if (c < 0x80) {
			putc((int)c, out);
			i++;
		} else {
			/* Zero padded, as in store_utf8_invalid_at, so a sequence
			 * cut by the end is never read past it. */
			unsigned char tail[4] = { 0 };
			size_t left = len - i;
			memcpy(tail, p + i, left < 4 ? left : 4);
			int n = utf8_len(tail);
			if (n == 0) {
				/* A byte that is not UTF-8 would make the line
				 * unreadable to every JSON parser. */
				fputs("\\ufffd", out);
				i++;
			} else {
				fwrite(p + i, 1, (size_t)n, out);
				i += (size_t)n;
			}
		}
	}
	putc('"', out);
}

void store_json_write_string(FILE *out, const char *s)
{
	write_bytes(out, (const unsigned char *)s, strlen(s));
}

/* A copy of the len bytes at s (invalid UTF-8 first at bad) with every byte
 * that is not UTF-8 replaced by U+FFFD. JSON's structure is ASCII, so in a
 * JSON text they are inside strings, and the text stays the same JSON. */
static char *utf8_scrub(const char *s, size_t len, size_t bad)
{
	char *out = xmalloc(bad + (len - bad) * 3 + 1);
	memcpy(out, s, bad);
	size_t o = bad, i = bad;
	while (i < len) {
		unsigned char tail[4] = { 0 };
		size_t left = len - i;
		memcpy(tail, s + i, left < 4 ? left : 4);
		int n = utf8_len(tail);
		if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, s + i, (size_t)n);
			o += (size_t)n;
			i += (size_t)n;
		}
	}
	out[o] = '\0';
	return out;
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
		size_t len = strlen(result);
		long bad = store_utf8_invalid_at(result, len);
		return bad < 0 ? result : (*owned = utf8_scrub(result, len, (size_t)bad));
	}
	/* Not JSON: keep the text, as a JSON string, so export stays valid. */
	return *owned = store_json_quote(result);
}

char *store_json_quote(const char *s)
{
	return store_json_quote_bytes(s, strlen(s));
}

char *store_json_quote_bytes(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	if (!m)
		return xstrdup("null");
	write_bytes(m, (const unsigned char *)s, len);
	if (fclose(m) != 0) {
		free(buf);
		return xstrdup("null");
	}
	return buf;
}

int store_json_integer(const cJSON *v, long long *out)
{
	if (!cJSON_IsNumber(v))
		return 0;
	double d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
		return 0;
	*out = (long long)d;
	return 1;
}
