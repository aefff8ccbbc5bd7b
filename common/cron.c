/* Cron expressions: parsing into bit sets, and the next local time that
 * matches (cron.h). */
#include "cron.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
	"sep", "oct", "nov", "dec" };
static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

struct field {
	const char *what;        /* for messages */
	int lo, hi;
	const char *const *names;
	int n_names;
	int name_base;           /* the value of names[0] */
};

static const struct field fields[6] = {
	{ "second", 0, 59, NULL, 0, 0 },
	{ "minute", 0, 59, NULL, 0, 0 },
	{ "hour", 0, 23, NULL, 0, 0 },
	{ "day of month", 1, 31, NULL, 0, 0 },
	{ "month", 1, 12, months, 12, 1 },
	{ "day of week", 0, 7, days, 7, 0 },
};

/* A number or a name at *p (moved past it); -1 when neither. */
static int value(const char **p, const struct field *f)
{
	const char *s = *p;
	if (*s >= '0' && *s <= '9') {
		int v = 0;
		while (*s >= '0' && *s <= '9' && v < 1000)
			v = v * 10 + (*s++ - '0');
		*p = s;
		return v;
	}
	for (int i = 0; i < f->n_names; i++)
		if (strncasecmp(s, f->names[i], 3) == 0) {
			*p = s + 3;
			return f->name_base + i;
		}
	return -1;
}

static int field_error(char *why, size_t n, const struct field *f, const char *text,
    const char *msg)
{
	snprintf(why, n, "%s field '%s': %s", f->what, text, msg);
	return -1;
}

/* One field's text into bits (bit v for each value v). */
static int parse_field(const char *text, const struct field *f, uint64_t *bits, char *why,
    size_t n)
{
	const char *p = text;
	*bits = 0;
	for (;;) {
		int a, b, step = 1;
		if (*p == '*' || *p == '?') {
			a = f->lo;
			b = f->hi;
			p++;
		} else {
			if ((a = value(&p, f)) < 0)
				return field_error(why, n, f, text, "expected a number, a name, * or ?");
			b = a;
			if (*p == '-') {
				p++;
				if ((b = value(&p, f)) < 0)
					return field_error(why, n, f, text, "a range needs an end");
			}
		}
		if (*p == '/') {
			p++;
			if ((step = value(&p, f)) <= 0 || step > f->hi + 1)
				return field_error(why, n, f, text, "a step must be a number from 1 to the "
				    "field's largest value");
			/* "7/15" runs from 7 to the end, as croner reads it */
			if (a == b)
				b = f->hi;
		}
		if (a < f->lo || b > f->hi) {
			char msg[64];
			snprintf(msg, sizeof msg, "out of range (%d to %d)", f->lo, f->hi);
			return field_error(why, n, f, text, msg);
		}
		if (a > b)
			return field_error(why, n, f, text, "a range must go from low to high");
		for (int v = a; v <= b; v += step)
			*bits |= 1ULL << v;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return field_error(why, n, f, text, "unexpected character");
		p++;
	}
}

static const struct {
	const char *name, *expr;
} nicknames[] = {
	{ "@yearly", "0 0 0 1 1 *" }, { "@annually", "0 0 0 1 1 *" },
	{ "@monthly", "0 0 0 1 * *" }, { "@weekly", "0 0 0 * * 0" },
	{ "@daily", "0 0 0 * * *" }, { "@midnight", "0 0 0 * * *" }, { "@hourly", "0 0 * * * *" },
};

