/* day.js format tokens as pm2's log_date_format writes them. */
#include <string.h>
#include <time.h>

#include "dayjs.h"
#include "tap.h"

static void fmt_is(const struct tm *tm, int ms, const char *fmt, const char *want)
{
	char buf[128];
	dayjs_format(fmt, tm, ms, buf, sizeof buf);
	is_str(buf, want, "'%s'", fmt);
}

int main(void)
{
	plan_no_plan();
	/* Tuesday 2024-03-05 14:07:09.042 at UTC+05:30 */
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = 124;
	tm.tm_mon = 2;
	tm.tm_mday = 5;
	tm.tm_hour = 14;
	tm.tm_min = 7;
	tm.tm_sec = 9;
	tm.tm_wday = 2;
	tm.tm_gmtoff = 5 * 3600 + 1800;
	fmt_is(&tm, 42, "YYYY-MM-DD HH:mm:ss.SSS Z", "2024-03-05 14:07:09.042 +05:30");
	fmt_is(&tm, 42, "YYYY-MM-DDTHH:mm:ss", "2024-03-05T14:07:09");
	fmt_is(&tm, 42, "YY M D H m s ZZ", "24 3 5 14 7 9 +0530");
	fmt_is(&tm, 42, "MMM MMMM", "Mar March");
	fmt_is(&tm, 42, "d dd ddd dddd", "2 Tu Tue Tuesday");
	fmt_is(&tm, 42, "h:mm A, hh a", "2:07 PM, 02 pm");
	fmt_is(&tm, 42, "[YYYY at] HH [o'clock]", "YYYY at 14 o'clock");
	fmt_is(&tm, 42, "DD/MM/YYYY, x S", "05/03/2024, x S");
	tm.tm_hour = 0;
	tm.tm_gmtoff = -4 * 3600;
	fmt_is(&tm, 7, "hh:mm:ss.SSS A Z", "12:07:09.007 AM -04:00");
	char small[8];
	size_t n = dayjs_format("YYYY-MM-DD", &tm, 0, small, sizeof small);
	is_str(small, "2024-03", "cut to fit");
	is_int((int)n, 7, "and its length");
	return done_testing();
}
