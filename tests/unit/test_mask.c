/* Masking secrets for --dry-run: which headers are secrets, how much of a
 * value shows, ${VAR}s expanded masked. */
#include "mask.h"
#include "tap.h"

#include <stdlib.h>

int main(void)
{
	static const struct { const char *name; int secret; } names[] = {
		{ "Authorization", 1 }, { "authorization", 1 }, { "Proxy-Authorization", 1 },
		{ "x-api-key", 1 }, { "api-key", 1 }, { "X-Auth-Token", 1 }, { "x-goog-api-key", 1 },
		{ "Client-Secret", 1 }, { "Cookie", 1 }, { "Content-Type", 0 },
		{ "anthropic-version", 0 }, { "OpenAI-Organization", 0 },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		is_int(mask_header_name(names[i].name), names[i].secret, "%s %s a secret",
		    names[i].name, names[i].secret ? "is" : "is not");

	static const struct { const char *in, *out; } values[] = {
		{ "Bearer sk-test-abcdefghijklmnop", "Bearer sk-t****" },
		{ "sk-ant-api03-abcdefghijkl", "sk-a****" },
		{ "Basic dXNlcjpwYXNz", "Basic dXN****" },
		{ "abcdefgh", "ab****" },
		{ "abc", "****" },
		{ "", "****" },
		{ "Bearer ", "Bearer ****" },
		{ "VeryLongSchemeWord xyz", "Very****" },
	};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		char *m = mask_value(values[i].in);
		is_str(m, values[i].out, "\"%s\" shows as %s", values[i].in, values[i].out);
		free(m);
	}

	setenv("PSUP_TEST_MASK_KEY", "gemini-key-123456", 1);
	setenv("PSUP_TEST_MASK_ORG", "org-1", 1);
	unsetenv("PSUP_TEST_MASK_UNSET");
	static const struct { const char *raw, *out; } vars[] = {
		{ "https://h/v1?key=${PSUP_TEST_MASK_KEY}&alt=1", "https://h/v1?key=gemi****&alt=1" },
		{ "${PSUP_TEST_MASK_ORG}/${PSUP_TEST_MASK_ORG}", "o****/o****" },
		{ "no variables", "no variables" },
		{ "${PSUP_TEST_MASK_UNSET}x", "${PSUP_TEST_MASK_UNSET}x" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		char *m = mask_vars(vars[i].raw);
		is_str(m, vars[i].out, "\"%s\" shows as \"%s\"", vars[i].raw, vars[i].out);
		free(m);
	}
	return done_testing();
}
