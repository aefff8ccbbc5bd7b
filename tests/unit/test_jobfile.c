/* The job file loader: every option, profiles and defaults, and bad files
 * whose every error is checked for its exact FILE:LINE:COL and key.
 * Fixtures are in tests/fixtures/job/. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobfile.h"
#include "jobfile_options.h"
#include "tap.h"
#include "xalloc.h"

#define FX "tests/fixtures/job/"

static void dump(char **errors, int n)
{
	for (int i = 0; i < n; i++)
		diag("error: %s", errors[i]);
}

static void expect_errors(const char *file, const char *const *want, int n)
{
	struct job_config jc;
	char **errors;
	int n_errors;
	int r = jobfile_load(file, &jc, &errors, &n_errors);
	ok(r == -1, "%s fails", file);
	ok(jc.url == NULL && jc.headers == NULL, "%s: nothing half-loaded", file);
	is_int(n_errors, n, "%s: %d errors", file, n);
	for (int i = 0; i < n; i++)
		is_str(i < n_errors ? errors[i] : "(missing)", want[i], "%s error %d", file, i + 1);
	if (n_errors != n)
		dump(errors, n_errors);
	jobfile_errors_free(errors, n_errors);
	jobfile_free(&jc);
}

static void test_full(void)
{
	struct job_config jc;
	char **errors;
	int n;
	int r = jobfile_load(FX "full.yaml", &jc, &errors, &n);
	ok(r == 0 && n == 0 && errors == NULL, "full.yaml loads");
	dump(errors, n);
	ok(jc.path && jc.path[0] == '/' && strstr(jc.path, "/tests/fixtures/job/full.yaml"),
	    "absolute path");
	is_str(jc.method, "POST", "method upper-cased");
	is_str(jc.url, "http://127.0.0.1:8080/v1/chat/completions", "url");
	is_int(jc.n_headers, 2, "two headers");
	if (jc.n_headers == 2) {
		is_str(jc.headers[0].name, "Content-Type", "header name");
		is_str(jc.headers[0].value, "application/json", "header value");
		is_str(jc.headers[1].value, "Bearer ${API_KEY}", "${VAR} kept for run time");
	}
	is_str(jc.body, "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": "
	    "{{item.text}}}]}", "body template");
	is_int(jc.timeout_ms, 30000, "timeout");
	is_str(jc.extract, "/choices/0/message/content", "extract");
	is_str(jc.usage, "/usage/total_tokens", "usage");
	is_int(jc.concurrency, 16, "explicit concurrency beats the profile");
	ok(jc.rpm == 3500, "rpm");
	ok(jc.tpm == 500000, "tpm");
	is_str(jc.shared, "openai", "shared");
	is_int(jc.max_attempts, 4, "max_attempts");
	is_int(jc.base_delay_ms, 500, "base_delay");
	is_int(jc.max_delay_ms, 30000, "max_delay");
	is_int(jc.lease_ms, 300000, "lease");
	is_int(jc.batch, 10, "batch");
	jobfile_free(&jc);
}

static void test_defaults(void)
{
	struct job_config jc;
	char **errors;
	int n;
	ok(jobfile_load(FX "minimal.yaml", &jc, &errors, &n) == 0, "minimal.yaml loads");
	dump(errors, n);
	is_str(jc.method, "POST", "default method");
	is_str(jc.url, "${API_URL}/v1/x", "url from the environment");
	is_int(jc.n_headers, 0, "no headers");
	ok(jc.body == NULL && jc.extract == NULL && jc.usage == NULL && jc.shared == NULL,
	    "unset strings are NULL");
	is_int(jc.timeout_ms, 30000, "default timeout");
	is_int(jc.concurrency, 16, "default concurrency");
	ok(jc.rpm == 0 && jc.tpm == 0, "unlimited by default");
	is_int(jc.max_attempts, 4, "default max_attempts");
	is_int(jc.base_delay_ms, 500, "default base_delay");
	is_int(jc.max_delay_ms, 30000, "default max_delay");
	is_int(jc.lease_ms, 300000, "default lease");
	is_int(jc.batch, 32, "default batch is 2 x concurrency");
	jobfile_free(&jc);

	ok(jobfile_load(FX "profile.yaml", &jc, &errors, &n) == 0, "profile.yaml loads");
	dump(errors, n);
	const struct job_profile *p = jobfile_profile("conservative");
	is_int(jc.concurrency, 2, "explicit concurrency over the profile");
	ok(jc.rpm == p->rpm && jc.rpm == 60, "profile rpm");
	is_int(jc.max_attempts, p->max_attempts, "profile max_attempts");
	is_int(jc.base_delay_ms, p->base_delay_ms, "profile base_delay");
	is_int(jc.max_delay_ms, p->max_delay_ms, "profile max_delay");
	is_int(jc.batch, 4, "batch follows the final concurrency");
	jobfile_free(&jc);

	/* the table's defaults agree with the default profile */
	const struct job_profile *d = jobfile_profile("default");
	size_t nopts;
	const struct job_option *o = jobfile_options(&nopts);
	for (size_t i = 0; i < nopts; i++) {
		ok(o[i].help && *o[i].help, "%s has help", o[i].name);
		if (strcmp(o[i].name, "limits.concurrency") == 0)
			is_str(o[i].def, "16", "table default concurrency");
		if (strcmp(o[i].name, "retry.max_attempts") == 0)
			ok(d->max_attempts == 4 && strcmp(o[i].def, "4") == 0, "table max_attempts");
	}
	ok(jobfile_profile("AGGRESSIVE") && jobfile_profile("nope") == NULL, "profile lookup");
}

