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

/* For a writer of NUL-terminated strings, one pass and no strlen: the
 * length of s's leading run that json_escape copies as it is (stops at the
 * NUL, a byte to escape, or a byte of 0x80 and up) ... */
size_t json_plain_span(const char *s);
/* ... and the one unit that follows such a run, s[0] not NUL: a byte
 * escaped, or a UTF-8 sequence (or ill-formed part) as json_escape writes
 * it, never read past the NUL. Writes at most JSON_ESCAPED_MAX(4) bytes at
 * d; returns them and sets *used to the bytes of s it took. */
size_t json_escape_unit(char *d, const char *s, size_t *used);

#endif
