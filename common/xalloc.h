/* Allocation that cannot fail: running out of memory is a broken invariant
 * for psup (every buffer is bounded), so these abort with a message. */
#ifndef PSUP_XALLOC_H
#define PSUP_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a malloc'd formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The error convention of psup: a function that can fail returns -1 and, when
 * cause is not NULL, sets *cause to a malloc'd message the caller frees. */
int fail(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
