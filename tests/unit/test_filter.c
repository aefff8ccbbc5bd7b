/* --where FIELD=VALUE and --tag NAME: what parses into which condition,
 * and the errors for what does not. */
#include "filter.h"
#include "tap.h"

#include <stdlib.h>

static void test_parse(void)
{
	static const struct { const char *text, *field, *value; } good[] = {
		{ "tag=batch-1", NULL, "batch-1" },
		{ "lang=en", "lang", "en" },
		{ "q=a=b", "q", "a=b" },            /* the value is all after the first '=' */
		{ "lang=", "lang", "" },            /* an empty string is a value */
		{ "item.tag=x", "tag", "x" },       /* the item's own field "tag" */
		{ "item.lang=en", "lang", "en" },
		{ "x-y.z=1", "x-y.z", "1" },
		{ "tags=a", "tags", "a" },
		{ "naïve=✓", "naïve", "✓" },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct store_filter f = { 0 };
		char *cause = NULL;
		int rc = filter_add(&f, good[i].text, &cause);
		is_int(rc, 0, "%s parses", good[i].text);
		if (rc == 0) {
			if (good[i].field)
				is_str(f.cond[0].field, good[i].field, "%s: field", good[i].text);
			else
				ok(f.cond[0].field == NULL, "%s: the tag", good[i].text);
			is_str(f.cond[0].value, good[i].value, "%s: value", good[i].text);
		}
		free(cause);
		store_filter_free(&f);
	}
}

static void test_errors(void)
{
	static const struct { const char *text, *why; } bad[] = {
		{ "lang", "not FIELD=VALUE" },
		{ "=en", "no field name" },
		{ "item.=x", "no field name" },
		{ "tag=", "a tag is never empty" },
		{ "a\"b=1", "cannot hold" },
		{ "a\\b=1", "cannot hold" },
		{ "a\tb=1", "cannot hold" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct store_filter f = { 0 };
		char *cause = NULL;
		is_int(filter_add(&f, bad[i].text, &cause), -1, "\"%s\" is refused", bad[i].text);
		ok(cause && strstr(cause, bad[i].why), "  because: %s", cause ? cause : "(none)");
		is_int(f.n, 0, "  and adds nothing");
		free(cause);
		store_filter_free(&f);
	}
}

static void test_text(void)
{
	struct store_filter f = { 0 };
	char *cause = NULL;
	char *t = filter_text(&f);
	is_str(t, "all items", "no condition: all items");
	free(t);
	filter_add(&f, "tag=a", &cause);
	filter_add(&f, "lang=en", &cause);
	filter_add(&f, "item.tag=x", &cause);
	is_int(f.n, 3, "three conditions, ANDed");
	t = filter_text(&f);
	is_str(t, "tag=a and lang=en and item.tag=x", "shown as written");
	free(t);
	store_filter_free(&f);
	is_int(f.n, 0, "freed empty");
}

static void test_tag(void)
{
	char *cause = NULL;
	is_int(filter_tag_check("source-2024", &cause), 0, "a tag");
	is_int(filter_tag_check("", &cause), -1, "an empty tag is refused");
	free(cause);
	cause = NULL;
	is_int(filter_tag_check("a\nb", &cause), -1, "a tag with a newline is refused");
	free(cause);
}

int main(void)
{
	test_parse();
	test_errors();
	test_text();
	test_tag();
	return done_testing();
}
