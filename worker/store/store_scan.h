/* The quick check of one line of a load (store_scan.c). */
#ifndef PSUP_STORE_SCAN_H
#define PSUP_STORE_SCAN_H

#include <stddef.h>

/* What a line holds. id points into the line (id_len bytes, not ended),
 * or, for a whole-number id (id_int), id_value is its value. */
struct store_scan {
	const char *id;
	size_t id_len;
	int id_int;
	long long id_value;
	long long priority;
};

/* Returns 1 when the trimmed line (valid UTF-8, no NUL) is a JSON object
 * that cJSON reads the same way, with id_field a non-empty plain string
 * or a whole number and priority_field (may be NULL) absent, null or a
 * whole number: *out is filled. Returns 0 for anything else, good or bad,
 * which is cJSON's to read. */
int store_scan_line(const char *line, size_t len, const char *id_field,
    const char *priority_field, struct store_scan *out);

#endif
