/* Durations and sizes: what parses, what is refused and why, formatting. */
#include <limits.h>
#include <string.h>

#include "tap.h"
#include "units.h"

struct pcase {
	const char *in;
	long long want;          /* -1: must fail */
	const char *why;         /* prefix of the reason when failing */
};

static const struct pcase durations[] = {
	{ "0", 0, NULL }, { "1500", 1500, NULL }, { "500ms", 500, NULL },
	{ "2s", 2000, NULL }, { "5m", 300000, NULL }, { "1h", 3600000, NULL },
	{ "1d", 86400000, NULL }, { "1.5s", 1500, NULL }, { "0.25h", 900000, NULL },
	{ "+3s", 3000, NULL }, { "1.0001s", 1000, NULL },
	{ "9223372036854775807", LLONG_MAX, NULL },
	{ "", -1, "missing number" }, { "s", -1, "missing number" },
	{ "-1s", -1, "negative" }, { "2x", -1, "unknown unit" },
	{ "2 s", -1, "unknown unit" }, { "2S", -1, "unknown unit" },
	{ "1.5", -1, "a fraction needs a unit" }, { "1.s", -1, "missing digits" },
	{ ".5s", -1, "missing number" }, { "1e3", -1, "unknown unit" },
	{ "9223372036854775808", -1, "too large" }, { "106751991167301d", -1, "too large" },
	{ "99999999999999999999999ms", -1, "too large" },
};

static const struct pcase sizes[] = {
	{ "0", 0, NULL }, { "512", 512, NULL }, { "512K", 524288, NULL },
	{ "512k", 524288, NULL }, { "200M", 209715200, NULL }, { "1G", 1073741824, NULL },
	{ "1GB", 1073741824, NULL }, { "1GiB", 1073741824, NULL }, { "10b", 10, NULL },
	{ "1.5K", 1536, NULL }, { "2T", 2199023255552LL, NULL },
	{ "", -1, "missing number" }, { "M", -1, "missing number" }, { "-1M", -1, "negative" },
	{ "1Q", -1, "unknown unit" }, { "1 M", -1, "unknown unit" },
	{ "9999999999T", -1, "too large" }, { "1.5", -1, "a fraction needs a unit" },
};

struct fcase {
	long long v;
	const char *want;
};

static const struct fcase fdur[] = {
	{ -5, "0s" }, { 0, "0s" }, { 999, "0s" }, { 45000, "45s" }, { 59999, "59s" },
	{ 60000, "1m" }, { 12 * 60000 + 5000, "12m" }, { 3 * 3600000LL, "3h" },
	{ 2 * 86400000LL + 5, "2D" }, { LLONG_MAX, "106751991167D" },
};

static const struct fcase fsize[] = {
	{ -1, "0B" }, { 0, "0B" }, { 1023, "1023B" }, { 1024, "1K" }, { 524288, "512K" },
	{ 12897485, "12.3M" }, { 1610612736, "1.5G" }, { 1073741824, "1G" },
	{ 150 * 1048576 + 600000, "151M" }, { LLONG_MAX, "7.9E" },
};

int main(void)
{
	size_t nd = sizeof durations / sizeof *durations, ns = sizeof sizes / sizeof *sizes;
	size_t nfd = sizeof fdur / sizeof *fdur, nfs = sizeof fsize / sizeof *fsize;
	plan((int)(nd + ns + nfd + nfs + 3));

	for (size_t i = 0; i < nd + ns; i++) {
		const struct pcase *c = i < nd ? &durations[i] : &sizes[i - nd];
		long long v = -7;
		const char *why = NULL;
		int r = i < nd ? units_parse_duration_ms(c->in, &v, &why) :
		    units_parse_size(c->in, &v, &why);
		if (c->want >= 0)
			ok(r == 0 && v == c->want, "%s '%s' = %lld (got %d, %lld)",
			    i < nd ? "duration" : "size", c->in, c->want, r, v);
		else
			ok(r == -1 && v == -7 && why && strncmp(why, c->why, strlen(c->why)) == 0,
			    "%s '%s' refused: %s (got %d, '%s')", i < nd ? "duration" : "size",
			    c->in, c->why, r, why ? why : "(null)");
	}
	for (size_t i = 0; i < nfd; i++) {
		char buf[32];
		units_format_duration(fdur[i].v, buf, sizeof buf);
		is_str(buf, fdur[i].want, "format duration %lld", fdur[i].v);
	}
	for (size_t i = 0; i < nfs; i++) {
		char buf[32];
		units_format_size(fsize[i].v, buf, sizeof buf);
		is_str(buf, fsize[i].want, "format size %lld", fsize[i].v);
	}
	char small[3];
	units_format_size(1610612736, small, sizeof small);
	is_str(small, "1.", "format truncates within the buffer");
	units_format_duration(45000, small, 1);
	is_str(small, "", "a 1-byte buffer gets only the NUL");
	long long v;
	ok(units_parse_duration_ms(NULL, &v, NULL) == -1, "NULL input and NULL why are safe");
	return tap_failed ? 1 : 0;
}
