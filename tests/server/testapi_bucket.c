/* Continuous-refill token buckets and the providers' time formats (see
 * testapi_bucket.h). Pure: no clock, no locks; the caller serialises. */
#include "testapi_bucket.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_PER_MIN 60e9

void bucket_init(struct bucket *b, double per_min, int64_t now_ns)
{
	bucket_init_window(b, per_min, 60, now_ns);
}

void bucket_init_window(struct bucket *b, double per_min, double window_s, int64_t now_ns)
{
	double size = per_min * window_s / 60;
	b->per_min = per_min;
	b->capacity = size > 1 ? size : 1;
	b->level = b->capacity;
	b->t_ns = now_ns;
}

void bucket_refill(struct bucket *b, int64_t now_ns)
{
	if (now_ns <= b->t_ns)
		return;
	b->level += (double)(now_ns - b->t_ns) * b->per_min / NS_PER_MIN;
	if (b->level > b->capacity)
		b->level = b->capacity;
	b->t_ns = now_ns;
}

int bucket_take(struct bucket *b, double n, int64_t now_ns)
{
	bucket_refill(b, now_ns);
	if (b->level < n)
		return 0;
	b->level -= n;
	return 1;
}

void bucket_charge(struct bucket *b, double n, int64_t now_ns)
{
	bucket_refill(b, now_ns);
	b->level -= n;
}

double bucket_remaining(const struct bucket *b)
{
	return b->level > 0 ? floor(b->level) : 0;
}

/* Time to refill from the current level up to want (rounded up to a ns). */
static int64_t time_to(const struct bucket *b, double want)
{
	if (b->level >= want || b->per_min <= 0)
		return 0;
	return (int64_t)ceil((want - b->level) * NS_PER_MIN / b->per_min);
}

int64_t bucket_full_in(const struct bucket *b)
{
	return time_to(b, b->capacity);
}

int64_t bucket_wait(const struct bucket *b, double n)
{
	return time_to(b, n < b->capacity ? n : b->capacity);
}

double bucket_tokens_of(size_t len)
{
	return (double)((len + 3) / 4);
}

/* Appends v / 10^digits as "I[.F]" with F's trailing zeros dropped. */
static size_t put_fixed(char *p, size_t n, uint64_t v, int digits)
{
	uint64_t scale = 1, frac;
	char f[24];
	int i, w;

	for (i = 0; i < digits; i++)
		scale *= 10;
	frac = v % scale;
	w = snprintf(p, n, "%" PRIu64, v / scale);
	if (frac && digits) {
		snprintf(f, sizeof(f), "%0*" PRIu64, digits, frac);
		for (i = digits; i > 0 && f[i - 1] == '0'; i--)
			f[i - 1] = '\0';
		w += snprintf(p + w, n > (size_t)w ? n - (size_t)w : 0, ".%s", f);
	}
	return (size_t)w;
}

char *bucket_fmt_duration(int64_t ns, char *buf, size_t n)
{
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	uint64_t h, m, s;
	size_t w = 0;

	if (n == 0)
		return buf;
	if (ns < 0)
		w += (size_t)snprintf(buf, n, "-");
	if (u == 0) {
		snprintf(buf, n, "0s");
	} else if (u < 1000) {
		snprintf(buf + w, n - w, "%" PRIu64 "ns", u);
	} else if (u < 1000000) {
		w += put_fixed(buf + w, n - w, u, 3);
		snprintf(buf + w, n > w ? n - w : 0, "µs");
	} else if (u < 1000000000) {
		w += put_fixed(buf + w, n - w, u, 6);
		snprintf(buf + w, n > w ? n - w : 0, "ms");
	} else {
		s = u / 1000000000;
		h = s / 3600;
		m = s / 60 % 60;
		if (h)
			w += (size_t)snprintf(buf + w, n > w ? n - w : 0, "%" PRIu64 "h", h);
		if (h || m)
			w += (size_t)snprintf(buf + w, n > w ? n - w : 0, "%" PRIu64 "m", m);
		w += put_fixed(buf + w, n > w ? n - w : 0, u % 60000000000ULL, 9);
		snprintf(buf + w, n > w ? n - w : 0, "s");
	}
	return buf;
}

char *bucket_fmt_rfc3339(int64_t real_ms, char *buf, size_t n)
{
	time_t t = (time_t)((real_ms + 999) / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}
