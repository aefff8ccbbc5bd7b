/* The growable byte buffer every psup program uses: output built up before
 * one write, queues of bytes for a non-blocking peer, text assembled in
 * pieces. The contents are always NUL-terminated (p[len] == 0) once anything
 * was added, so a buffer of text can be used as a C string. */
#ifndef PSUP_BUF_H
#define PSUP_BUF_H

#include <stddef.h>

/* Zero-initialise (`struct buf b = {0};`) to start empty. The buffer owns p;
 * buf_free() or buf_take() gives it up. Growth aborts on exhaustion (see
 * xalloc.h): callers bound what they queue. */
struct buf {
	char *p;
	size_t len, cap;
};

/* Makes room for `more` bytes beyond len (plus the NUL). */
void buf_reserve(struct buf *b, size_t more);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_addc(struct buf *b, char c);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends v in decimal, without printf: for writers of many numbers (the
 * daemon's JSON, packed specs). */
void buf_add_ll(struct buf *b, long long v);
/* Drops the first n bytes (n <= len): what a partial write consumed. */
void buf_consume(struct buf *b, size_t n);
/* Empties the buffer and keeps its memory. */
void buf_clear(struct buf *b);
/* Returns the contents (NUL-terminated, never NULL; the caller frees it),
 * stores their length in *len when len is not NULL, and leaves b empty. */
char *buf_take(struct buf *b, size_t *len);
void buf_free(struct buf *b);

#endif
