/* Escaping for what the dashboard shows. App names and log lines are
 * untrusted: text goes into HTML escaped, and bytes go into JSON strings
 * that stay inert inside an HTML <script> element too. Pure. */
#ifndef PSUP_WEB_ESC_H
#define PSUP_WEB_ESC_H
#include <stddef.h>
#include "buf.h"

/* Appends s[0..n) as HTML text or attribute value: & < > " ' escaped. */
void esc_html(struct buf *b, const char *s, size_t n);
/* Appends s[0..n), any bytes, as one quoted JSON string: control bytes,
 * quote, backslash, < > & and U+2028/U+2029 as \u escapes; each byte of
 * invalid UTF-8 (and NUL) becomes U+FFFD, so the result is valid UTF-8. */
void esc_json_str(struct buf *b, const char *s, size_t n);
/* Appends JSON text (as cJSON prints it: valid UTF-8) with < > & turned
 * into \u escapes: outside strings JSON has none of them, so the value is
 * unchanged, and "</script>" can no longer end an HTML script element. */
void esc_json_safe(struct buf *b, const char *json);
#endif
