/* Word splitting (plain and shell quoting), suggestions for typos, and
 * {instance} substitution. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yaml_text.h"

static void test_text(void)
{
	const char *why = NULL;
	int n = 0;
	char **w = ytext_split("  a 'b c' \"d \\\"e\\\"\" f\\ g '' ", 1, &n, &why);
	ok(w && n == 5, "shell split count %d", n);
	if (w && n == 5) {
		is_str(w[1], "b c", "single quotes");
		is_str(w[2], "d \"e\"", "double quotes with escapes");
		is_str(w[3], "f g", "backslash space");
		is_str(w[4], "", "empty quoted word kept");
	}
	strv_free(w);
	ok(ytext_split("a 'b", 1, &n, &why) == NULL && strcmp(why, "unterminated quote") == 0,
	    "unterminated quote");
	ok(ytext_split("a \\", 1, &n, &why) == NULL && strcmp(why, "trailing backslash") == 0,
	    "trailing backslash");
	w = ytext_split("", 1, &n, &why);
	ok(w && n == 0 && w[0] == NULL, "empty string: no words");
	strv_free(w);

	static const char *const c[] = { "autorestart", "autostart", "time", "instances", "env" };
	is_str(ytext_suggest("autorestrat", c, 5), "autorestart", "transposition suggested");
	is_str(ytext_suggest("tiem", c, 5), "time", "short typo suggested");
	is_str(ytext_suggest("instance", c, 5), "instances", "missing letter suggested");
	ok(ytext_suggest("foo", c, 5) == NULL, "nothing close: no suggestion");
	ok(ytext_suggest("evn", c, 5) == NULL, "3-letter words get no guess");

	char *s = ytext_subst_instance("--chunk {instance} of {instance}{x}", 12);
	is_str(s, "--chunk 12 of 12{x}", "instance substitution");
	free(s);
	s = ytext_subst_instance("", 3);
	is_str(s, "", "substitution in an empty string");
	free(s);
	s = ytext_subst_instance("{instance", 3);
	is_str(s, "{instance", "a cut pattern stays as written");
	free(s);
}

int main(void)
{
	plan_no_plan();
	test_text();
	return done_testing();
}
