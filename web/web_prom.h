/* A writer of the Prometheus text exposition format (version 0.0.4): a
 * family's # HELP and # TYPE lines, then its samples with escaped label
 * values. Pure: it appends to a buffer. */
#ifndef PSUP_WEB_PROM_H
#define PSUP_WEB_PROM_H
#include "buf.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A summary's samples are name{quantile="q"}, name_sum and name_count. */
enum prom_type { PROM_GAUGE, PROM_COUNTER, PROM_SUMMARY };

/* Starts family name (a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*) with
 * its help text (backslash and newline escaped) and type. Every sample of
 * a family must follow its start with no other family between. Returns 0,
 * or -1 for an invalid name (nothing written). */
int prom_family(struct buf *b, const char *name, enum prom_type type, const char *help);
/* One sample: name{k1="v1",...} value. labels is NULL or a NULL-terminated
 * list of alternating names and values (names valid label names, values any
 * text, escaped). A counter's name must end in _total (the caller's name is
 * used as given). Returns 0, or -1 for an invalid metric or label name. */
int prom_sample(struct buf *b, const char *name, const char *const *labels, double value);
/* The escapes of a label value: backslash, double quote, newline. */
void prom_label_value(struct buf *b, const char *v);
/* A sample value: integers without exponent, others with 15 digits, NaN, +Inf, -Inf. */
void prom_value(struct buf *b, double v);
/* 1 when s is a valid metric name (label names: no colon). */
int prom_name_valid(const char *s, int label);
#endif