static void test_bad(void)
{
	static const char *const bad[] = {
		FX "bad.yaml:12:3: request.retries: unknown option",
		FX "bad.yaml:21:3: limits.max_attempts: unknown option here (it belongs under retry:)",
		FX "bad.yaml:27:1: concurrency: unknown option here (it belongs under limits:)",
		FX "bad.yaml:1:10: profile: 'reckless' is not one of: conservative, default, aggressive",
		FX "bad.yaml:3:11: request.method: 'PO ST' is not an HTTP method (e.g. POST)",
		FX "bad.yaml:4:8: request.url: 'ftp://example.com/x' is not an http:// or https:// URL",
		FX "bad.yaml:6:5: request.headers: 'Bad Header' is not a header name",
		FX "bad.yaml:7:11: request.headers: the value of X-Ok holds a control character (a "
		    "newline would split the header)",
		FX "bad.yaml:9:5: request.headers: header X-Dup given twice (names ignore case)",
		FX "bad.yaml:11:12: request.timeout: 0 is out of range (1ms to 86400000ms)",
		FX "bad.yaml:14:12: response.extract: 'choices/0' is not a JSON pointer: must start "
		    "with '/' (e.g. /choices/0/message/content)",
		FX "bad.yaml:15:10: response.usage: '/a/~2' is not a JSON pointer: '~' must be followed "
		    "by 0 or 1 (~0 is '~', ~1 is '/')",
		FX "bad.yaml:17:16: limits.concurrency: 0 is out of range (1 to 10000)",
		FX "bad.yaml:18:8: limits.rpm: -1 is out of range (0 to 1e+09)",
		FX "bad.yaml:19:8: limits.tpm: expected a number, got 'lots'",
		FX "bad.yaml:20:11: limits.shared: 'open ai' is not a name (1 to 64 letters, digits, "
		    "'.', '_' or '-')",
		FX "bad.yaml:23:17: retry.max_attempts: 0 is out of range (1 to 100)",
		FX "bad.yaml:24:15: retry.base_delay: bad duration '5q': unknown unit (use ms, s, m, h "
		    "or d) (e.g. 500ms, 2s, 5m, 1h or milliseconds)",
		FX "bad.yaml:25:8: lease: 500ms is out of range (1000ms to 86400000ms)",
		FX "bad.yaml:26:8: batch: 0 is out of range (1 to 100000)",
	};
	expect_errors(FX "bad.yaml", bad, (int)(sizeof bad / sizeof *bad));

	static const char *const missing[] = {
		FX "bad-missing.yaml:2:3: request.url: missing (required)",
	};
	expect_errors(FX "bad-missing.yaml", missing, 1);

	static const char *const delay[] = {
		FX "bad-delay.yaml:5:14: retry.max_delay: max_delay (1000ms) is below base_delay "
		    "(10000ms)",
	};
	expect_errors(FX "bad-delay.yaml", delay, 1);

	struct {
		const char *text;
		const char *error;
	} cases[] = {
		{ "", "j.yaml:1:1: the file is empty (expected request:, response:, limits:, retry:)" },
		{ "- a\n", "j.yaml:1:1: expected a map of options (request:, limits:, ...), got a list" },
		{ "limits: {rpm: 1}\n", "j.yaml:1:1: request: missing (required): give request: or endpoints:" },
		{ "request:\n", "j.yaml:1:1: request: has no value" },
		{ "request: x\n", "j.yaml:1:10: request: expected a map of options, got a string" },
		{ "request:\n  url:\n", "j.yaml:2:7: request.url: has no value" },
		{ "request: {url: 'http://a b'}\n",
		  "j.yaml:1:16: request.url: holds a space or a control character (encode it: %20)" },
		{ "request: {url: http://x, headers: [a]}\n",
		  "j.yaml:1:35: request.headers: expected a map of NAME: value, got a list" },
		{ "request: {url: http://x}\nlease: 1m\nlease: 2m\n",
		  "j.yaml:3:1: lease: duplicate key 'lease' (first at line 2, column 1)" },
		{ "request: {url: http://x}\nrequest.url: y\n",
		  "j.yaml:2:1: request.url: unknown option here (it belongs under request:)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct job_config jc;
		char **errors;
		int n;
		int r = jobfile_load_buffer("j.yaml", cases[i].text, strlen(cases[i].text), &jc,
		    &errors, &n);
		ok(r == -1 && n >= 1, "case %zu fails", i);
		is_str(n ? errors[0] : "", cases[i].error, "case %zu message", i);
		if (n != 1)
			dump(errors, n);
		jobfile_errors_free(errors, n);
		jobfile_free(&jc);
	}

	struct job_config jc;
	char **errors;
	int n;
	ok(jobfile_load("/nonexistent/job.yaml", &jc, &errors, &n) == -1 && n == 1 &&
	    strcmp(errors[0], "cannot open /nonexistent/job.yaml: No such file or directory") == 0,
	    "missing file");
	jobfile_errors_free(errors, n);
	jobfile_free(&jc);
}

/* Anthropic's input and output token limits, each with its own count. */
static void test_token_budgets(void)
{
	static const char text[] =
	    "request:\n  url: https://api.anthropic.com/v1/messages\n"
	    "response:\n  input_usage: /usage/input_tokens\n  output_usage: /usage/output_tokens\n"
	    "limits:\n  itpm: 40000\n  otpm: 8000\n";
	struct job_config jc;
	char **errors;
	int n;
	ok(jobfile_load_buffer("tokens.yaml", text, sizeof text - 1, &jc, &errors, &n) == 0,
	    "itpm, otpm and their usage pointers load");
	dump(errors, n);
	ok(jc.itpm == 40000 && jc.otpm == 8000 && jc.tpm == 0, "itpm 40000, otpm 8000, tpm unset");
	is_str(jc.input_usage, "/usage/input_tokens", "input_usage");
	is_str(jc.output_usage, "/usage/output_tokens", "output_usage");
	jobfile_free(&jc);

	static const char bad[] = "request:\n  url: http://x/\nlimits:\n  otpm: -1\n";
	ok(jobfile_load_buffer("bad.yaml", bad, sizeof bad - 1, &jc, &errors, &n) == -1 && n == 1 &&
	    strstr(errors[0], "bad.yaml:4:9: limits.otpm:"), "a negative otpm is refused: %s",
	    n > 0 ? errors[0] : "(no error)");
	jobfile_errors_free(errors, n);
	jobfile_free(&jc);

	/* The shipped Anthropic job file uses them. */
	ok(jobfile_load("configs/anthropic-messages.yaml", &jc, &errors, &n) == 0 &&
	    jc.itpm > 0 && jc.otpm > 0 && jc.input_usage && jc.output_usage && jc.tpm == 0,
	    "configs/anthropic-messages.yaml limits input and output tokens apart");
	dump(errors, n);
	jobfile_free(&jc);
}

/* endpoints: instead of request:, each entry starting from the file's
 * response: and limits:. */
static void test_endpoints(void)
{
	struct job_config jc;
	char **errors;
	int n;
	ok(jobfile_load(FX "endpoints.yaml", &jc, &errors, &n) == 0, "endpoints.yaml loads");
	dump(errors, n);
	is_int(jc.n_endpoints, 3, "three endpoints");
	is_int(jc.fallback_after, 3, "fallback_after");
	is_int((int)jc.cooldown_ms, 5000, "cooldown");
	if (jc.n_endpoints == 3) {
		const struct job_endpoint *a = &jc.endpoints[0], *b = &jc.endpoints[1],
		    *c = &jc.endpoints[2];
		is_str(a->name, "key-a", "first name");
		is_str(a->method, "POST", "method defaults to POST");
		ok(a->n_headers == 1 && strcmp(a->headers[0].value, "Bearer ${OPENAI_KEY_A}") == 0,
		    "its own key");
		is_str(a->extract, "/choices/0/message/content", "response: is the default");
		ok(a->rpm == 600 && a->concurrency == 32 && a->weight == 1 && a->priority == 1 &&
		    a->shared == NULL, "limits: are the defaults; weight and priority 1");
		ok(b->rpm == 300 && b->concurrency == 8 && b->weight == 3, "its own limits win");
		is_str(b->shared, "openai-b", "its own shared limit");
		is_str(c->extract, "/content/0/text", "its own extract");
		is_str(c->usage, "/usage/total_tokens", "usage kept from response:");
		is_str(c->output_usage, "/usage/output_tokens", "output_usage");
		ok(a->json_result && b->json_result && !c->json_result,
		    "response.json is the default; an endpoint's own json: false wins");
		ok(c->timeout_ms == 60000 && c->priority == 2 && c->body == NULL,
		    "timeout, priority, no body");
	}
	jobfile_free(&jc);

	ok(jobfile_load(FX "minimal.yaml", &jc, &errors, &n) == 0 && jc.n_endpoints == 1 &&
	    jc.endpoints[0].name == NULL && strcmp(jc.endpoints[0].url, jc.url) == 0 &&
	    jc.endpoints[0].concurrency == jc.concurrency && jc.fallback_after == 2,
	    "request: is one unnamed endpoint");
	dump(errors, n);
	jobfile_free(&jc);

	static const char *const bad[] = {
		FX "bad-endpoints.yaml:2:11: limits.shared: with endpoints: name each endpoint's "
		    "shared limit under its own limits:",
		FX "bad-endpoints.yaml:8:5: endpoints.retry: unknown option",
		FX "bad-endpoints.yaml:7:12: endpoints.limits.rpm: -5 is out of range (0 to 1e+09)",
		FX "bad-endpoints.yaml:11:13: endpoints.weight: 0 is out of range (1 to 1000)",
		FX "bad-endpoints.yaml:10:5: endpoints.name: missing (required)",
		FX "bad-endpoints.yaml:13:10: endpoints.url: 'ftp://x' is not an http:// or https:// URL",
		FX "bad-endpoints.yaml:15:16: endpoints.response.extract: 'nope' is not a JSON pointer: "
		    "must start with '/' (e.g. /choices/0/message/content)",
		FX "bad-endpoints.yaml:12:11: endpoints.name: 'a' is the name of endpoint 1 too (line 4)",
		FX "bad-endpoints.yaml:16:5: endpoints: expected a map (name:, url:, ...), got a string",
	};
	expect_errors(FX "bad-endpoints.yaml", bad, (int)(sizeof bad / sizeof *bad));

	struct {
		const char *text;
		const char *error;
	} cases[] = {
		{ "request: {url: http://x}\nendpoints: [{name: a, url: http://y}]\n",
		  "j.yaml:2:12: endpoints: request: is given too (line 1): use one of them" },
		{ "endpoints: []\n", "j.yaml:1:12: endpoints: expected a list of endpoints (- name: "
		  "..., url: ...), got an empty list" },
		{ "endpoints: [{name: a, url: http://y}, {name: a, url: http://z}]\n",
		  "j.yaml:1:46: endpoints.name: 'a' is the name of endpoint 1 too (line 1)" },
		{ "endpoints: [{url: http://y}]\n", "j.yaml:1:13: endpoints.name: missing (required)" },
		{ "endpoints: [{name: a, url: http://y, weight: 0}]\n",
		  "j.yaml:1:46: endpoints.weight: 0 is out of range (1 to 1000)" },
		{ "endpoints: [{name: a, url: http://y, limits: {rpm: -1}}]\n",
		  "j.yaml:1:52: endpoints.limits.rpm: -1 is out of range (0 to 1e+09)" },
		{ "endpoints: [{name: a, url: http://y, rpm: 5}]\n",
		  "j.yaml:1:38: endpoints.rpm: unknown option here (it belongs under limits:)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int r = jobfile_load_buffer("j.yaml", cases[i].text, strlen(cases[i].text), &jc,
		    &errors, &n);
		ok(r == -1 && n >= 1, "endpoints case %zu fails", i);
		is_str(n ? errors[0] : "", cases[i].error, "endpoints case %zu message", i);
		if (n != 1)
			dump(errors, n);
		jobfile_errors_free(errors, n);
		jobfile_free(&jc);
	}
}

/* The shipped job files with endpoints load; a cost budget needs prices. */
static void test_shipped_endpoints(void)
{
	struct job_config jc;
	char **errors;
	int n;
	static const struct { const char *file; int n; } shipped[] = {
		{ "configs/openai-anthropic-fallback.yaml", 2 },
		{ "configs/openai-two-keys.yaml", 2 },
		{ "configs/local-first.yaml", 2 },
	};
	for (size_t i = 0; i < sizeof shipped / sizeof *shipped; i++) {
		ok(jobfile_load(shipped[i].file, &jc, &errors, &n) == 0 &&
		    jc.n_endpoints == shipped[i].n, "%s loads", shipped[i].file);
		dump(errors, n);
		jobfile_free(&jc);
	}
	ok(jobfile_load("configs/dictionary.yaml", &jc, &errors, &n) == 0 && jc.json_result &&
	    jc.require && strcmp(jc.require, "/word\n/senses") == 0 &&
	    jc.body && strstr(jc.body, "\"content\":\"Word: {{item.word}}. Write the entry in "
	    "{{item.lang}}.\"") && strstr(jc.body, "\"max_tokens\":600,"),
	    "configs/dictionary.yaml loads: its YAML body as JSON");
	dump(errors, n);
	jobfile_free(&jc);
	ok(jobfile_load("configs/openai-anthropic-fallback.yaml", &jc, &errors, &n) == 0 &&
	    jc.endpoints[1].priority == 2 && jc.endpoints[1].price_output == 4.0 &&
	    jc.max_cost == 50, "the fallback's priority, price and budget");
	jobfile_free(&jc);
	static const char unpriced[] = "budget: {max_cost: 5}\n"
	    "endpoints: [{name: a, url: http://x/, response: {usage: /u}}]\n";
	int r = jobfile_load_buffer("j.yaml", unpriced, sizeof unpriced - 1, &jc, &errors, &n);
	ok(r == -1 && n == 1 && strcmp(errors[0], "j.yaml:1:20: budget.max_cost: no endpoint has a price: "
	    "(endpoints: ... price: {input: N, output: N}, per 1M tokens)") == 0,
	    "a cost budget needs a price: %s", n ? errors[0] : "");
	jobfile_errors_free(errors, n);
	jobfile_free(&jc);
	static const char uncounted[] = "budget: {max_tokens: 5000}\n"
	    "request: {url: http://x/}\n";
	r = jobfile_load_buffer("j.yaml", uncounted, sizeof uncounted - 1, &jc, &errors, &n);
	ok(r == -1 && n == 1 && strcmp(errors[0], "j.yaml:1:22: budget.max_tokens: nothing counts tokens: "
	    "set response.usage (or input_usage and output_usage)") == 0,
	    "a token budget needs a usage pointer: %s", n ? errors[0] : "");
	jobfile_errors_free(errors, n);
	jobfile_free(&jc);
}

/* response.json: a bool, false unless set; anything but a bool refused. */
static void test_json_result(void)
{
	char path[] = "/tmp/test_jobfile_json.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		ok(0, "mkstemp: %s", strerror(errno));
		return;
	}
	const char *good = "request:\n  url: http://127.0.0.1/x\nresponse:\n  json: true\n";
	ok(write(fd, good, strlen(good)) == (ssize_t)strlen(good), "job file written");
	close(fd);
	struct job_config jc;
	char **errors;
	int n;
	ok(jobfile_load(path, &jc, &errors, &n) == 0, "response.json: true loads");
	dump(errors, n);
	is_int(jc.json_result, 1, "and is set");
	jobfile_free(&jc);
	ok(jobfile_load(FX "minimal.yaml", &jc, &errors, &n) == 0, "minimal.yaml loads");
	is_int(jc.json_result, 0, "response.json is false by default");
	jobfile_free(&jc);
	fd = open(path, O_WRONLY | O_TRUNC);
	const char *bad = "request:\n  url: http://127.0.0.1/x\nresponse:\n  json: maybe\n";
	ok(fd >= 0 && write(fd, bad, strlen(bad)) == (ssize_t)strlen(bad), "bad job file written");
	if (fd >= 0)
		close(fd);
	char *want = NULL;
	if (asprintf(&want, "%s:4:9: response.json: expected true or false, got 'maybe'", path) < 0)
		want = NULL;
	const char *const w[] = { want };
	expect_errors(path, w, 1);
	free(want);
	unlink(path);
}

