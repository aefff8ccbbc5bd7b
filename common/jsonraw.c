/* In-place JSON reading (see jsonraw.h). One scanner skips values; member
 * names are decoded only to compare them. */
#include "jsonraw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonlex.h"
#include "utf8.h"
#include "xalloc.h"

static size_t skip_ws(const char *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/* From p[i] == '"': the index after the closing quote, or 0 if none. */
static size_t string_end(const char *p, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return i + 1;
	}
	return 0;
}

/* From the value's first byte at p[i]: the index after it, or 0 if it is
 * malformed or cut. Containers are matched by depth, strings skipped. */
static size_t value_end(const char *p, size_t n, size_t i)
{
	if (i >= n)
		return 0;
	if (p[i] == '"')
		return string_end(p, n, i);
	if (p[i] == '{' || p[i] == '[') {
		size_t depth = 0;
		while (i < n) {
			char c = p[i];
			if (c == '"') {
				if (!(i = string_end(p, n, i)))
					return 0;
				continue;
			}
			if (c == '{' || c == '[')
				depth++;
			else if ((c == '}' || c == ']') && --depth == 0)
				return i + 1;
			i++;
		}
		return 0;
	}
	size_t start = i;
	while (i < n && !strchr(",]} \t\r\n", p[i]))
		i++;
	return i > start ? i : 0;
}

int jsonraw_value(const char *p, size_t n, struct jsonraw *v)
{
	/* a UTF-8 byte order mark before the value, as cJSON allows */
	size_t bom = n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	size_t i = skip_ws(p, n, bom), end = value_end(p, n, i);
	if (!end)
		return -1;
	v->p = p + i;
	v->n = end - i;
	return 0;
}

static void utf8_add(struct buf *b, unsigned cp)
{
	char u[4];
	buf_add(b, u, utf8_encode(cp, u));
}

