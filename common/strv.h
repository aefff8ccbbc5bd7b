/* NULL-terminated vectors of malloc'd strings (argv, env, watch lists), as
 * specs, requests and config values carry them. A NULL vector is allowed
 * wherever one is taken and means the same as an empty one. */
#ifndef PSUP_STRV_H
#define PSUP_STRV_H

#include <stddef.h>

/* The number of strings in v. */
size_t strv_len(char *const *v);
/* Frees every string of v and v itself. */
void strv_free(char **v);
/* A copy of v and its strings, NULL for NULL; the caller frees it with
 * strv_free. */
char **strv_dup(char *const *v);
/* Appends a copy of s to v (which may be NULL) and returns the vector,
 * which may have moved. */
char **strv_push(char **v, const char *s);
/* 1 when a and b hold the same strings in the same order. */
int strv_eq(char *const *a, char *const *b);

#endif
