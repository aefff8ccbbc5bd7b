/* A small streaming JSON writer for the daemon's large replies (list and
 * describe of every app): appends straight into one growing buffer, with
 * no tree of nodes and no float round-trip checks, because `list` of 100
 * apps must stay well under a millisecond. Commas are placed automatically. */
#ifndef PSUP_DAEMON_JSON_H
#define PSUP_DAEMON_JSON_H

#include <stddef.h>

#include "buf.h"

#define JW_DEPTH 16

struct jw {
	struct buf b;
	int depth;
	int first[JW_DEPTH];    /* nothing written yet at this level */
};

void jw_init(struct jw *w);
/* Returns the text (NUL-terminated, owned by the caller) and its length. */
char *jw_finish(struct jw *w, size_t *len);
void jw_free(struct jw *w);

/* Containers; a NULL key means an array element or the top level. */
void jw_obj(struct jw *w, const char *key);
void jw_arr(struct jw *w, const char *key);
void jw_end_obj(struct jw *w);
void jw_end_arr(struct jw *w);

void jw_str(struct jw *w, const char *key, const char *s);   /* NULL: null */
void jw_int(struct jw *w, const char *key, long long v);
void jw_dbl(struct jw *w, const char *key, double v);        /* one decimal */
void jw_bool(struct jw *w, const char *key, int v);
void jw_null(struct jw *w, const char *key);
/* Raw JSON text as a value (must be valid JSON). */
void jw_raw(struct jw *w, const char *key, const char *json, size_t n);

#endif
