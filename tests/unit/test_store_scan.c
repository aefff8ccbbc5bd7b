/* store_scan_line against cJSON: every line it reads, cJSON reads the same
 * way (the same id, kind and priority); what it leaves, it leaves whole.
 * Fixed cases, then random lines built from JSON's pieces. */
#include "store_scan.h"
#include "tap.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What cJSON makes of line, as store_load reads it: 1 with *out filled
 * (the id in out->id, malloc'd), or 0 when it refuses the line. */
static int by_cjson(const char *line, const char *id_field, const char *prio_field,
    struct store_scan *out)
{
	const char *end = NULL;
	size_t len = strlen(line);
	cJSON *j = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	int ok = 0;
	if (!j || (size_t)(end - line) != len || !cJSON_IsObject(j))
		goto out;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, id_field);
	const cJSON *p = prio_field ? cJSON_GetObjectItemCaseSensitive(j, prio_field) : NULL;
	memset(out, 0, sizeof *out);
	if (cJSON_IsString(id) && id->valuestring[0]) {
		out->id = xstrdup(id->valuestring);
	} else if (cJSON_IsNumber(id) && isfinite(id->valuedouble) &&
	    id->valuedouble == floor(id->valuedouble) && fabs(id->valuedouble) <= 9007199254740992.0) {
		out->id_int = 1;
		out->id_value = (long long)id->valuedouble;
		out->id = xasprintf("%lld", out->id_value);
	} else {
		goto out;
	}
	if (p && !cJSON_IsNull(p)) {
		if (!cJSON_IsNumber(p) || p->valuedouble != floor(p->valuedouble)) {
			free((char *)out->id);
			goto out;
		}
		out->priority = (long long)p->valuedouble;
	}
	ok = 1;
out:
	cJSON_Delete(j);
	return ok;
}

/* Returns 1 when the scan accepted line; a failed check is reported. */
static int agree(const char *line, const char *id_field, const char *prio_field, int quiet)
{
	struct store_scan sc, cj;
	int got = store_scan_line(line, strlen(line), id_field, prio_field, &sc);
	if (!got)
		return 0;
	int want = by_cjson(line, id_field, prio_field, &cj);
	char *id = sc.id_int ? xasprintf("%lld", sc.id_value) : xasprintf("%.*s", (int)sc.id_len, sc.id);
	int same = want && strcmp(id, cj.id) == 0 && sc.id_int == cj.id_int &&
	    sc.priority == cj.priority;
	if (!same || !quiet)
		ok(same, "read as cJSON does: %s", line);
	if (want)
		free((char *)cj.id);
	free(id);
	return 1;
}

static void test_fixed(void)
{
	static const char *const taken[] = {
		"{\"id\":\"i1\",\"text\":\"item 1\"}",
		"{ \"text\" : [1, 2.5, -3e4, true, false, null, {\"a\": {}}], \"id\" : \"x\" }",
		"{\"id\":42,\"p\":7}",
		"{\"id\":-9,\"p\":null}",
		"{\"id\":\"a\",\"id\":\"b\"}",
		"{\"id\":\"caf\xc3\xa9\",\"t\":\"\\u00e9\\n\\\"\"}",
		"{\"id\":123456789012345}",
		"{\"p\":-2,\"id\":\"z\",\"q\":{\"id\":1}}",
	};
	static const char *const left[] = {
		"{\"id\":\"a\\u0062\"}",                   /* escaped id */
		"{\"i\\u0064\":\"a\"}",                    /* escaped key */
		"{\"id\":1.0}", "{\"id\":1e2}", "{\"id\":-0}",
		"{\"id\":1234567890123456}",               /* 16 digits */
		"{\"id\":\"\"}", "{}", "[1]", "\"s\"",
		"{\"id\":\"a\"} x", "{\"id\":\"a\",}", "{\"id\":01}",
		"{\"id\":\"a\",\"t\":\"\\ud800\"}",         /* lone surrogate */
		"{\"id\":\"a\",\"t\":\"\\x\"}",
		"{\"id\":\"a\",\"n\":1234567890123456789012345678901234567890123456789012345678901234}",
		"{\"id\":\"a\",\"p\":\"high\"}", "{\"id\":\"a\",\"p\":1.5}",
		"{\"id\":true}", "{\"id\":null}", "{\"id\":{\"a\":1}}",
		"{\"id\":\"a\",\"t\":\"tab\there\"}",
	};
	for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
		ok(agree(taken[i], "id", "p", 0), "and taken by the scan");
	for (size_t i = 0; i < sizeof left / sizeof left[0]; i++) {
		struct store_scan sc;
		is_int(store_scan_line(left[i], strlen(left[i]), "id", "p", &sc), 0,
		    "left to cJSON: %s", left[i]);
	}
	struct store_scan sc;
	is_int(store_scan_line("{\"id\":5}", 8, "id", "id", &sc), 0,
	    "left to cJSON when the id is the priority too");
}

/* Random lines from JSON's pieces, some of them broken: the scan never
 * reads one otherwise than cJSON. */
static void test_random(void)
{
	static const char *const piece[] = {
		"{", "}", "[", "]", ",", ":", " ", "\"id\"", "\"p\"", "\"t\"", "\"a\\\"b\"",
		"\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "0", "-0", "12", "-3", "1.5",
		"2e3", "1E+2", "01", "-", "true", "false", "null", "nul", "\"\"", "\"x\"",
		"999999999999999", "9999999999999999", "\"\\n\"", "\"\\q\"", "\t",
	};
	size_t n = sizeof piece / sizeof piece[0];
	int taken = 0, bad = 0;
	srand(12);
	for (int i = 0; i < 200000; i++) {
		char line[512] = "{\"id\":";
		int parts = 1 + rand() % 12;
		if (rand() % 4 == 0)
			line[0] = '\0';
		for (int k = 0; k < parts && strlen(line) < 400; k++)
			strcat(line, piece[(size_t)rand() % n]);
		if (rand() % 2)
			strcat(line, "}");
		int before = bad;
		struct store_scan sc, cj;
		if (store_scan_line(line, strlen(line), "id", "p", &sc)) {
			taken++;
			int want = by_cjson(line, "id", "p", &cj);
			char *id = sc.id_int ? xasprintf("%lld", sc.id_value) :
			    xasprintf("%.*s", (int)sc.id_len, sc.id);
			if (!want || strcmp(id, cj.id) != 0 || sc.id_int != cj.id_int ||
			    sc.priority != cj.priority)
				bad++;
			if (want)
				free((char *)cj.id);
			free(id);
		}
		if (bad != before && bad <= 5)
			diag("read otherwise than cJSON: %s", line);
	}
	is_int(bad, 0, "200,000 random lines: the scan reads none otherwise than cJSON");
	ok(taken > 1000, "and it took many of them itself (%d)", taken);
}

int main(void)
{
	test_fixed();
	test_random();
	return done_testing();
}
