/* The error list of a config load: the message shape for every mix of
 * position and key, entries past YERRS_MAX counted and not kept (added or
 * pushed), the "... and N more" entry on take, and take and free leaving
 * an empty list. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "xalloc.h"
#include "yaml_errors.h"

static const struct {
	int line, col;
	const char *key;
	const char *want;
} shapes[] = {
	{ 3, 7, "name", "f.yaml:3:7: name: bad 42" },
	{ 3, 7, NULL, "f.yaml:3:7: bad 42" },
	{ 0, 0, "name", "f.yaml: name: bad 42" },
	{ 0, 0, NULL, "f.yaml: bad 42" },
	{ -1, 5, "k", "f.yaml: k: bad 42" },     /* no line: no position, even with a column */
};

static void test_shapes(void)
{
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		struct yerrs e = { 0 };
		yerrs_add(&e, "f.yaml", shapes[i].line, shapes[i].col, shapes[i].key, "bad %d", 42);
		ok(e.n == 1 && e.n == yerrs_count(&e), "shape %zu: one entry", i);
		is_str(e.n ? e.v[0] : NULL, shapes[i].want, "shape %zu: %s", i, shapes[i].want);
		yerrs_free(&e);
	}
}

/* Fills a list with `extra` entries past the cap, by add or by push. */
static const struct {
	const char *name;
	int extra;
	int by_push;
} caps[] = {
	{ "at the cap", 0, 0 },
	{ "one past the cap, added", 1, 0 },
	{ "many past the cap, added", 57, 0 },
	{ "past the cap, pushed", 3, 1 },
};

static void test_cap(void)
{
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		struct yerrs e = { 0 };
		int total = YERRS_MAX + caps[i].extra;
		for (int k = 0; k < total; k++) {
			if (caps[i].by_push)
				yerrs_push(&e, xasprintf("m%d", k));
			else
				yerrs_add(&e, "f", k + 1, 1, NULL, "m%d", k);
		}
		is_int(e.n, YERRS_MAX, "%s: %d kept", caps[i].name, YERRS_MAX);
		is_int(yerrs_count(&e), total, "%s: every one counted", caps[i].name);
		int n = -1;
		char **v = yerrs_take(&e, &n);
		is_int(n, YERRS_MAX + (caps[i].extra > 0), "%s: take hands over the kept ones%s",
		    caps[i].name, caps[i].extra ? " and a summary" : "");
		const char *want_last = caps[i].by_push ? "m199" : "f:200:1: m199";
		char more[64];
		if (caps[i].extra) {
			snprintf(more, sizeof more, "... and %d more", caps[i].extra);
			want_last = more;
		}
		is_str(v && n > 0 ? v[n - 1] : NULL, want_last, "%s: the last entry", caps[i].name);
		ok(e.v == NULL && e.n == 0 && e.cap == 0 && e.dropped == 0 && yerrs_count(&e) == 0,
		    "%s: take leaves the list empty", caps[i].name);
		for (int k = 0; k < n; k++)
			free(v[k]);
		free(v);
	}
}

static void test_take_and_free(void)
{
	struct yerrs e = { 0 };
	int n = -1;
	ok(yerrs_take(&e, &n) == NULL && n == 0, "take of an empty list: NULL, none");

	yerrs_push(&e, xasprintf("first"));
	yerrs_add(&e, "f", 1, 2, "k", "second");
	char **v = yerrs_take(&e, &n);
	ok(n == 2 && strcmp(v[0], "first") == 0 && strcmp(v[1], "f:1:2: k: second") == 0,
	    "push and add keep their order");
	for (int k = 0; k < n; k++)
		free(v[k]);
	free(v);

	for (int k = 0; k < YERRS_MAX + 2; k++)
		yerrs_add(&e, "f", 1, 1, NULL, "x");
	yerrs_free(&e);
	ok(e.v == NULL && yerrs_count(&e) == 0, "free forgets kept and dropped entries");
	yerrs_add(&e, "f", 1, 1, NULL, "again");
	is_int(yerrs_count(&e), 1, "a freed list takes new entries");
	yerrs_free(&e);
}

int main(void)
{
	test_shapes();
	test_cap();
	test_take_and_free();
	return done_testing();
}