int cron_parse(const char *expr, struct cron *c, char *why, size_t n)
{
	char buf[256];
	char *part[7];
	int np = 0;
	memset(c, 0, sizeof *c);
	while (*expr == ' ' || *expr == '\t')
		expr++;
	for (size_t i = 0; i < sizeof nicknames / sizeof *nicknames; i++)
		if (strcasecmp(expr, nicknames[i].name) == 0)
			expr = nicknames[i].expr;
	if (strlen(expr) >= sizeof buf) {
		snprintf(why, n, "too long");
		return -1;
	}
	strcpy(buf, expr);
	for (char *s = buf; *s && np < 7;) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (!*s)
			break;
		part[np++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	if (np < 5 || np > 6) {
		snprintf(why, n, "'%s' has %d fields: cron takes 5 (minute hour day month weekday) "
		    "or 6 (second first)", expr, np);
		return -1;
	}
	const char *text[6];
	text[0] = np == 6 ? part[0] : "0";
	for (int i = 0; i < 5; i++)
		text[i + 1] = part[i + (np == 6)];
	uint64_t bits[6];
	for (int i = 0; i < 6; i++) {
		if (i == 3 && strcasecmp(text[3], "L") == 0) {
			c->last_dom = 1;
			bits[3] = ~0ULL;
			continue;
		}
		if (parse_field(text[i], &fields[i], &bits[i], why, n) < 0)
			return -1;
	}
	if (bits[5] & (1ULL << 7))
		bits[5] |= 1;
	c->sec = bits[0];
	c->min = bits[1];
	c->hour = (uint32_t)bits[2];
	c->dom = (uint32_t)bits[3];
	c->mon = (uint16_t)bits[4];
	c->dow = (uint8_t)(bits[5] & 0x7f);
	return 0;
}

/* ---- the next time ---- */

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* 0 Sunday .. 6 Saturday (Sakamoto's method). */
static int weekday(int y, int m, int d)
{
	static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
	if (m < 3)
		y--;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

static int day_matches(const struct cron *c, int y, int m, int d)
{
	if (!(c->mon & (1u << m)) || !(c->dow & (1u << weekday(y, m, d))))
		return 0;
	return c->last_dom ? d == month_days(y, m) : (c->dom >> d) & 1;
}

/* The first h:mi:s at or after *h:*mi:*s that matches; 0 when the day has
 * none left. */
static int first_time(const struct cron *c, int *h, int *mi, int *s)
{
	for (int hh = *h; hh < 24; hh++) {
		if (!((c->hour >> hh) & 1))
			continue;
		for (int mm = hh == *h ? *mi : 0; mm < 60; mm++) {
			if (!((c->min >> mm) & 1))
				continue;
			for (int ss = hh == *h && mm == *mi ? *s : 0; ss < 60; ss++)
				if ((c->sec >> ss) & 1) {
					*h = hh;
					*mi = mm;
					*s = ss;
					return 1;
				}
		}
	}
	return 0;
}

/* The instant local wall time y-m-d h:mi:s stands for, after `after`: of
 * its two readings when clocks go back, the first one later than after;
 * in the gap when they go forward, the time shifted by the gap. -1 when
 * neither reading is later than after. */
static time_t wall_to_time(int y, int m, int d, int h, int mi, int s, time_t after)
{
	time_t best = -1, shifted = -1;
	for (int dst = 0; dst <= 1; dst++) {
		struct tm x = { 0 }, back;
		x.tm_year = y - 1900;
		x.tm_mon = m - 1;
		x.tm_mday = d;
		x.tm_hour = h;
		x.tm_min = mi;
		x.tm_sec = s;
		x.tm_isdst = dst;
		time_t r = mktime(&x);
		if (r == (time_t)-1 || !localtime_r(&r, &back))
			continue;
		int exact = back.tm_year == y - 1900 && back.tm_mon == m - 1 && back.tm_mday == d &&
		    back.tm_hour == h && back.tm_min == mi && back.tm_sec == s;
		if (exact && r > after && (best < 0 || r < best))
			best = r;
		if (!exact && r > shifted)
			shifted = r;
	}
	if (best >= 0)
		return best;
	return shifted > after ? shifted : -1;
}

time_t cron_next(const struct cron *c, time_t after)
{
	time_t t = after + 1;
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return -1;
	int y = tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday;
	int h = tm.tm_hour, mi = tm.tm_min, s = tm.tm_sec;
	for (int i = 0; i < 366 * 8 + 2; i++) {
		if (day_matches(c, y, m, d)) {
			while (first_time(c, &h, &mi, &s)) {
				time_t r = wall_to_time(y, m, d, h, mi, s, after);
				if (r >= 0)
					return r;
				/* this reading is past: the next second of the day */
				if (++s == 60) {
					s = 0;
					if (++mi == 60) {
						mi = 0;
						if (++h == 24)
							break;
					}
				}
			}
		}
		h = mi = s = 0;
		if (++d > month_days(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	return -1;
}
