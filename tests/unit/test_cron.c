/* The cron parser and next-fire times: fields, names, steps, month ends,
 * leap years, croner's day-of-month AND day-of-week, and the two DST
 * changes of America/New_York. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"
#include "tap.h"

/* "2024-03-10 06:45:00" (UTC) as a time_t. */
static time_t utc(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!strptime(s, "%Y-%m-%d %H:%M:%S", &tm))
		return -1;
	return timegm(&tm);
}

static const char *show(time_t t)
{
	static char buf[64];
	struct tm tm;
	if (t < 0)
		return "never";
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static void next_is(const char *tz, const char *expr, const char *after, const char *want)
{
	setenv("TZ", tz, 1);
	tzset();
	struct cron c;
	char why[160];
	if (cron_parse(expr, &c, why, sizeof why) < 0) {
		ok(0, "'%s' parses: %s", expr, why);
		return;
	}
	is_str(show(cron_next(&c, utc(after))), want, "%s '%s' after %s UTC", tz, expr, after);
}

static void bad(const char *expr, const char *want)
{
	struct cron c;
	char why[160] = "";
	int r = cron_parse(expr, &c, why, sizeof why);
	ok(r == -1, "'%s' is refused", expr);
	is_str(why, want, "with the reason");
}

int main(void)
{
	plan_no_plan();
	/* fields and forms, in UTC */
	next_is("UTC", "*/15 * * * *", "2024-05-01 10:07:30", "2024-05-01 10:15:00");
	next_is("UTC", "*/15 * * * *", "2024-05-01 10:15:00", "2024-05-01 10:30:00");
	next_is("UTC", "*/10 * * * * *", "2024-05-01 10:00:05", "2024-05-01 10:00:10");
	next_is("UTC", "0 3 * * *", "2024-05-01 03:00:00", "2024-05-02 03:00:00");
	next_is("UTC", "10-40/10 * * * *", "2024-05-01 10:35:00", "2024-05-01 10:40:00");
	next_is("UTC", "7/20 * * * *", "2024-05-01 10:28:00", "2024-05-01 10:47:00");
	next_is("UTC", "0 9 * * MON", "2024-06-02 12:00:00", "2024-06-03 09:00:00");
	next_is("UTC", "0 9 * * 7", "2024-06-03 12:00:00", "2024-06-09 09:00:00");
	next_is("UTC", "0 9 * * sat,sun", "2024-06-03 12:00:00", "2024-06-08 09:00:00");
	next_is("UTC", "0 0 1 jan-mar *", "2024-03-05 00:00:00", "2025-01-01 00:00:00");
	next_is("UTC", "0 0 13 * 5", "2024-01-01 00:00:00", "2024-09-13 00:00:00");
	next_is("UTC", "? * * * *", "2024-05-01 10:07:30", "2024-05-01 10:08:00");
	next_is("UTC", "@hourly", "2024-05-01 10:07:30", "2024-05-01 11:00:00");
	next_is("UTC", "@weekly", "2024-05-01 10:07:30", "2024-05-05 00:00:00");
	/* month ends and leap years */
	next_is("UTC", "0 0 31 * *", "2024-01-31 00:00:00", "2024-03-31 00:00:00");
	next_is("UTC", "0 0 L * *", "2024-02-15 00:00:00", "2024-02-29 00:00:00");
	next_is("UTC", "0 0 L * *", "2023-02-15 00:00:00", "2023-02-28 00:00:00");
	next_is("UTC", "0 0 L * *", "2024-04-30 00:00:00", "2024-05-31 00:00:00");
	next_is("UTC", "0 0 29 2 *", "2025-01-01 00:00:00", "2028-02-29 00:00:00");
	next_is("UTC", "59 23 * * *", "2024-12-31 23:59:00", "2025-01-01 23:59:00");
	next_is("UTC", "0 0 1 1 *", "2024-06-01 00:00:00", "2025-01-01 00:00:00");
	next_is("UTC", "0 0 30 2 *", "2024-01-01 00:00:00", "never");
	/* local time: New York is UTC-5 in winter, UTC-4 in summer */
	next_is("America/New_York", "0 3 * * *", "2024-06-01 12:00:00", "2024-06-02 07:00:00");
	/* 2024-03-10 02:00 EST the clocks go to 03:00 EDT: 02:30 does not exist
	 * and fires at 03:30 EDT, once */
	next_is("America/New_York", "30 2 * * *", "2024-03-10 05:00:00", "2024-03-10 07:30:00");
	next_is("America/New_York", "30 2 * * *", "2024-03-10 07:30:00", "2024-03-11 06:30:00");
	next_is("America/New_York", "*/30 * * * *", "2024-03-10 06:45:00", "2024-03-10 07:00:00");
	next_is("America/New_York", "*/30 * * * *", "2024-03-10 07:00:00", "2024-03-10 07:30:00");
	/* 2024-11-03 02:00 EDT the clocks go back to 01:00 EST: 01:30 occurs
	 * twice and fires at the first */
	next_is("America/New_York", "30 1 * * *", "2024-11-03 04:00:00", "2024-11-03 05:30:00");
	next_is("America/New_York", "30 1 * * *", "2024-11-03 05:30:00", "2024-11-04 06:30:00");
	next_is("America/New_York", "0 * * * *", "2024-11-03 05:00:00", "2024-11-03 07:00:00");

	bad("* * * *", "'* * * *' has 4 fields: cron takes 5 (minute hour day month weekday) or 6 "
	    "(second first)");
	bad("61 * * * *", "minute field '61': out of range (0 to 59)");
	bad("* * * * * * *", "'* * * * * * *' has 7 fields: cron takes 5 (minute hour day month "
	    "weekday) or 6 (second first)");
	bad("*/0 * * * *", "minute field '*/0': a step must be a number from 1 to the field's "
	    "largest value");
	bad("5-1 * * * *", "minute field '5-1': a range must go from low to high");
	bad("* * * foo *", "month field 'foo': expected a number, a name, * or ?");
	bad("* * 0 * *", "day of month field '0': out of range (1 to 31)");
	bad("1;2 * * * *", "minute field '1;2': unexpected character");
	return done_testing();
}
