/* CSV and TSV input, as RFC 4180 writes it and spreadsheets save it: fields
 * separated by a comma (or a tab), records by LF or CRLF; a field in double
 * quotes may hold separators, line breaks and "" for a quote. Records are
 * read one at a time from a stream, so a file of millions of rows never
 * sits in memory. */
#ifndef PSUP_CSVIN_H
#define PSUP_CSVIN_H

#include <stdio.h>

#include "buf.h"

struct csvin {
	FILE *f;                 /* borrowed */
	char sep;
	long long line;          /* the line the last record began on (1-based) */
	long long at;            /* the line being read */
	struct buf text;         /* the last record's fields, each NUL-terminated */
	size_t *off;             /* where each field starts in text */
	int n, cap;              /* fields of the last record */
	int back[3], nback;      /* bytes read ahead and given back */
};

/* Reads records from f (not closed by csvin_free), fields separated by sep
 * (',' or '\t'). A byte order mark at the start is skipped. */
void csvin_init(struct csvin *c, FILE *f, char sep);
/* Reads the next record, skipping blank lines. Returns 1 (its c->n fields:
 * csvin_field; c->line is the line it began on), 0 at the end of the
 * input, or -1 with *why (malloc'd; the caller frees it) saying what is
 * wrong on line c->at: a quoted field not closed, text after a closing
 * quote, a NUL byte (errno EINVAL); or a read error (errno set). */
int csvin_next(struct csvin *c, char **why);
/* Field i (0 <= i < c->n) of the last record, valid until the next read. */
const char *csvin_field(const struct csvin *c, int i);
void csvin_free(struct csvin *c);

#endif
