/* RFC 6901 JSON pointers over cJSON trees: "/choices/0/message/content". */
#ifndef PSUP_JSONPTR_H
#define PSUP_JSONPTR_H

#include <cjson/cJSON.h>

/* Checks that ptr is well formed ("" or "/..." with only ~0 and ~1 escapes).
 * Returns 0, or -1 with *cause set (caller frees). */
int jsonptr_check(const char *ptr, char **cause);

/* Finds the value ptr names in root. "" names root itself; an array step
 * must be a decimal index without leading zeros ("-" names nothing).
 * Returns the value (owned by root), or NULL with *cause saying which step
 * was missing (caller frees). */
const cJSON *jsonptr_get(const cJSON *root, const char *ptr, char **cause);

/* Finds the same value in the text it was parsed from: s[0..n) must be a
 * JSON text cJSON accepted (whitespace and a byte order mark allowed before
 * it). Sets [*start, *end) to the value's own bytes and returns 0, or -1
 * when ptr names nothing. The text keeps what a cJSON tree loses: numbers
 * past a double's precision, and strings with an escaped NUL. */
int jsonptr_span(const char *s, size_t n, const char *ptr, size_t *start, size_t *end);

#endif
