/* UTF-8 as Unicode defines it well-formed (table 3-7: no overlong forms,
 * no surrogates, nothing past U+10FFFF), and what stands for the rest:
 * the one check every JSON writer and reader of outside bytes shares. Pure. */
#ifndef PSUP_UTF8_H
#define PSUP_UTF8_H

#include <stddef.h>

/* The sequence at p, of at most n bytes (n >= 1): its length (1..4) when
 * well-formed, with its code point in *cp (cp may be NULL); else minus the
 * length (1..3) of its maximal subpart, the bytes one U+FFFD replaces, as
 * the WHATWG decoder (and so node and browsers) replaces them. */
int utf8_decode(const unsigned char *p, size_t n, unsigned *cp);

/* The offset of the first byte of s[0..len) that is not well-formed
 * UTF-8, or -1 when there is none. */
long utf8_invalid_at(const char *s, size_t len);
/* Code point cp (at most U+10FFFF) as UTF-8 in out; returns its length
 * (1..4). */
size_t utf8_encode(unsigned cp, char out[4]);

#endif
