/* The daemon's streaming writer for big replies: valid JSON, escapes,
 * commas, numbers as cJSON reads them back. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tap.h"
#include "jsonw.h"

static void test_jw(void)
{
	struct jw w;
	jw_init(&w);
	jw_obj(&w, NULL);
	jw_bool(&w, "ok", 1);
	jw_arr(&w, "apps");
	jw_obj(&w, NULL);
	jw_str(&w, "name", "a\"b\\c\n\x01");
	jw_int(&w, "started_at", 1763912345678LL);
	jw_dbl(&w, "cpu", 12.34);
	jw_dbl(&w, "neg", -0.46);
	jw_dbl(&w, "whole", 3.0);
	jw_null(&w, "exit_code");
	jw_str(&w, "source", NULL);
	jw_arr(&w, "empty");
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_obj(&w, NULL);
	jw_int(&w, "id", 2);
	jw_end_obj(&w);
	jw_end_arr(&w);
	jw_end_obj(&w);
	size_t len;
	char *s = jw_finish(&w, &len);
	is_str(s, "{\"ok\":true,\"apps\":[{\"name\":\"a\\\"b\\\\c\\n\\u0001\",\"started_at\":1763912345678,"
	    "\"cpu\":12.3,\"neg\":-0.5,\"whole\":3,\"exit_code\":null,\"source\":null,\"empty\":[]},{\"id\":2}]}",
	    "jw writes compact JSON with escapes and commas");
	cJSON *o = cJSON_ParseWithLength(s, len);
	ok(o != NULL, "cJSON reads it back");
	cJSON *a0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "apps"), 0);
	is_str(cJSON_GetObjectItem(a0, "name")->valuestring, "a\"b\\c\n\x01", "the string survives");
	ok(cJSON_GetObjectItem(a0, "started_at")->valuedouble == 1763912345678.0, "a large integer survives");
	cJSON_Delete(o);
	free(s);
}

/* Numbers written without printf, and strings escaped a chunk at a time
 * (one longer than a chunk, with escapes across its edges). */
static void test_values(void)
{
	struct jw w;
	jw_init(&w);
	jw_arr(&w, NULL);
	jw_int(&w, NULL, 0);
	jw_int(&w, NULL, -7);
	jw_int(&w, NULL, 9223372036854775807LL);
	jw_int(&w, NULL, -9223372036854775807LL - 1);
	jw_dbl(&w, NULL, 0.04);
	jw_dbl(&w, NULL, -0.04);
	jw_dbl(&w, NULL, -1.0);
	jw_dbl(&w, NULL, 199.96);
	char long_s[300];
	for (int i = 0; i < 299; i++)
		long_s[i] = i % 61 == 0 ? '"' : (char)('a' + i % 26);
	long_s[299] = '\0';
	jw_str(&w, NULL, long_s);
	jw_str(&w, NULL, "");
	jw_end_arr(&w);
	size_t len;
	char *s = jw_finish(&w, &len);
	ok(strncmp(s, "[0,-7,9223372036854775807,-9223372036854775808,0,0,-1,200,\"", 59) == 0,
	    "integers and tenths (%.60s)", s);
	cJSON *o = cJSON_ParseWithLength(s, len);
	ok(o != NULL, "cJSON reads it back");
	is_str(cJSON_GetArrayItem(o, 8) ? cJSON_GetArrayItem(o, 8)->valuestring : "", long_s,
	    "a string longer than a chunk survives");
	is_str(cJSON_GetArrayItem(o, 9) ? cJSON_GetArrayItem(o, 9)->valuestring : "x", "",
	    "so does an empty one");
	is_int((long long)len, (long long)strlen(s), "the length is the text's");
	cJSON_Delete(o);
	free(s);
}

/* Multi-byte UTF-8 that straddles the writer's chunks goes out whole,
 * not as two ill-formed halves. */
static void test_utf8_chunks(void)
{
	for (int at = 58; at <= 66; at++) {
		char in[128];
		memset(in, 'x', sizeof in);
		memcpy(in + at, "\xf0\x9f\x98\x80\xc3\xa9", 6); /* U+1F600, U+00E9 */
		in[100] = '\0';
		struct jw w;
		jw_init(&w);
		jw_str(&w, NULL, in);
		size_t len;
		char *s = jw_finish(&w, &len);
		ok(len == 102 && memcmp(s + 1, in, 100) == 0, "a sequence at byte %d is kept whole", at);
		free(s);
	}
}

int main(void)
{
	test_jw();
	test_values();
	test_utf8_chunks();
	return done_testing();
}
