/* JSON string escaping: the one copy the keeper's JSON log lines, the
 * daemon's replies and `psup logs --json` write strings with. Pure. */
#ifndef PSUP_JSONESC_H
#define PSUP_JSONESC_H

#include <stddef.h>

/* The most bytes json_escape writes for n bytes (every byte \u00XX). */
#define JSON_ESCAPED_MAX(n) (6 * (n))

/* Writes s[0..n) JSON-escaped, without quotes, at d, which has room for
 * JSON_ESCAPED_MAX(n) bytes: '"' and '\\' escaped, \n \r \t \b \f by name,
 * the other control bytes as \u00XX, as JSON.stringify writes them (pm2's
 * JSON logs), well-formed UTF-8 as it is, and
 * each ill-formed part (a stray byte, a cut or overlong sequence) as one
 * \ufffd, as node decodes it: the output is always valid JSON text, which
 * must be UTF-8, whatever an app wrote. Returns the bytes written; no NUL
 * is added. */
size_t json_escape(char *d, const char *s, size_t n);

#endif
