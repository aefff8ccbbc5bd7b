/* JSON output helpers of the job store: strings escaped for export lines,
 * and results kept as valid JSON whatever the engine hands over. */
#include "store_backend.h"
#include "jsonesc.h"
#include "utf8.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Writes the len bytes at p as a JSON string (ill-formed UTF-8 as
 * U+FFFD: a byte that is not UTF-8 would make the line unreadable to
 * every JSON parser). */
static void write_bytes(FILE *out, const unsigned char *p, size_t len)
{
	char *e = xmalloc(JSON_ESCAPED_MAX(len) + 2);
	size_t n = 0;
	e[n++] = '"';
	n += json_escape(e + n, (const char *)p, len);
	e[n++] = '"';
	fwrite(e, 1, n, out);
	free(e);
}

void store_json_write_string(FILE *out, const char *s)
{
	write_bytes(out, (const unsigned char *)s, strlen(s));
}

/* A copy of the len bytes at s (invalid UTF-8 first at bad) with each
 * ill-formed part replaced by U+FFFD. JSON's structure is ASCII, so in a
 * JSON text they are inside strings, and the text stays the same JSON. */
static char *utf8_scrub(const char *s, size_t len, size_t bad)
{
	char *out = xmalloc(bad + (len - bad) * 3 + 1);
	memcpy(out, s, bad);
	size_t o = bad, i = bad;
	while (i < len) {
		int n = utf8_decode((const unsigned char *)s + i, len - i, NULL);
		if (n < 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += (size_t)-n;
		} else {
			memcpy(out + o, s + i, (size_t)n);
			o += (size_t)n;
			i += (size_t)n;
		}
	}
	out[o] = '\0';
	return out;
}

const char *store_json_result(const char *result, char **owned)
{
	*owned = NULL;
	if (!result)
		return NULL;
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(result, &end, 1);
	if (j) {
		cJSON_Delete(j);
		size_t len = strlen(result);
		long bad = utf8_invalid_at(result, len);
		return bad < 0 ? result : (*owned = utf8_scrub(result, len, (size_t)bad));
	}
	/* Not JSON: keep the text, as a JSON string, so export stays valid. */
	return *owned = store_json_quote(result);
}

char *store_json_quote(const char *s)
{
	return store_json_quote_bytes(s, strlen(s));
}

char *store_json_quote_bytes(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	if (!m)
		return xstrdup("null");
	write_bytes(m, (const unsigned char *)s, len);
	if (fclose(m) != 0) {
		free(buf);
		return xstrdup("null");
	}
	return buf;
}

int store_json_integer(const cJSON *v, long long *out)
{
	if (!cJSON_IsNumber(v))
		return 0;
	double d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
		return 0;
	*out = (long long)d;
	return 1;
}
