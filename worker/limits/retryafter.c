/* Rate-limit header parsing. Hand-written scanners (no sscanf/strptime):
 * each accepts exactly its format and rejects the rest. */
#include "retryafter.h"

#include <string.h>
#include <time.h>

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* After a '.', reads the digits of a fraction as thousandths, rounded up
 * so that we never come back early (".0001" is 1, ".9999" is 1000).
 * Returns 0, or -1 when no digit follows. */
static int fraction_ms(const char **sp, int64_t *thousandths)
{
	const char *s = *sp;
	int64_t v = 0;
	int scale = 100, rest = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (scale)
			v += (*s - '0') * scale;
		else if (*s != '0')
			rest = 1;
		scale /= 10;
	}
	if (s == *sp)
		return -1;
	*thousandths = v + rest;
	*sp = s;
	return 0;
}

/* Reads exactly n digits. */
static int digits(const char **sp, int n, int *out)
{
	const char *s = *sp;
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	*sp = s + n;
	return 0;
}

/* Reads 1..n digits. */
static int digits_upto(const char **sp, int n, int *out)
{
	const char *s = *sp;
	int v = 0, i = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		v = v * 10 + (s[i] - '0');
		i++;
	}
	if (i == 0)
		return -1;
	*out = v;
	*sp = s + i;
	return 0;
}

static int expect(const char **sp, char c)
{
	if (**sp != c)
		return -1;
	(*sp)++;
	return 0;
}

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int month_parse(const char **sp, int *mon)
{
	for (int i = 0; i < 12; i++)
		if (strncmp(*sp, months[i], 3) == 0) {
			*mon = i;
			*sp += 3;
			return 0;
		}
	return -1;
}

static int hms_parse(const char **sp, struct tm *tm)
{
	if (digits(sp, 2, &tm->tm_hour) < 0 || expect(sp, ':') < 0 ||
	    digits(sp, 2, &tm->tm_min) < 0 || expect(sp, ':') < 0 ||
	    digits(sp, 2, &tm->tm_sec) < 0)
		return -1;
	if (tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60)
		return -1;
	return 0;
}

static int tm_to_ms(struct tm *tm, int64_t *unix_ms)
{
	if (tm->tm_mday < 1 || tm->tm_mday > 31)
		return -1;
	time_t t = timegm(tm);
	if (t == (time_t)-1)
		return -1;
	*unix_ms = (int64_t)t * 1000;
	return 0;
}

int retryafter_http_date(const char *value, int64_t *unix_ms)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *s = skip_ws(value);
	const char *comma = strchr(s, ',');
	if (comma && comma - s <= 9) {
		s = skip_ws(comma + 1);
		if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] == '-') {
			/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
			int yy;
			if (digits(&s, 2, &tm.tm_mday) < 0 || expect(&s, '-') < 0 ||
			    month_parse(&s, &tm.tm_mon) < 0 || expect(&s, '-') < 0 ||
			    digits(&s, 2, &yy) < 0 || expect(&s, ' ') < 0)
				return -1;
			tm.tm_year = yy < 70 ? yy + 100 : yy;
		} else {
			/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
			int year;
			if (digits(&s, 2, &tm.tm_mday) < 0 || expect(&s, ' ') < 0 ||
			    month_parse(&s, &tm.tm_mon) < 0 || expect(&s, ' ') < 0 ||
			    digits(&s, 4, &year) < 0 || expect(&s, ' ') < 0)
				return -1;
			tm.tm_year = year - 1900;
		}
		if (hms_parse(&s, &tm) < 0)
			return -1;
		s = skip_ws(s);
		if (strncmp(s, "GMT", 3) != 0 && strncmp(s, "UTC", 3) != 0)
			return -1;
		s = skip_ws(s + 3);
	} else {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		int year;
		if (strlen(s) < 4 || s[3] != ' ')
			return -1;
		s += 4;
		if (month_parse(&s, &tm.tm_mon) < 0 || expect(&s, ' ') < 0)
			return -1;
		s = skip_ws(s);
		if (digits_upto(&s, 2, &tm.tm_mday) < 0 || expect(&s, ' ') < 0 ||
		    hms_parse(&s, &tm) < 0 || expect(&s, ' ') < 0 ||
		    digits(&s, 4, &year) < 0)
			return -1;
		tm.tm_year = year - 1900;
		s = skip_ws(s);
	}
	if (*s != '\0')
		return -1;
	return tm_to_ms(&tm, unix_ms);
}

int retryafter_parse(const char *value, int64_t now_ms, int64_t *delay_ms)
{
	const char *s = skip_ws(value);
	if (*s >= '0' && *s <= '9') {
		int64_t v = 0;
		while (*s >= '0' && *s <= '9') {
			if (v > 100000000)
				return -1;
			v = v * 10 + (*s++ - '0');
		}
		/* Some servers send fractions ("1.5"); take them, rounded up. */
		int64_t frac_ms = 0;
		if (*s == '.') {
			s++;
			if (fraction_ms(&s, &frac_ms) < 0)
				return -1;
		}
		s = skip_ws(s);
		if (*s != '\0')
			return -1;
		*delay_ms = v * 1000 + frac_ms;
		return 0;
	}
	int64_t at;
	if (retryafter_http_date(value, &at) < 0)
		return -1;
	*delay_ms = at > now_ms ? at - now_ms : 0;
	return 0;
}