/* Decodes the JSON string s[0..n) (quotes included) into b. Returns 0 or -1. */
static int string_decode(const char *s, size_t n, struct buf *b)
{
	for (size_t i = 1; i + 1 < n; i++) {
		if (s[i] != '\\') {
			buf_add(b, s + i, 1);
			continue;
		}
		if (++i + 1 >= n)
			return -1;
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *at = strchr(from, s[i]);
		if (s[i] != 'u') {
			if (!at || !s[i])
				return -1;
			buf_add(b, to + (at - from), 1);
			continue;
		}
		unsigned cp, lo;
		if (i + 6 > n || jsonlex_hex4(s + i + 1, &cp) < 0)
			return -1;
		i += 4;
		if (cp >= 0xd800 && cp < 0xdc00 && i + 7 < n && s[i + 1] == '\\' && s[i + 2] == 'u' &&
		    jsonlex_hex4(s + i + 3, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 6;
		}
		utf8_add(b, cp);
	}
	return 0;
}

int jsonraw_string(struct jsonraw v, struct buf *out)
{
	if (v.n < 2 || v.p[0] != '"' || string_end(v.p, v.n, 0) != v.n)
		return -1;
	size_t mark = out->len;
	if (string_decode(v.p, v.n, out) == 0)
		return 0;
	out->len = mark;
	if (out->p)
		out->p[mark] = '\0';   /* buf.h: the contents stay a C string */
	return -1;
}

/* 1 if the JSON string s[0..n) decodes to key[0..key_len). */
static int name_is(const char *s, size_t n, const char *key, size_t key_len)
{
	/* A name without an escape is its own decoding (every name of every
	 * answer the worker reads is compared here). */
	if (n >= 2 && !memchr(s + 1, '\\', n - 2))
		return n - 2 == key_len && (key_len == 0 || memcmp(s + 1, key, key_len) == 0);
	struct buf b = { 0 };
	int same = string_decode(s, n, &b) == 0 && b.len == key_len &&
	    (key_len == 0 || memcmp(b.p, key, key_len) == 0);
	buf_free(&b);
	return same;
}

/* Walks a container's items: the member named key (objects) or the
 * index-th element (arrays). */
static int container_find(struct jsonraw c, char open, const char *key, size_t key_len,
    size_t index, struct jsonraw *v)
{
	const char *p = c.p;
	size_t n = c.n, i = 0;
	if (n == 0 || p[0] != open)
		return -1;
	char close = open == '{' ? '}' : ']';
	i = skip_ws(p, n, 1);
	if (i < n && p[i] == close)
		return 0;
	for (size_t k = 0; i < n; k++) {
		size_t name = i, name_end = 0;
		if (open == '{') {
			if (p[i] != '"' || !(name_end = string_end(p, n, i)))
				return -1;
			i = skip_ws(p, n, name_end);
			if (i >= n || p[i] != ':')
				return -1;
			i = skip_ws(p, n, i + 1);
		}
		size_t end = value_end(p, n, i);
		if (!end)
			return -1;
		if (open == '{' ? name_is(p + name, name_end - name, key, key_len) : k == index) {
			v->p = p + i;
			v->n = end - i;
			return 1;
		}
		i = skip_ws(p, n, end);
		if (i < n && p[i] == close)
			return 0;
		if (i >= n || p[i] != ',')
			return -1;
		i = skip_ws(p, n, i + 1);
	}
	return -1;
}

int jsonraw_member(struct jsonraw obj, const char *key, size_t key_len, struct jsonraw *v)
{
	return container_find(obj, '{', key, key_len, 0, v);
}

int jsonraw_pointer(struct jsonraw doc, const char *ptr, struct jsonraw *v, char **why)
{
	struct jsonraw cur = doc;
	const char *p = ptr;
	while (*p == '/') {
		const char *end = strchr(p + 1, '/');
		size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
		struct buf tok = { 0 };
		if (!memchr(p + 1, '~', len)) {
			buf_add(&tok, p + 1, len);
		} else {
			for (size_t i = 0; i < len; i++) {
				char c = p[1 + i];
				if (c == '~' && i + 1 < len && (p[2 + i] == '0' || p[2 + i] == '1'))
					c = p[2 + i++] == '0' ? '~' : '/';
				buf_add(&tok, &c, 1);
			}
		}
		int rc;
		if (cur.n && cur.p[0] == '[') {
			char *e = NULL;
			buf_add(&tok, "", 1);
			unsigned long idx = strtoul(tok.p, &e, 10);
			/* RFC 6901: digits without a leading zero, as jsonptr_get */
			int digits = tok.len > 1 && tok.p[0] >= '0' && tok.p[0] <= '9' && !*e &&
			    !(tok.p[0] == '0' && tok.len > 2);
			rc = digits ? container_find(cur, '[', NULL, 0, idx, &cur) : 0;
		} else if (cur.n && cur.p[0] == '{') {
			rc = container_find(cur, '{', tok.p, tok.len, 0, &cur);
		} else {
			rc = 0;
		}
		buf_free(&tok);
		if (rc < 0)
			return -1;
		p += 1 + len;
		if (rc == 0) {
			if (why)
				*why = xasprintf("%.*s not found", (int)(p - ptr), ptr);
			return 0;
		}
	}
	*v = cur;
	return 1;
}

char *jsonraw_compact(struct jsonraw v, size_t *len)
{
	struct buf b = { 0 };
	size_t i = 0;
	while (i < v.n) {
		char c = v.p[i];
		if (c == '"') {
			size_t end = string_end(v.p, v.n, i);
			if (!end)
				end = v.n;
			/* a control byte left raw in a string (cJSON lets it
			 * through) is escaped, so the text stays strict JSON */
			for (; i < end; i++) {
				unsigned char u = (unsigned char)v.p[i];
				if (u < 0x20)
					buf_printf(&b, "\\u%04x", u);
				else
					buf_addc(&b, (char)u);
			}
		} else {
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
				buf_add(&b, &c, 1);
			i++;
		}
	}
	return buf_take(&b, len);
}
