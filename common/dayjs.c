/* day.js format tokens (dayjs.h), read as day.js reads them: the longest
 * token at each place, [brackets] for literal text. */
#include "dayjs.h"

#include <stdio.h>
#include <string.h>

static const char *const month_names[] = { "January", "February", "March", "April", "May",
	"June", "July", "August", "September", "October", "November", "December" };
static const char *const day_names[] = { "Sunday", "Monday", "Tuesday", "Wednesday",
	"Thursday", "Friday", "Saturday" };

struct out {
	char *buf;
	size_t n, len;
};

static void put(struct out *o, const char *s, size_t l)
{
	for (size_t i = 0; i < l && o->len + 1 < o->n; i++)
		o->buf[o->len++] = s[i];
}

static void putf(struct out *o, const char *fmt, int v)
{
	char tmp[16];
	int l = snprintf(tmp, sizeof tmp, fmt, v);
	if (l > 0)
		put(o, tmp, (size_t)l);
}

static void put_zone(struct out *o, long off, int colon)
{
	char tmp[16];
	long a = off < 0 ? -off : off;
	int l = snprintf(tmp, sizeof tmp, colon ? "%c%02ld:%02ld" : "%c%02ld%02ld",
	    off < 0 ? '-' : '+', a / 3600, (a / 60) % 60);
	if (l > 0)
		put(o, tmp, (size_t)l);
}

/* How many times c repeats at p (at most max). */
static int run(const char *p, char c, int max)
{
	int n = 0;
	while (p[n] == c && n < max)
		n++;
	return n;
}

size_t dayjs_format(const char *fmt, const struct tm *tm, int ms, char *buf, size_t n)
{
	struct out o = { buf, n, 0 };
	if (n == 0)
		return 0;
	for (const char *p = fmt; *p;) {
		int r;
		int h12 = tm->tm_hour % 12 ? tm->tm_hour % 12 : 12;
		switch (*p) {
		case '[': {
			const char *e = strchr(p + 1, ']');
			if (!e) {
				put(&o, p, strlen(p));
				p += strlen(p);
				continue;
			}
			put(&o, p + 1, (size_t)(e - p - 1));
			p = e + 1;
			continue;
		}
		case 'Y':
			r = run(p, 'Y', 4);
			if (r == 4 || r == 2)
				putf(&o, r == 4 ? "%04d" : "%02d", (tm->tm_year + 1900) % (r == 4 ? 10000 : 100));
			else
				put_zone(&o, tm->tm_gmtoff, 0); /* day.js's own fallback */
			break;
		case 'M':
			r = run(p, 'M', 4);
			if (r <= 2)
				putf(&o, r == 2 ? "%02d" : "%d", tm->tm_mon + 1);
			else
				put(&o, month_names[tm->tm_mon], r == 3 ? 3 : strlen(month_names[tm->tm_mon]));
			break;
		case 'D':
		case 'H':
		case 'h':
		case 'm':
		case 's':
			/* one letter: the number; two: padded to 2 digits */
			r = run(p, *p, 2);
			putf(&o, r == 2 ? "%02d" : "%d", *p == 'D' ? tm->tm_mday : *p == 'H' ?
			    tm->tm_hour : *p == 'h' ? h12 : *p == 'm' ? tm->tm_min : tm->tm_sec);
			break;
		case 'd':
			r = run(p, 'd', 4);
			if (r == 1)
				putf(&o, "%d", tm->tm_wday);
			else
				put(&o, day_names[tm->tm_wday], r == 4 ? strlen(day_names[tm->tm_wday])
				    : (size_t)r);
			break;
		case 'S':
			if (run(p, 'S', 3) != 3) {
				r = 1;
				put(&o, p, 1);
				break;
			}
			r = 3;
			putf(&o, "%03d", ms);
			break;
		case 'A':
		case 'a':
			r = 1;
			put(&o, tm->tm_hour < 12 ? (*p == 'A' ? "AM" : "am") : (*p == 'A' ? "PM" : "pm"), 2);
			break;
		case 'Z':
			r = run(p, 'Z', 2);
			put_zone(&o, tm->tm_gmtoff, r == 1);
			break;
		default:
			r = 1;
			put(&o, p, 1);
			break;
		}
		p += r;
	}
	buf[o.len] = '\0';
	return o.len;
}
