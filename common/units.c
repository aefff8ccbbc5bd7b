/* Durations and sizes as users write them, parsed strictly and without
 * overflow, and short forms of both for status tables. libc-only. */
#include "units.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

struct unit {
	const char *name;
	long long mult;
};

static const struct unit duration_units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 60 * 60 * 1000 },
	{ "d", 24LL * 60 * 60 * 1000 },
	{ NULL, 0 },
};

/* Sizes are powers of 1024, as pm2's max_memory_restart reads them. "B",
 * "KB", "KiB" and lower-case letters are accepted too: people write all of them. */
static const struct unit size_units[] = {
	{ "b", 1 },
	{ "k", 1024 }, { "kb", 1024 }, { "kib", 1024 },
	{ "m", 1024 * 1024 }, { "mb", 1024 * 1024 }, { "mib", 1024 * 1024 },
	{ "g", 1024LL * 1024 * 1024 }, { "gb", 1024LL * 1024 * 1024 }, { "gib", 1024LL * 1024 * 1024 },
	{ "t", 1024LL * 1024 * 1024 * 1024 }, { "tb", 1024LL * 1024 * 1024 * 1024 },
	{ "tib", 1024LL * 1024 * 1024 * 1024 },
	{ NULL, 0 },
};

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int unit_eq(const char *a, const char *b, int fold)
{
	for (; *a && *b; a++, b++)
		if ((fold ? ascii_lower((unsigned char)*a) : *a) != *b)
			return 0;
	return *a == *b;
}

/* NUMBER[.FRACTION][UNIT]: digits, an optional fraction (a unit is then
 * needed, "1.5s"), an optional unit from the table; nothing else, no
 * spaces, no sign other than a leading '-' reported as "negative". The
 * fraction is exact to the unit's smallest part: "1.5s" is 1500. */
static int parse_scaled(const char *s, const struct unit *units, int fold,
    long long *out, const char **why)
{
	const char *p = s;
	long long whole = 0, mult = 1;
	const char *frac = NULL;
	size_t nfrac = 0;

	if (!s || !*s) {
		*why = "missing number";
		return -1;
	}
	if (*p == '-') {
		*why = "negative";
		return -1;
	}
	if (*p == '+')
		p++;
	if (*p < '0' || *p > '9') {
		*why = "missing number";
		return -1;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > (LLONG_MAX - (*p - '0')) / 10) {
			*why = "too large";
			return -1;
		}
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		frac = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		nfrac = (size_t)(p - frac);
		if (nfrac == 0) {
			*why = "missing digits after '.'";
			return -1;
		}
	}
	if (*p) {
		const struct unit *u;
		for (u = units; u->name; u++)
			if (unit_eq(p, u->name, fold))
				break;
		if (!u->name) {
			*why = units == duration_units ?
			    "unknown unit (use ms, s, m, h or d)" :
			    "unknown unit (use B, K, M, G or T)";
			return -1;
		}
		mult = u->mult;
	} else if (frac) {
		*why = "a fraction needs a unit (\"1.5s\")";
		return -1;
	}
	if (whole > LLONG_MAX / mult) {
		*why = "too large";
		return -1;
	}
	long long v = whole * mult;
	if (frac) {
		/* value of the fraction in units of 1/mult, truncated: digits past
		 * the unit's resolution cannot change the result. */
		long long part = 0, scale = 1;
		for (size_t i = 0; i < nfrac && scale <= LLONG_MAX / 10 / mult; i++) {
			part = part * 10 + (frac[i] - '0');
			scale *= 10;
		}
		long long add = part * mult / scale;
		if (v > LLONG_MAX - add) {
			*why = "too large";
			return -1;
		}
		v += add;
	}
	*out = v;
	return 0;
}

int units_parse_duration_ms(const char *s, long long *ms, const char **why)
{
	const char *dummy;
	return parse_scaled(s, duration_units, 0, ms, why ? why : &dummy);
}

int units_parse_size(const char *s, long long *bytes, const char **why)
{
	const char *dummy;
	return parse_scaled(s, size_units, 1, bytes, why ? why : &dummy);
}

void units_format_duration(long long ms, char *buf, size_t n)
{
	if (!buf || n == 0)
		return;
	if (ms < 0)
		ms = 0;
	long long s = ms / 1000;
	if (s < 60)
		snprintf(buf, n, "%llds", s);
	else if (s < 60 * 60)
		snprintf(buf, n, "%lldm", s / 60);
	else if (s < 24 * 60 * 60)
		snprintf(buf, n, "%lldh", s / 3600);
	else
		snprintf(buf, n, "%lldD", s / 86400);
}

void units_format_size(long long bytes, char *buf, size_t n)
{
	static const char suffix[] = "KMGTPE";
	if (!buf || n == 0)
		return;
	if (bytes < 0)
		bytes = 0;
	if (bytes < 1024) {
		snprintf(buf, n, "%lldB", bytes);
		return;
	}
	/* Pick the unit, then print whole and tenths (truncated) in integers:
	 * no overflow for any long long. */
	int u = 0;
	long long div = 1024;
	while (u < 5 && bytes / div >= 1024) {
		div *= 1024;
		u++;
	}
	long long whole = bytes / div;
	long long tenths = (bytes % div) / (div / 10);
	if (tenths > 9)
		tenths = 9;
	if (whole >= 100 || tenths == 0) {
		/* round to nearest for the short form */
		if ((bytes % div) * 2 >= div && whole < 1023)
			whole++;
		snprintf(buf, n, "%lld%c", whole, suffix[u]);
	} else {
		snprintf(buf, n, "%lld.%lld%c", whole, tenths, suffix[u]);
	}
}
