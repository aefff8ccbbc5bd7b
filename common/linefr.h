/* The line framer: bytes in, whole capped lines out. Every program that
 * reads a line protocol or line reports (the CLI socket, the keeper's
 * control socket, the daemon's link to keepers, the progress pipe) cuts
 * lines with it. Pure (no I/O), so it is unit-tested and fuzzed. */
#ifndef PSUP_LINEFR_H
#define PSUP_LINEFR_H

#include <stddef.h>

#include "buf.h"

struct linefr {
	struct buf b;           /* held bytes; those before off are returned */
	size_t off;
	size_t max;             /* longest line, newline included */
	int skipping;           /* dropping the rest of an over-long line */
};

enum {
	LINEFR_NONE = 0,        /* no whole line held yet */
	LINEFR_LINE = 1,        /* *line, *len: the next line */
	LINEFR_LONG = -1,       /* the pending line is over max: the caller
	                         * gives up on the stream or linefr_skip()s it */
};

/* max: the longest line accepted, its newline included (at least 1). */
void linefr_init(struct linefr *f, size_t max);
void linefr_free(struct linefr *f);
/* Appends n bytes (the rest of a skipped line is dropped on the way). Never
 * fails; what the framer holds is what the caller fed and did not take as
 * lines yet, so the caller bounds it: feed at most max bytes between
 * draining linefr_next(), or stop reading while linefr_held() is high. */
void linefr_feed(struct linefr *f, const void *p, size_t n);
/* The next whole line without its newline (and without a '\r' before it),
 * NUL-terminated in place (it may hold other NULs: *len counts them).
 * Returns LINEFR_LINE with *line and *len pointing into the framer (valid
 * until the next feed, skip or free), LINEFR_NONE, or LINEFR_LONG when the
 * pending line is already longer than max (returned until skipped). */
int linefr_next(struct linefr *f, const char **line, size_t *len);
/* Drops the pending over-long line up to its newline, also the part of it
 * still to come; the lines after it are returned as usual. */
void linefr_skip(struct linefr *f);
/* Bytes held that were not returned as lines yet (a skipped line's part
 * not counted). At EOF, non-zero means the last line had no newline. */
size_t linefr_held(const struct linefr *f);
/* At EOF: the next line as linefr_next() returns it, where the bytes held
 * after the last newline count as a line too (a skipped line's rest does
 * not). LINEFR_NONE once nothing is left. */
int linefr_rest(struct linefr *f, const char **line, size_t *len);

#endif
