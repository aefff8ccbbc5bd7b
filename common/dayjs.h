/* Timestamps in day.js format tokens, as pm2's log_date_format takes them
 * (YYYY-MM-DD HH:mm:ss.SSS Z): YY YYYY M MM MMM MMMM D DD d dd ddd dddd
 * H HH h hh m mm s ss SSS A a Z ZZ, [text] kept as is, anything else
 * copied; English names, local time (TZ). Pure. */
#ifndef PSUP_DAYJS_H
#define PSUP_DAYJS_H

#include <stddef.h>
#include <time.h>

/* Formats tm (with its tm_gmtoff) and ms with fmt into buf[0..n), cut to
 * fit; returns the length written (without the NUL). */
size_t dayjs_format(const char *fmt, const struct tm *tm, int ms, char *buf, size_t n);

#endif
