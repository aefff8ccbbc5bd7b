/* The streaming JSON writer (see jsonw.h). */
#include "jsonw.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jw_init(struct jw *w)
{
	memset(w, 0, sizeof *w);
	buf_reserve(&w->b, 4096);
	w->first[0] = 1;
}

void jw_free(struct jw *w)
{
	buf_free(&w->b);
	memset(w, 0, sizeof *w);
}

char *jw_finish(struct jw *w, size_t *len)
{
	return buf_take(&w->b, len);
}

static void put(struct jw *w, const char *s, size_t n)
{
	buf_add(&w->b, s, n);
}

static void put_escaped(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s);
	/* room for the worst case (every byte \u00XX), so the loop only
	 * stores: this runs for every string of a `list` */
	buf_reserve(&w->b, n * 6 + 2);
	char *o = w->b.p + w->b.len;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u'; *o++ = '0'; *o++ = '0';
			*o++ = hex[c >> 4]; *o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	w->b.len = (size_t)(o - w->b.p);
	w->b.p[w->b.len] = '\0';
}

/* The comma and key before a value. */
static void lead(struct jw *w, const char *key)
{
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = 0;
	if (key) {
		put_escaped(w, key);
		put(w, ":", 1);
	}
}

static void open_c(struct jw *w, const char *key, const char *c)
{
	lead(w, key);
	put(w, c, 1);
	if (w->depth < JW_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = 1;
}

void jw_obj(struct jw *w, const char *key) { open_c(w, key, "{"); }
void jw_arr(struct jw *w, const char *key) { open_c(w, key, "["); }

void jw_end_obj(struct jw *w)
{
	put(w, "}", 1);
	if (w->depth > 0)
		w->depth--;
}

void jw_end_arr(struct jw *w)
{
	put(w, "]", 1);
	if (w->depth > 0)
		w->depth--;
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	lead(w, key);
	if (s)
		put_escaped(w, s);
	else
		put(w, "null", 4);
}

void jw_int(struct jw *w, const char *key, long long v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%lld", v);
	lead(w, key);
	put(w, b, (size_t)n);
}

void jw_dbl(struct jw *w, const char *key, double v)
{
	if (!isfinite(v)) {
		jw_null(w, key);
		return;
	}
	/* tenths as an integer: no float formatting on the hot path */
	long long t = llround(v * 10);
	char b[32];
	int n = t % 10 == 0 ? snprintf(b, sizeof b, "%lld", t / 10)
	    : snprintf(b, sizeof b, "%s%lld.%lld", t < 0 && t > -10 ? "-" : "", t / 10,
	    llabs(t % 10));
	lead(w, key);
	put(w, b, (size_t)n);
}

void jw_bool(struct jw *w, const char *key, int v)
{
	lead(w, key);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *w, const char *key)
{
	lead(w, key);
	put(w, "null", 4);
}

void jw_raw(struct jw *w, const char *key, const char *json, size_t n)
{
	lead(w, key);
	put(w, json, n);
}
