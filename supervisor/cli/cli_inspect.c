/* node's util.inspect layout of a JSON value (cli_inspect.h). Each value
 * is laid out into a string of its own first, as node does: whether an
 * object fits on one line depends on its entries' laid-out lengths. */
#include "cli_inspect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* node's defaults: breakLength 80, compact 3 */
#define BREAK_LENGTH 80
#define COMPACT 3

struct ictx {
	int indent;        /* node's indentationLvl: spaces before the value's line */
	int current_depth; /* the depth of the last object or array laid out */
};

/* Length as node counts it (UTF-16 units; close enough: characters). */
static size_t js_length(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}

/* A number as JavaScript's Number.prototype.toString writes it: the
 * fewest digits that read back the same, in exponent form only below
 * 1e-6 or from 1e21. */
static void js_number(double v, struct buf *out)
{
	if (v == 0) {
		buf_puts(out, signbit(v) ? "-0" : "0");
		return;
	}
	if (!isfinite(v)) {
		buf_puts(out, isnan(v) ? "NaN" : v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	char e[40];
	for (int prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec, v);
		if (strtod(e, NULL) == v)
			break;
	}
	/* e: [-]d[.ddd]e±XX */
	const char *p = e;
	if (*p == '-') {
		buf_addc(out, '-');
		p++;
	}
	char digits[24];
	int k = 0;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && k < (int)sizeof digits - 1)
			digits[k++] = *p;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	digits[k] = '\0';
	int n = atoi(p + 1) + 1;        /* the point sits after n digits */
	if (k <= n && n <= 21) {
		buf_puts(out, digits);
		for (int i = k; i < n; i++)
			buf_addc(out, '0');
	} else if (0 < n && n <= 21) {
		buf_add(out, digits, (size_t)n);
		buf_addc(out, '.');
		buf_puts(out, digits + n);
	} else if (-6 < n && n <= 0) {
		buf_puts(out, "0.");
		for (int i = n; i < 0; i++)
			buf_addc(out, '0');
		buf_puts(out, digits);
	} else {
		buf_addc(out, digits[0]);
		if (k > 1) {
			buf_addc(out, '.');
			buf_puts(out, digits + 1);
		}
		buf_printf(out, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
	}
}

/* A string in node's quotes: ' unless the string holds one, then " unless
 * it holds one too, then ` unless it holds that or "${"; control
 * characters, the quote, backslash and U+007F..U+009F escaped. */
static void js_string(const char *s, struct buf *out)
{
	char q = '\'';
	if (strchr(s, '\'')) {
		if (!strchr(s, '"'))
			q = '"';
		else if (!strchr(s, '`') && !strstr(s, "${"))
			q = '`';
	}
	static const char hex[] = "0123456789ABCDEF";
	buf_addc(out, q);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned c = *p;
		/* U+0080..U+009F: C2 80..C2 9F in UTF-8 */
		if (c == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
			c = *++p;
		} else if (c >= 0x20 && c != 0x7F && c != '\\' && c != (unsigned char)q) {
			buf_addc(out, (char)c);
			continue;
		}
		switch (c) {
		case '\b': buf_puts(out, "\\b"); break;
		case '\t': buf_puts(out, "\\t"); break;
		case '\n': buf_puts(out, "\\n"); break;
		case '\f': buf_puts(out, "\\f"); break;
		case '\r': buf_puts(out, "\\r"); break;
		case '\\': buf_puts(out, "\\\\"); break;
		default:
			if (c == (unsigned char)q) {
				buf_addc(out, '\\');
				buf_addc(out, q);
			} else {
				buf_puts(out, "\\x");
				buf_addc(out, hex[c >> 4]);
				buf_addc(out, hex[c & 15]);
			}
		}
	}
	buf_addc(out, q);
}

/* A key as node writes it: bare when an identifier, else quoted. */
static void js_key(const char *k, struct buf *out)
{
	int bare = (k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z') || k[0] == '_';
	for (const char *p = k; bare && *p; p++)
		bare = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
		    (*p >= '0' && *p <= '9');
	if (bare)
		buf_puts(out, k);
	else
		js_string(k, out);
}

static char *lay_out(struct ictx *c, const cJSON *v, int depth);

/* node's reduceToSingleString: entries on one line when the innermost
 * levels fit in 80 columns, else one entry a line. */
static void join(struct ictx *c, char **e, int n, int depth, char open, char close,
    struct buf *out)
{
	if (c->current_depth - depth < COMPACT) {
		size_t start = (size_t)n + (size_t)c->indent + 1 + 10;
		size_t total = (size_t)n + start;
		int fits = total + (size_t)n <= BREAK_LENGTH;
		for (int i = 0; fits && i < n; i++) {
			total += js_length(e[i]);
			fits = total <= BREAK_LENGTH && !strchr(e[i], '\n');
		}
		if (fits) {
			buf_addc(out, open);
			for (int i = 0; i < n; i++) {
				buf_puts(out, i ? ", " : " ");
				buf_puts(out, e[i]);
			}
			buf_addc(out, ' ');
			buf_addc(out, close);
			return;
		}
	}
	buf_addc(out, open);
	for (int i = 0; i < n; i++) {
		buf_puts(out, i ? ",\n" : "\n");
		buf_printf(out, "%*s", c->indent + 2, "");
		buf_puts(out, e[i]);
	}
	buf_printf(out, "\n%*s%c", c->indent, "", close);
}

static char *lay_out(struct ictx *c, const cJSON *v, int depth)
{
	struct buf out = { 0 };
	if (cJSON_IsString(v)) {
		js_string(v->valuestring, &out);
	} else if (cJSON_IsNumber(v)) {
		js_number(v->valuedouble, &out);
	} else if (cJSON_IsBool(v)) {
		buf_puts(&out, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		int obj = cJSON_IsObject(v), n = cJSON_GetArraySize(v);
		if (n == 0) {
			buf_puts(&out, obj ? "{}" : "[]");
			return buf_take(&out, NULL);
		}
		c->current_depth = depth;
		char **e = xcalloc((size_t)n, sizeof *e);
		int i = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, v) {
			struct buf entry = { 0 };
			c->indent += 2;
			char *val = lay_out(c, it, depth + 1);
			c->indent -= 2;
			if (obj) {
				js_key(it->string ? it->string : "", &entry);
				buf_puts(&entry, ": ");
			}
			buf_puts(&entry, val);
			free(val);
			e[i++] = buf_take(&entry, NULL);
		}
		join(c, e, n, depth, obj ? '{' : '[', obj ? '}' : ']', &out);
		for (i = 0; i < n; i++)
			free(e[i]);
		free(e);
	} else {
		buf_puts(&out, "null");
	}
	return buf_take(&out, NULL);
}

void cli_inspect(const cJSON *v, struct buf *out)
{
	struct ictx c = { 0, 0 };
	char *s = lay_out(&c, v, 0);
	buf_puts(out, s);
	free(s);
}
