/* CSV and TSV records (csvin.h): one pass over the bytes, a state per
 * place in a field. */
#include "csvin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* The next byte: one given back first, else the stream's. */
static int rd(struct csvin *c)
{
	return c->nback ? c->back[--c->nback] : getc_unlocked(c->f);
}

static void unrd(struct csvin *c, int ch)
{
	if (ch != EOF)
		c->back[c->nback++] = ch;
}

void csvin_init(struct csvin *c, FILE *f, char sep)
{
	memset(c, 0, sizeof *c);
	c->f = f;
	c->sep = sep;
	c->at = 1;
	/* a spreadsheet's "UTF-8 CSV" starts with a byte order mark */
	int b[3];
	for (int i = 0; i < 3; i++)
		b[i] = rd(c);
	if (b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		return;
	for (int i = 2; i >= 0; i--)
		unrd(c, b[i]);
}

static void end_field(struct csvin *c, size_t start)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->off = xreallocarray(c->off, (size_t)c->cap, sizeof *c->off);
	}
	c->off[c->n++] = start;
	buf_addc(&c->text, '\0');
}

static int bad(char **why, const char *what)
{
	*why = xstrdup(what);
	errno = EINVAL;
	return -1;
}

int csvin_next(struct csvin *c, char **why)
{
	*why = NULL;
	for (;;) {
		buf_clear(&c->text);
		c->n = 0;
		c->line = c->at;
		size_t start = 0;
		int quoted = 0, closed = 0, any = 0;
		long long quote_line = 0;
		for (;;) {
			int ch = rd(c);
			if (ch == EOF) {
				if (ferror(c->f)) {
					int e = errno;
					*why = xstrdup(strerror(e));
					errno = e;
					return -1;
				}
				if (quoted && !closed) {
					char what[96];
					snprintf(what, sizeof what, "a quoted field is not closed (its quote "
					    "opened on line %lld)", quote_line);
					return bad(why, what);
				}
				if (!any && c->n == 0)
					return 0;
				end_field(c, start);
				return 1;
			}
			if (ch == '\0')
				return bad(why, "holds a NUL byte");
			if (quoted && !closed) {
				if (ch == '"') {
					int next = rd(c);
					if (next == '"') {
						buf_addc(&c->text, '"');
						continue;
					}
					unrd(c, next);
					closed = 1;
					continue;
				}
				if (ch == '\n')
					c->at++;
				buf_addc(&c->text, (char)ch);
				continue;
			}
			if (ch == '\r') {
				int next = rd(c);
				if (next == '\n') {
					ch = '\n';
				} else {
					unrd(c, next);
					if (closed)
						return bad(why, "text after the closing quote of a field");
					buf_addc(&c->text, '\r');
					any = 1;
					continue;
				}
			}
			if (ch == c->sep || ch == '\n') {
				end_field(c, start);
				start = c->text.len;
				quoted = closed = 0;
				if (ch == '\n') {
					c->at++;
					/* a blank line is no record */
					if (c->n == 1 && !any)
						break;
					return 1;
				}
				any = 1;
				continue;
			}
			if (closed)
				return bad(why, "text after the closing quote of a field (a quote "
				    "inside a quoted field is written \"\")");
			if (ch == '"' && c->text.len == start) {
				quoted = 1;
				quote_line = c->at;
				any = 1;
				continue;
			}
			buf_addc(&c->text, (char)ch);
			any = 1;
		}
	}
}

const char *csvin_field(const struct csvin *c, int i)
{
	return c->text.p + c->off[i];
}

void csvin_free(struct csvin *c)
{
	buf_free(&c->text);
	free(c->off);
	memset(c, 0, sizeof *c);
}
