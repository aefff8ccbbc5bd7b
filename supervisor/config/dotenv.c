/* The dotenv format, read as the dotenv package does (dotenv.h). */
#include "dotenv.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

static int is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '.' || c == '-';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void put(struct dotenv *d, const char *k, size_t kl, char *v)
{
	for (int i = 0; i < d->n; i++)
		if (strlen(d->keys[i]) == kl && memcmp(d->keys[i], k, kl) == 0) {
			free(d->vals[i]);
			d->vals[i] = v;
			return;
		}
	d->keys = xreallocarray(d->keys, (size_t)d->n + 1, sizeof *d->keys);
	d->vals = xreallocarray(d->vals, (size_t)d->n + 1, sizeof *d->vals);
	d->keys[d->n] = xstrndup(k, kl);
	d->vals[d->n] = v;
	d->n++;
}

static void bad(struct dotenv *d, int line)
{
	d->bad_lines = xreallocarray(d->bad_lines, (size_t)d->n_bad + 1, sizeof *d->bad_lines);
	d->bad_lines[d->n_bad++] = line;
}

/* A quoted value starting at *p (on its quote); *p moves past the closing
 * quote and *line past the newlines inside. NULL when it is not closed. */
static char *quoted(const char **p, const char *end, int *line)
{
	char q = **p;
	const char *s = *p + 1;
	const char *close = s;
	while (close < end && (*close != q || (close[-1] == '\\' && q != '\'')))
		close++;
	if (close >= end)
		return NULL;
	struct buf b = { 0 };
	for (const char *c = s; c < close; c++) {
		if (*c == '\n')
			(*line)++;
		if (q == '"' && *c == '\\' && c + 1 < close && (c[1] == 'n' || c[1] == 'r')) {
			buf_addc(&b, c[1] == 'n' ? '\n' : '\r');
			c++;
		} else if (*c == '\\' && c + 1 < close && c[1] == q) {
			buf_addc(&b, q);
			c++;
		} else {
			buf_addc(&b, *c);
		}
	}
	*p = close + 1;
	return buf_take(&b, NULL);
}

void dotenv_parse(const char *buf, size_t len, struct dotenv *d)
{
	memset(d, 0, sizeof *d);
	const char *p = buf, *end = buf + len;
	int line = 1;
	while (p < end) {
		int at = line;
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		while (p < eol && is_space(*p))
			p++;
		if (p == eol || *p == '#') {
			p = eol + (eol < end);
			line++;
			continue;
		}
		if ((size_t)(eol - p) > 7 && memcmp(p, "export", 6) == 0 && is_space(p[6])) {
			p += 7;
			while (p < eol && is_space(*p))
				p++;
		}
		const char *k = p;
		while (p < eol && is_key_char(*p))
			p++;
		size_t kl = (size_t)(p - k);
		while (p < eol && is_space(*p))
			p++;
		int sep = p < eol && (*p == '=' || (*p == ':' && p + 1 < eol && is_space(p[1])));
		if (!kl || !sep) {
			bad(d, at);
			p = eol + (eol < end);
			line++;
			continue;
		}
		p++;
		while (p < eol && is_space(*p))
			p++;
		char *v;
		if (p < eol && (*p == '"' || *p == '\'' || *p == '`') &&
		    (v = quoted(&p, end, &line)) != NULL) {
			/* the rest of the line may hold only a comment */
			eol = memchr(p, '\n', (size_t)(end - p));
			if (!eol)
				eol = end;
		} else {
			const char *s = p, *e = p;
			while (e < eol && *e != '#')
				e++;
			while (e > s && is_space(e[-1]))
				e--;
			v = xstrndup(s, (size_t)(e - s));
		}
		put(d, k, kl, v);
		p = eol + (eol < end);
		line++;
	}
}

void dotenv_free(struct dotenv *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->keys[i]);
		free(d->vals[i]);
	}
	free(d->keys);
	free(d->vals);
	free(d->bad_lines);
	memset(d, 0, sizeof *d);
}
