/* Durations and sizes as users write them: "500ms", "2s", "5m", "1h", "1d" or
 * plain milliseconds; "512K", "200M", "1G" or plain bytes (powers of 1024). */
#ifndef PSUP_UNITS_H
#define PSUP_UNITS_H

#include <stddef.h>

/* Return 0 and the value, or -1 and *why (a static string saying what is
 * wrong: "missing number", "unknown unit 'x'", "negative", "too large"). */
int units_parse_duration_ms(const char *s, long long *ms, const char **why);
int units_parse_size(const char *s, long long *bytes, const char **why);

/* Short human forms for tables: "45s", "12m", "3h", "2D"; "0B", "512K",
 * "12.3M", "1.5G". Always NUL-terminate within n bytes. */
void units_format_duration(long long ms, char *buf, size_t n);
void units_format_size(long long bytes, char *buf, size_t n);

#endif