/* A body written as YAML is sent as JSON: long prompts as block scalars,
 * a quoted placeholder alone standing for the value itself. */
static void test_yaml_body(void)
{
	static const char text[] =
	    "request:\n"
	    "  url: http://127.0.0.1/x\n"
	    "  body:\n"
	    "    model: m\n"
	    "    max_tokens: \"{{item.budget}}\"\n"
	    "    temperature: 0.2\n"
	    "    stream: false\n"
	    "    stop: ~\n"
	    "    messages:\n"
	    "      - role: system\n"
	    "        content: |\n"
	    "          Be brief.\n"
	    "          Answer in \"JSON\".\n"
	    "      - {role: user, content: \"Define {{item.word}}.\"}\n"
	    "    version: '2'\n";
	struct job_config jc;
	char **errors;
	int n;
	ok(jobfile_load_buffer("j.yaml", text, sizeof text - 1, &jc, &errors, &n) == 0,
	    "a body written as YAML loads");
	dump(errors, n);
	is_str(jc.body, "{\"model\":\"m\",\"max_tokens\":{{item.budget}},\"temperature\":0.2,"
	    "\"stream\":false,\"stop\":null,\"messages\":[{\"role\":\"system\",\"content\":"
	    "\"Be brief.\\nAnswer in \\\"JSON\\\".\\n\"},{\"role\":\"user\",\"content\":"
	    "\"Define {{item.word}}.\"}],\"version\":\"2\"}",
	    "as JSON: numbers, booleans and null as such, quoted scalars as strings, the lone "
	    "placeholder as the value");
	ok(jc.n_endpoints == 1 && jc.endpoints[0].body && strcmp(jc.endpoints[0].body, jc.body) == 0,
	    "the request's endpoint has it");
	jobfile_free(&jc);
}

