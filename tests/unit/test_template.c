/* Templates: JSON-safe substitution, nested fields, missing fields, and
 * ${VAR} expansion from the environment. */
#include <stdlib.h>

#include "tap.h"
#include "template.h"

static const char item_text[] =
	"{\"id\":7,\"text\":\"say \\\"hi\\\"\\n\\\\ \\u00e9 </script>\",\"n\":1.5,"
	"\"ok\":true,\"none\":null,\"meta\":{\"lang\":\"fr\",\"deep\":{\"x\":[1,2]}}}";

static const struct { const char *tpl; const char *want; } renders[] = {
	{ "plain text", "plain text" },
	{ "", "" },
	{ "{\"content\": {{item.text}}}",
	  "{\"content\": \"say \\\"hi\\\"\\n\\\\ \xc3\xa9 </script>\"}" },
	{ "{{item.id}}", "7" },
	{ "{{ item.n }}", "1.5" },
	{ "{{item.ok}}/{{item.none}}", "true/null" },
	{ "{{item.meta.lang}}", "\"fr\"" },
	{ "{{item.meta.deep}}", "{\"x\":[1,2]}" },
	{ "{{item.meta.deep.x}}", "[1,2]" },
	{ "[{{item.id}},{{item.id}}]", "[7,7]" },
	{ "{\"a\":{\"b\":1}}", "{\"a\":{\"b\":1}}" },   /* braces that are not placeholders */
};

static const struct { const char *tpl; const char *cause_has; } render_fails[] = {
	{ "{{item.nope}}", "item has no field \"nope\"" },
	{ "x {{item.meta.nope}}", "{{item.meta.nope}}: item has no field \"nope\"" },
	{ "{{item.text.x}}", "is not an object" },
	{ "{{item.meta.deep.x.y}}", "is not an object" },
};

static const char *const compile_fails[] = {
	"{{item", "{{items}}", "{{ other.x }}", "{{item..x}}", "{{item.}}", "{{}}", "{{item.a b}}",
};

int main(void)
{
	cJSON *item = cJSON_Parse(item_text);
	ok(item != NULL, "item parses");
	for (size_t i = 0; i < sizeof renders / sizeof renders[0]; i++) {
		struct template *t = NULL;
		char *cause = NULL, *out = NULL;
		size_t len = 0;
		int rc = template_compile(renders[i].tpl, &t, &cause);
		if (rc == 0)
			rc = template_render(t, item, &out, &len, &cause);
		is_str(out, renders[i].want, "render %s", renders[i].tpl);
		if (rc == 0)
			is_int(len, strlen(renders[i].want), "length of %s", renders[i].tpl);
		else
			diag("cause: %s", cause);
		free(out);
		free(cause);
		template_free(t);
	}

	/* Whatever the text, the rendered body is valid JSON with the same text. */
	{
		struct template *t = NULL;
		char *out = NULL;
		size_t len;
		ok(template_compile("{\"c\":{{item.text}}}", &t, NULL) == 0, "compile body");
		ok(template_render(t, item, &out, &len, NULL) == 0, "render body");
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
		ok(template_render(t, item, &out, &len, NULL) == 0, "render {{item}}");
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
		int rc = template_render(t, item, &out, &len, &cause);
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
	return done_testing();
}
