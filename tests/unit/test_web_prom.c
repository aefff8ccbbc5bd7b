/* The Prometheus text writer: HELP and TYPE lines, types, label escaping,
 * names refused, and values (integers, fractions, NaN, infinities). */
#include "web_prom.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>

static char *value(double v)
{
	struct buf b = {0};
	prom_value(&b, v);
	return buf_take(&b, NULL);
}

int main(void)
{
	struct buf b = {0};
	is_int(prom_family(&b, "psup_app_restarts_total", PROM_COUNTER, "Restarts.\nSecond \\ line"), 0,
	    "family: a valid name is written");
	is_str(b.p, "# HELP psup_app_restarts_total Restarts.\\nSecond \\\\ line\n"
	    "# TYPE psup_app_restarts_total counter\n", "family: HELP escaped, TYPE counter");
	buf_clear(&b);
	prom_family(&b, "psup_apps", PROM_GAUGE, "Apps.");
	is_str(b.p, "# HELP psup_apps Apps.\n# TYPE psup_apps gauge\n", "family: TYPE gauge");
	buf_clear(&b);
	is_int(prom_family(&b, "9bad", PROM_GAUGE, "x"), -1, "family: a name starting with a digit is refused");
	is_int(prom_family(&b, "bad-name", PROM_GAUGE, "x"), -1, "family: a dash is refused");
	is_int((long long)b.len, 0, "family: nothing written for a refused name");

	const char *lab[] = { "app", "we\"ird\\na\nme", "group", "g", NULL };
	is_int(prom_sample(&b, "psup_app_memory_bytes", lab, 1048576), 0, "sample: written");
	is_str(b.p, "psup_app_memory_bytes{app=\"we\\\"ird\\\\na\\nme\",group=\"g\"} 1048576\n",
	    "sample: quote, backslash and newline escaped in label values");
	buf_clear(&b);
	prom_sample(&b, "psup_apps", NULL, 3);
	is_str(b.p, "psup_apps 3\n", "sample: no labels, no braces");
	buf_clear(&b);
	const char *empty[] = { NULL };
	prom_sample(&b, "psup_apps", empty, 3);
	is_str(b.p, "psup_apps 3\n", "sample: an empty label list, no braces");
	buf_clear(&b);
	const char *badlab[] = { "bad-label", "x", NULL };
	is_int(prom_sample(&b, "psup_apps", badlab, 1), -1, "sample: a bad label name is refused");
	const char *reserved[] = { "__name__", "x", NULL };
	is_int(prom_sample(&b, "psup_apps", reserved, 1), -1, "sample: a reserved label name is refused");
	const char *colon[] = { "a:b", "x", NULL };
	is_int(prom_sample(&b, "psup_apps", colon, 1), -1, "sample: a colon in a label name is refused");
	ok(prom_name_valid("psup:rate_5m", 0), "names: a colon is fine in a metric name");
	is_int((long long)b.len, 0, "sample: nothing written when refused");
	buf_free(&b);

	static const struct { double v; const char *want; } vals[] = {
		{ 0, "0" }, { 42, "42" }, { -7, "-7" }, { 1.5, "1.5" }, { 0.1, "0.1" },
		{ 1e18, "1e+18" }, { 2.0 / 3.0, "0.666666666666667" },
	};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		char *got = value(vals[i].v);
		is_str(got, vals[i].want, "value %s", vals[i].want);
		free(got);
	}
	char *s = value(NAN);
	is_str(s, "NaN", "value NaN");
	free(s);
	s = value(INFINITY);
	is_str(s, "+Inf", "value +Inf");
	free(s);
	s = value(-INFINITY);
	is_str(s, "-Inf", "value -Inf");
	free(s);
	return done_testing();
}