/* response.require: keys or pointers, one or a list, as pointers one a
 * line; an endpoint takes the file's unless it says otherwise. */
static void test_require(void)
{
	static const char text[] =
	    "response:\n  require: [word, /senses/0/definition, \"a/b~c\"]\n"
	    "endpoints:\n"
	    "  - {name: a, url: http://x/}\n"
	    "  - {name: b, url: http://y/, response: {require: gloss}}\n";
	struct job_config jc;
	char **errors;
	int n;
	ok(jobfile_load_buffer("j.yaml", text, sizeof text - 1, &jc, &errors, &n) == 0,
	    "response.require loads");
	dump(errors, n);
	is_str(jc.require, "/word\n/senses/0/definition\n/a~1b~0c", "keys made pointers, escaped");
	ok(jc.n_endpoints == 2 && jc.endpoints[0].require &&
	    strcmp(jc.endpoints[0].require, jc.require) == 0 &&
	    strcmp(jc.endpoints[1].require, "/gloss") == 0,
	    "an endpoint takes the file's, or its own (one key, not a list)");
	jobfile_free(&jc);
	static const struct { const char *text, *error; } bad[] = {
		{ "request: {url: http://x/}\nresponse: {require: [/a/~2]}\n",
		  "j.yaml:2:22: response.require: '/a/~2' is not a JSON pointer: '~' must be followed "
		  "by 0 or 1 (~0 is '~', ~1 is '/')" },
		{ "request: {url: http://x/}\nresponse: {require: []}\n",
		  "j.yaml:2:21: response.require: expected a key, a JSON pointer or a list of them" },
		{ "request: {url: http://x/}\nresponse: {require: [\"\"]}\n",
		  "j.yaml:2:22: response.require: '' is not a key or a JSON pointer" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int r = jobfile_load_buffer("j.yaml", bad[i].text, strlen(bad[i].text), &jc, &errors,
		    &n);
		ok(r == -1 && n == 1 && strcmp(errors[0], bad[i].error) == 0, "bad require %zu: %s",
		    i, n ? errors[0] : "(accepted)");
		jobfile_errors_free(errors, n);
		jobfile_free(&jc);
	}
}

int main(void)
{
	const char *src = getenv("PSUP_SRC");
	if (src && chdir(src) < 0) {
		printf("1..0 # SKIP cannot chdir to PSUP_SRC\n");
		return 0;
	}
	plan_no_plan();
	test_full();
	test_defaults();
	test_bad();
	test_token_budgets();
	test_endpoints();
	test_shipped_endpoints();
	test_json_result();
	test_yaml_body();
	test_require();
	return done_testing();
}
