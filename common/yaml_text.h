/* Text helpers for config values: shell-like word splitting and the
 * "did you mean" suggestion for unknown keys. Pure, libc-only. */
#ifndef PSUP_YAML_TEXT_H
#define PSUP_YAML_TEXT_H

#include <stddef.h>

#include "strv.h"

/* Splits s into words: whitespace separates; with shell set, '…' keeps
 * everything literally, "…" keeps all but \" \\ \$ \` escapes, and a
 * backslash outside quotes escapes the next character. Returns a malloc'd
 * NULL-terminated array (strv_free) and *count, or NULL with *why set
 * ("unterminated quote", "trailing backslash"). */
char **ytext_split(const char *s, int shell, int *count, const char **why);

/* The candidate closest to word by edit distance (a transposition counts
 * as one edit), or NULL when none is close enough to be a likely typo. */
const char *ytext_suggest(const char *word, const char *const *cands, size_t n);

/* Replaces every "{instance}" in s with the decimal number; malloc'd. */
char *ytext_subst_instance(const char *s, int instance);

#endif
