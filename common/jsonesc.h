/* JSON string escaping: the one copy the keeper's JSON log lines, the
 * daemon's replies and `psup logs --json` write strings with. Pure. */
#ifndef PSUP_JSONESC_H
#define PSUP_JSONESC_H

#include <stddef.h>

/* The most bytes json_escape writes for n bytes (every byte \u00XX). */
#define JSON_ESCAPED_MAX(n) (6 * (n))

/* Writes s[0..n) JSON-escaped, without quotes, at d, which has room for
 * JSON_ESCAPED_MAX(n) bytes: '"' and '\\' escaped, \n \r \t by name, the
 * other control bytes and DEL as \u00XX; every other byte as it is (UTF-8
 * passes through). Returns the bytes written; no NUL is added. */
size_t json_escape(char *d, const char *s, size_t n);

#endif
