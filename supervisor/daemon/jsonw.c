/* The streaming JSON writer (see jsonw.h). */
#include "jsonw.h"
#include "jsonesc.h"
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

/* Room for n more bytes (and the NUL): a compare on the hot path. */
static char *room(struct jw *w, size_t n)
{
	if (w->b.cap - w->b.len <= n)
		buf_reserve(&w->b, n);
	return w->b.p + w->b.len;
}

static void put(struct jw *w, const char *s, size_t n)
{
	memcpy(room(w, n), s, n);
	w->b.len += n;
	w->b.p[w->b.len] = '\0';
}

/* Strings go out in one pass (no strlen first): runs that need no
 * escaping copied whole, the rest a unit at a time. This runs for every
 * key and string of a `list`. */
static void put_escaped(struct jw *w, const char *s)
{
	size_t n = json_plain_span(s);
	if (!s[n]) {            /* most keys and values: quotes around as is */
		char *o = room(w, n + 2);
		o[0] = '"';
		memcpy(o + 1, s, n);
		o[n + 1] = '"';
		o[n + 2] = '\0';
		w->b.len += n + 2;
		return;
	}
	put(w, "\"", 1);
	for (;;) {              /* n: the run at s, already measured */
		size_t used;
		put(w, s, n);
		s += n;
		if (!*s)
			break;
		w->b.len += json_escape_unit(room(w, JSON_ESCAPED_MAX(4)), s, &used);
		s += used;
		n = json_plain_span(s);
	}
	put(w, "\"", 1);
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
	lead(w, key);
	buf_add_ll(&w->b, v);
}

void jw_dbl(struct jw *w, const char *key, double v)
{
	if (!isfinite(v) || fabs(v) > 1e17) {
		if (isfinite(v)) {
			char b[32];
			int n = snprintf(b, sizeof b, "%.1f", v);
			lead(w, key);
			put(w, b, (size_t)n);
		} else {
			jw_null(w, key);
		}
		return;
	}
	/* tenths as an integer: no float formatting on the hot path */
	long long t = llround(v * 10);
	lead(w, key);
	if (t < 0)
		put(w, "-", 1);
	buf_add_ll(&w->b, llabs(t) / 10);
	if (t % 10) {
		char frac[2] = { '.', (char)('0' + llabs(t % 10)) };
		put(w, frac, 2);
	}
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
