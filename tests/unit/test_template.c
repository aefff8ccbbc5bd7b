/* Templates: JSON-safe substitution, nested fields, missing fields, the
 * filters (number, json, string) that turn a spreadsheet's string cells
 * into what an API wants, and ${VAR} expansion from the environment. */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "tap.h"
#include "template.h"

static const char item_text[] =
	"{\"id\":7,\"text\":\"say \\\"hi\\\"\\n\\\\ \\u00e9 </script>\",\"n\":1.5,"
	"\"ok\":true,\"none\":null,\"meta\":{\"lang\":\"fr\",\"deep\":{\"x\":[1,2]}}}";

static const struct { const char *tpl; const char *want; } renders[] = {
	{ "plain text", "plain text" },
	{ "", "" },
	{ "{\"content\": {{item.text}}}",
	  "{\"content\": \"say \\\"hi\\\"\\n\\\\ \\u00e9 </script>\"}" },
	{ "{{item.id}}", "7" },
	{ "{{ item.n }}", "1.5" },
	{ "{{item.ok}}/{{item.none}}", "true/null" },
	{ "{{item.meta.lang}}", "\"fr\"" },
	{ "{{item.meta.deep}}", "{\"x\":[1,2]}" },
	{ "{{item.meta.deep.x}}", "[1,2]" },
	{ "[{{item.id}},{{item.id}}]", "[7,7]" },
	{ "{\"a\":{\"b\":1}}", "{\"a\":{\"b\":1}}" },   /* braces that are not placeholders */
	/* inside a string of the template: the value as the string's content */
	{ "{\"content\": \"Define: {{item.meta.lang}}!\"}", "{\"content\": \"Define: fr!\"}" },
	{ "\"{{item.text}}\"", "\"say \\\"hi\\\"\\n\\\\ \\u00e9 </script>\"" },
	{ "\"n={{item.n}} ok={{item.ok}} none={{item.none}}\"", "\"n=1.5 ok=true none=null\"" },
	{ "\"deep: {{item.meta.deep}}\"", "\"deep: {\\\"x\\\":[1,2]}\"" },
	{ "\"say \\\"{{item.id}}\\\"\"", "\"say \\\"7\\\"\"" },   /* an escaped quote ends nothing */
	{ "{\"a\": \"x\", \"b\": {{item.id}}}", "{\"a\": \"x\", \"b\": 7}" }, /* after a string */
	{ "{\"{{item.meta.lang}}\": {{item.meta.lang}}}", "{\"fr\": \"fr\"}" },
	{ "\"\\\\\" {{item.id}}", "\"\\\\\" 7" },   /* an escaped backslash, then the end */
};

static const struct { const char *tpl; const char *cause_has; } render_fails[] = {
	{ "{{item.nope}}", "item has no field \"nope\"" },
	{ "x {{item.meta.nope}}", "{{item.meta.nope}}: item has no field \"nope\"" },
	{ "{{item.text.x}}", "is not an object" },
	{ "{{item.meta.deep.x.y}}", "is not an object" },
};

static const char *const compile_fails[] = {
	"{{item", "{{items}}", "{{ other.x }}", "{{item..x}}", "{{item.}}", "{{}}", "{{item.a b}}",
	"{{ | number}}",
};