int retryafter_go_duration(const char *value, int64_t *ms)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 },
		{ "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	const char *s = skip_ws(value);
	double total_ns = 0;
	if (*s == '+')
		s++;
	if (strcmp(skip_ws(s), "0") == 0) {
		*ms = 0;
		return 0;
	}
	if (*s == '\0')
		return -1;
	while (*s && *s != ' ' && *s != '\t') {
		double v = 0;
		int any = 0;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (*s++ - '0');
			any = 1;
		}
		if (*s == '.') {
			s++;
			double scale = 0.1;
			while (*s >= '0' && *s <= '9') {
				v += (*s++ - '0') * scale;
				scale /= 10;
				any = 1;
			}
		}
		if (!any)
			return -1;
		size_t best = 0;
		double mult = 0;
		/* Longest unit that matches: "ms" before "m", "s". */
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t n = strlen(units[i].unit);
			if (n > best && strncmp(s, units[i].unit, n) == 0) {
				best = n;
				mult = units[i].ns;
			}
		}
		if (!best)
			return -1;
		s += best;
		total_ns += v * mult;
		if (total_ns > 1e18)
			return -1;
	}
	if (*skip_ws(s) != '\0')
		return -1;
	int64_t whole = (int64_t)(total_ns / 1e6);
	if ((double)whole * 1e6 < total_ns)
		whole++;
	*ms = whole;
	return 0;
}

int retryafter_rfc3339(const char *value, int64_t *unix_ms)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *s = skip_ws(value);
	int year;
	if (digits(&s, 4, &year) < 0 || expect(&s, '-') < 0 ||
	    digits(&s, 2, &tm.tm_mon) < 0 || expect(&s, '-') < 0 ||
	    digits(&s, 2, &tm.tm_mday) < 0)
		return -1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (hms_parse(&s, &tm) < 0)
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12)
		return -1;
	tm.tm_mon -= 1;
	tm.tm_year = year - 1900;
	int64_t frac_ms = 0;
	if (*s == '.') {
		s++;
		if (fraction_ms(&s, &frac_ms) < 0)
			return -1;
	}
	int64_t off_min = 0;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1, oh, om;
		s++;
		if (digits(&s, 2, &oh) < 0 || expect(&s, ':') < 0 || digits(&s, 2, &om) < 0 ||
		    oh > 23 || om > 59)
			return -1;
		off_min = sign * (oh * 60 + om);
	} else {
		return -1;
	}
	if (*skip_ws(s) != '\0')
		return -1;
	int64_t base;
	if (tm_to_ms(&tm, &base) < 0)
		return -1;
	*unix_ms = base + frac_ms - off_min * 60000;
	return 0;
}

static int remaining_zero(const char *v)
{
	if (!v)
		return -1; /* unknown */
	v = skip_ws(v);
	return v[0] == '0' && (*skip_ws(v + 1) == '\0');
}

/* A count of milliseconds, a fraction rounded up. Returns 0 or -1. */
static int parse_ms(const char *v, int64_t *ms)
{
	const char *s = skip_ws(v);
	int64_t n = 0;
	int any = 0;
	while (*s >= '0' && *s <= '9' && n < 100000000000LL) {
		n = n * 10 + (*s++ - '0');
		any = 1;
	}
	int64_t frac;
	if (*s == '.') {
		/* fractional milliseconds: round up */
		s++;
		if (fraction_ms(&s, &frac) == 0 && frac > 0)
			n++;
	}
	if (!any)
		return -1;
	*ms = n;
	return 0;
}

int retryafter_hold_ms(const struct ratelimit_headers *h, int64_t now_ms, int64_t *delay_ms)
{
	int64_t d;
	if ((h->retry_after_ms && parse_ms(h->retry_after_ms, delay_ms) == 0) ||
	    (h->ms_retry_after_ms && parse_ms(h->ms_retry_after_ms, delay_ms) == 0))
		return 1;
	if (h->retry_after && retryafter_parse(h->retry_after, now_ms, &d) == 0) {
		*delay_ms = d;
		return 1;
	}
	return 0;
}

int retryafter_interval_ms(const struct ratelimit_headers *h, int64_t *delay_ms)
{
	/* OpenAI and Azure name it x-ratelimit-limit-requests, Anthropic
	 * anthropic-ratelimit-requests-limit */
	const char *text = h->limit_requests ? h->limit_requests : h->anthropic_limit[0];
	int64_t limit;
	if (!text || parse_ms(text, &limit) < 0 || limit <= 0)
		return 0;
	*delay_ms = (60000 + limit - 1) / limit;
	return 1;
}

int retryafter_exhausted_ms(const struct ratelimit_headers *h, int64_t *delay_ms)
{
	const char *resets[2] = { h->reset_requests, h->reset_tokens };
	const char *rem[2] = { h->remaining_requests, h->remaining_tokens };
	int found = 0;
	int64_t best = 0, d;
	for (int i = 0; i < 2; i++) {
		if (remaining_zero(rem[i]) != 1 || !resets[i] ||
		    retryafter_go_duration(resets[i], &d) < 0)
			continue;
		if (!found || d > best)
			best = d;
		found = 1;
	}
	if (found)
		*delay_ms = best;
	return found;
}
