/* JSON text read in place, by lengths: find an object's member or an
 * array's element and hand back its exact text, so every byte of a string
 * (a \u0000 included) is carried as the input wrote it. cJSON cannot do
 * that: its strings end at their first NUL. The text should be valid JSON
 * (checked where it came in); a malformed one gives -1, never a read past
 * its length. */
#ifndef PSUP_JSONRAW_H
#define PSUP_JSONRAW_H

#include <stddef.h>

struct jsonraw {
	const char *p;           /* the value's first byte */
	size_t n;                /* its length */
};

/* The first value in p[0..n) (leading whitespace skipped) into *v.
 * Returns 0, or -1 if there is none or it is malformed. */
int jsonraw_value(const char *p, size_t n, struct jsonraw *v);

/* The first member of object obj named key (key_len bytes, compared with
 * the member name's decoded bytes). Returns 1 with *v, 0 when obj has no
 * such member, -1 when obj is not an object (or malformed). */
int jsonraw_member(struct jsonraw obj, const char *key, size_t key_len, struct jsonraw *v);

/* The value at JSON pointer ptr ("" is doc itself; "/a/0/b", "~0" for ~
 * and "~1" for /) in doc. Returns 1 with *v; 0 when it is not there, with
 * *why (malloc'd) like "/choices/0 not found"; -1 when doc is malformed. */
int jsonraw_pointer(struct jsonraw doc, const char *ptr, struct jsonraw *v, char **why);

/* The bytes of string v (its escapes undone, a \u0000 as a NUL byte)
 * appended to out. Returns 0, or -1 (out as it was) when v is not a
 * well-formed string. */
struct buf;
int jsonraw_string(struct jsonraw v, struct buf *out);

/* v's text without the whitespace between tokens (strings kept byte for
 * byte, but for a raw control byte, which is escaped): one line.
 * malloc'd, NUL-terminated, its length in *len if len. */
char *jsonraw_compact(struct jsonraw v, size_t *len);

#endif