/* What a body written as YAML takes for the value itself. */
static void test_is_placeholder(void)
{
	static const struct { const char *s; int want; } t[] = {
		{ "{{item.x}}", 1 }, { "{{ item }}", 1 }, { "{{item.a.b}}", 1 },
		{ " {{item.x}}", 0 }, { "{{item.x}} ", 0 }, { "x {{item.x}}", 0 },
		{ "{{item.x}}{{item.y}}", 0 }, { "{{other}}", 0 }, { "{{item.x}", 0 },
		{ "{{}}", 0 }, { "", 0 }, { "{{item.x | number}}", 1 }, { "{{ item.x|json }}", 1 },
		{ "{{item.x | nope}}", 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		is_int(template_is_placeholder(t[i].s), t[i].want, "'%s' is %sa placeholder alone",
		    t[i].s, t[i].want ? "" : "not ");
}

/* An item as a CSV row loads: every value a string. */
static const char row_text[] =
	"{\"id\":\"7\",\"budget\":\"300\",\"temp\":\" 0.5 \",\"n\":12,\"ok\":true,"
	"\"bad\":\"1,000\",\"empty\":\"\",\"zeros\":\"007\",\"tags\":\"[\\\"a\\\", \\\"b\\\"]\","
	"\"obj\":\"{\\\"k\\\": {\\\"x\\\": 1}}\",\"cut\":\"[1,\",\"trail\":\"[1] x\","
	"\"text\":\"hi \\\"there\\\"\",\"long\":\"0123456789012345678901234567890123456789xyz\","
	"\"wide\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9\xc3\xa9\"}";

/* Compiles tpl and renders it for item: returns as template_render does,
 * or -1 with *cause when tpl does not compile. */
static int compile_render(const char *tpl, const char *item, char **out, char **cause)
{
	struct template *t = NULL;
	size_t len = 0;
	int rc = template_compile(tpl, &t, cause);
	if (rc == 0)
		rc = template_render(t, item, strlen(item), out, &len, cause);
	template_free(t);
	return rc;
}

static void test_filters(void)
{
	static const struct { const char *tpl, *want; } good[] = {
		{ "{\"max_tokens\": {{item.budget | number}}}", "{\"max_tokens\": 300}" },
		{ "{{item.temp|number}}", "0.5" },
		{ "{{ item.n | number }}", "12" },
		{ "{{item.tags | json}}", "[\"a\",\"b\"]" },
		{ "{{item.obj | json}}", "{\"k\":{\"x\":1}}" },
		{ "{{item.n | json}}", "12" },
		{ "{{item.id | string}}", "\"7\"" },
		{ "{{item.n | string}}", "\"12\"" },
		{ "{{item.ok | string}}", "\"true\"" },
		{ "{{item.text | string}}", "\"hi \\\"there\\\"\"" },
		{ "\"max {{item.budget | number}} tokens\"", "\"max 300 tokens\"" },
		{ "\"tags: {{item.tags | json}}\"", "\"tags: [\\\"a\\\",\\\"b\\\"]\"" },
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		char *cause = NULL, *out = NULL;
		if (compile_render(good[i].tpl, row_text, &out, &cause) < 0)
			diag("cause: %s", cause);
		is_str(out, good[i].want, "filter: %s", good[i].tpl);
		free(out);
		free(cause);
	}
	static const struct { const char *tpl, *cause; } bad[] = {
		{ "{{item.bad | number}}", "{{item.bad | number}}: \"1,000\" is not a number" },
		{ "{{item.empty | number}}", "{{item.empty | number}}: \"\" is not a number" },
		{ "{{item.zeros | number}}", "{{item.zeros | number}}: \"007\" is not a number" },
		{ "{{item.ok | number}}", "{{item.ok | number}}: true is not a number" },
		{ "{{item.cut | json}}", "{{item.cut | json}}: \"[1,\" is not JSON text" },
		{ "{{item.trail | json}}", "{{item.trail | json}}: \"[1] x\" is not JSON text" },
		{ "{{item.text | json}}", "is not JSON text" },
		{ "{{item.long | number}}", ": \"012345678901234567890123456789012345678... is not a number" },
		{ "{{item.wide | number}}", ": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... is not a number" },
		{ "{{item.nope | number}}", "item has no field \"nope\"" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *cause = NULL, *out = NULL;
		int rc = compile_render(bad[i].tpl, row_text, &out, &cause);
		ok(rc == -1 && !out && cause && strstr(cause, bad[i].cause), "%s fails: %s", bad[i].tpl,
		    cause ? cause : "(none)");
		free(out);
		free(cause);
	}
	static const char *const unknown[] = { "{{item.x | nope}}", "{{item.x |}}", "{{item.x | Number}}" };
	for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
		struct template *t = NULL;
		char *cause = NULL;
		ok(template_compile(unknown[i], &t, &cause) == -1 && cause &&
		    strstr(cause, "unknown filter in ") && strstr(cause, "| number, | json or | string"),
		    "%s: %s", unknown[i], cause ? cause : "(none)");
		free(cause);
	}
}

int main(void)
{
	test_is_placeholder();
	test_filters();
	cJSON *item = cJSON_Parse(item_text);
	ok(item != NULL, "item parses");
	for (size_t i = 0; i < sizeof renders / sizeof renders[0]; i++) {
		struct template *t = NULL;
		char *cause = NULL, *out = NULL;
		size_t len = 0;
		int rc = template_compile(renders[i].tpl, &t, &cause);
		if (rc == 0)
			rc = template_render(t, item_text, strlen(item_text), &out, &len, &cause);
		is_str(out, renders[i].want, "render %s", renders[i].tpl);
		if (rc == 0)
			is_int(len, strlen(renders[i].want), "length of %s", renders[i].tpl);
		else
			diag("cause: %s", cause);
		free(out);
		free(cause);
		template_free(t);
	}

	/* A prompt around the item's text: valid JSON, the text intact in it. */
	{
		struct template *t = NULL;
		char *out = NULL;
		size_t len;
		ok(template_compile("{\"messages\": [{\"role\": \"user\", \"content\": "
		    "\"Define \\\"{{item.text}}\\\" in {{item.meta.lang}}.\"}]}", &t, NULL) == 0,
		    "compile a prompt");
		ok(template_render(t, item_text, strlen(item_text), &out, &len, NULL) == 0,
		    "render it");
		cJSON *back = cJSON_Parse(out);
		const cJSON *c = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(back,
		    "messages"), 0), "content");
		char *want = NULL;
		if (asprintf(&want, "Define \"%s\" in fr.", cJSON_GetStringValue(cJSON_GetObjectItem(item,
		    "text"))) < 0)
			want = NULL;
		is_str(cJSON_GetStringValue(c), want, "the prompt reads back with the text in it");
		free(want);
		cJSON_Delete(back);
		free(out);
		template_free(t);
	}

	/* Whatever the text, the rendered body is valid JSON with the same text. */
	{
		struct template *t = NULL;
		char *out = NULL;
		size_t len;
		ok(template_compile("{\"c\":{{item.text}}}", &t, NULL) == 0, "compile body");
		ok(template_render(t, item_text, strlen(item_text), &out, &len, NULL) == 0, "render body");
		cJSON *back = cJSON_Parse(out);
		cJSON *c = cJSON_GetObjectItem(back, "c");
		is_str(cJSON_GetStringValue(c), cJSON_GetStringValue(cJSON_GetObjectItem(item, "text")),
		    "the text survives a JSON round trip");
		cJSON_Delete(back);
		free(out);
		template_free(t);
	}
	{
		struct template *t = NULL;
		char *out = NULL;
		size_t len;
		template_compile("{{item}}", &t, NULL);
		ok(template_render(t, item_text, strlen(item_text), &out, &len, NULL) == 0, "render {{item}}");
		cJSON *back = cJSON_Parse(out);
		ok(cJSON_Compare(back, item, 1), "{{item}} is the whole item");
		cJSON_Delete(back);
		free(out);
		template_free(t);
	}

	for (size_t i = 0; i < sizeof render_fails / sizeof render_fails[0]; i++) {
		struct template *t = NULL;
		char *cause = NULL, *out = NULL;
		size_t len;
		ok(template_compile(render_fails[i].tpl, &t, &cause) == 0, "compile %s", render_fails[i].tpl);
		int rc = template_render(t, item_text, strlen(item_text), &out, &len, &cause);
		ok(rc == -1 && out == NULL && cause && strstr(cause, render_fails[i].cause_has),
		    "%s fails: %s", render_fails[i].tpl, cause ? cause : "(none)");
		free(cause);
		template_free(t);
	}
	for (size_t i = 0; i < sizeof compile_fails / sizeof compile_fails[0]; i++) {
		struct template *t = NULL;
		char *cause = NULL;
		ok(template_compile(compile_fails[i], &t, &cause) == -1 && t == NULL && cause,
		    "%s does not compile: %s", compile_fails[i], cause ? cause : "(none)");
		free(cause);
	}

	setenv("PSUP_T_KEY", "sk-secret", 1);
	setenv("PSUP_T_HOST", "127.0.0.1:9", 1);
	static const struct { const char *in, *want; } envs[] = {
		{ "Bearer ${PSUP_T_KEY}", "Bearer sk-secret" },
		{ "http://${PSUP_T_HOST}/v1", "http://127.0.0.1:9/v1" },
		{ "${PSUP_T_KEY}${PSUP_T_KEY}", "sk-secretsk-secret" },
		{ "cost $5 and $HOME", "cost $5 and $HOME" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
		char *out = NULL, *cause = NULL;
		template_expand_env(envs[i].in, "test", &out, &cause);
		is_str(out, envs[i].want, "expand %s", envs[i].in);
		free(out);
		free(cause);
	}
	unsetenv("PSUP_T_MISSING");
	char *out = NULL, *cause = NULL;
	ok(template_expand_env("Bearer ${PSUP_T_MISSING}", "header Authorization", &out, &cause) == -1,
	    "an unset variable is an error");
	is_str(cause, "header Authorization: environment variable PSUP_T_MISSING is not set",
	    "the message names the variable");
	free(cause);
	cause = NULL;
	int rc = template_expand_env("x ${1BAD}", "url", &out, &cause);
	ok(rc == -1 && cause, "bad name: %s", cause ? cause : "(none)");
	free(cause);
	cause = NULL;
	rc = template_expand_env("x ${OPEN", "url", &out, &cause);
	ok(rc == -1 && cause, "unclosed: %s", cause ? cause : "(none)");
	free(cause);
	cJSON_Delete(item);
	/* Any valid JSON string is carried intact, U+0000 included: the
	 * field's own text goes in, never a C string cut at its NUL. */
	static const struct { const char *item, *tpl, *want; } raws[] = {
		{ "{\"text\":\"a\\u0000b\"}", "{\"c\":{{item.text}}}", "{\"c\":\"a\\u0000b\"}" },
		{ "{\"text\":\"\\u0000\"}", "{{item.text}}", "\"\\u0000\"" },
		{ "{\"text\":\"\\ud83d\\ude00 \\/ \\t\"}", "{{item.text}}", "\"\\ud83d\\ude00 \\/ \\t\"" },
		{ "{ \"m\" : { \"a\" : [ 1, \"x y\" ] } }", "{{item.m}}", "{\"a\":[1,\"x y\"]}" },
		{ "{\"te\\u0078t\":\"escaped name\"}", "{{item.text}}", "\"escaped name\"" },
		{ "{\"a\\u0000b\":1,\"a\":2}", "{{item.a}}", "2" },
		{ "{\"k\":1,\"k\":2}", "{{item.k}}", "1" },
		{ "{\"s\":\"}{][\\\"\",\"t\":3}", "{{item.t}}", "3" },
	};
	for (size_t i = 0; i < sizeof raws / sizeof raws[0]; i++) {
		struct template *t = NULL;
		char *r_out = NULL, *r_cause = NULL;
		size_t len = 0;
		template_compile(raws[i].tpl, &t, NULL);
		int r_rc = template_render(t, raws[i].item, strlen(raws[i].item), &r_out, &len, &r_cause);
		is_str(r_out, raws[i].want, "%s of %s", raws[i].tpl, raws[i].item);
		ok(r_rc == 0 && len == strlen(raws[i].want), "... its length %zu", len);
		free(r_out);
		free(r_cause);
		template_free(t);
	}
	/* The NUL survives a real decoder: the rendered string is "a", NUL, "b". */
	{
		struct template *t = NULL;
		char *r_out = NULL;
		size_t len;
		static const char nul_item[] = "{\"text\":\"a\\u0000b\"}";
		template_compile("{{item.text}}", &t, NULL);
		template_render(t, nul_item, strlen(nul_item), &r_out, &len, NULL);
		ok(r_out && strcmp(r_out, "\"a\\u0000b\"") == 0 && strstr(r_out, "b"),
		    "\"a\\u0000b\" is sent whole, not as \"a\": %s", r_out ? r_out : "(null)");
		free(r_out);
		template_free(t);
	}
	{
		struct template *t = NULL;
		char *r_out = NULL, *r_cause = NULL;
		size_t len;
		template_compile("{{item.x}}", &t, NULL);
		ok(template_render(t, "{\"x\":", 5, &r_out, &len, &r_cause) == -1 && r_out == NULL &&
		    r_cause && strstr(r_cause, "not valid JSON"), "a cut item fails: %s", r_cause ? r_cause : "(none)");
		free(r_cause);
		template_free(t);
	}
	return done_testing();
}
