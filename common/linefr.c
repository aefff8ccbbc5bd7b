/* The line framer (see linefr.h). Pure. */
#include "linefr.h"

#include <string.h>

void linefr_init(struct linefr *f, size_t max)
{
	memset(f, 0, sizeof *f);
	f->max = max ? max : 1;
}

void linefr_free(struct linefr *f)
{
	buf_free(&f->b);
	memset(f, 0, sizeof *f);
}

/* Moves the bytes not yet returned to the front, so the buffer holds no
 * more than they need. */
static void compact(struct linefr *f)
{
	if (f->off) {
		buf_consume(&f->b, f->off);
		f->off = 0;
	}
}

void linefr_feed(struct linefr *f, const void *p, size_t n)
{
	if (f->skipping) {
		const char *nl = n ? memchr(p, '\n', n) : NULL;
		if (!nl)
			return;
		f->skipping = 0;
		n -= (size_t)(nl + 1 - (const char *)p);
		p = nl + 1;
	}
	if (!n)
		return;
	if (f->off == f->b.len || f->b.len + n > f->b.cap)
		compact(f);
	buf_add(&f->b, p, n);
}

int linefr_next(struct linefr *f, const char **line, size_t *len)
{
	size_t held = f->b.len - f->off;
	size_t scan = held < f->max ? held : f->max;
	char *start = f->b.p + f->off;
	const char *nl = scan ? memchr(start, '\n', scan) : NULL;
	if (!nl)
		return held >= f->max ? LINEFR_LONG : LINEFR_NONE;
	size_t n = (size_t)(nl - start);
	f->off += n + 1;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	start[n] = '\0';
	*line = start;
	*len = n;
	return LINEFR_LINE;
}

void linefr_skip(struct linefr *f)
{
	size_t held = f->b.len - f->off;
	const char *start = f->b.p + f->off;
	const char *nl = held ? memchr(start, '\n', held) : NULL;
	if (nl) {
		f->off += (size_t)(nl + 1 - start);
	} else {
		f->off = f->b.len;
		f->skipping = 1;
	}
	compact(f);
}

size_t linefr_held(const struct linefr *f)
{
	return f->b.len - f->off;
}

int linefr_rest(struct linefr *f, const char **line, size_t *len)
{
	int r = linefr_next(f, line, len);
	if (r != LINEFR_NONE)
		return r;
	size_t held = f->b.len - f->off;
	if (!held)
		return LINEFR_NONE;
	char *start = f->b.p + f->off;
	f->off = f->b.len;
	if (start[held - 1] == '\r')
		held--;
	start[held] = '\0';
	*line = start;
	*len = held;
	return LINEFR_LINE;
}
