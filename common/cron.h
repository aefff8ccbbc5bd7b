/* Cron expressions as pm2's cron_restart takes them (the croner library's
 * syntax): 5 fields (minute hour day-of-month month day-of-week) or 6 with
 * seconds first; *, ?, lists, ranges, steps (*\/5, 10-40/10, 7/15), month
 * and day names (JAN, mon), 7 for Sunday, L alone in day-of-month for the
 * month's last day, and @yearly @monthly @weekly @daily @hourly. As croner,
 * a restricted day-of-month and day-of-week must both match (not cron's
 * either-or). Times are local (TZ). Pure: no clock, no I/O. */
#ifndef PSUP_CRON_H
#define PSUP_CRON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cron {
	uint64_t sec, min;       /* bit i: second/minute i */
	uint32_t hour;           /* bit i: hour i */
	uint32_t dom;            /* bit i: day i (1..31) */
	uint16_t mon;            /* bit i: month i (1..12) */
	uint8_t dow;             /* bit i: weekday i (0 Sunday..6) */
	int last_dom;            /* day-of-month is L */
};

/* Parses expr into *c. Returns 0, or -1 with why (a message naming the
 * field and what is wrong) in why[0..n). */
int cron_parse(const char *expr, struct cron *c, char *why, size_t n);

/* The first time strictly after `after` that c matches, in local time, or
 * -1 when there is none within eight years (Feb 30). A local time that does
 * not exist (the hour skipped when clocks go forward) fires when the clocks
 * jump, at the shifted time, as croner does; a time that occurs twice
 * (clocks going back) fires once, at its first occurrence. */
time_t cron_next(const struct cron *c, time_t after);

#endif
