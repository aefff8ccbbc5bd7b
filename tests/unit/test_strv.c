/* NULL-terminated string vectors: NULL and empty alike, copies own their
 * strings, push grows from nothing. */
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "tap.h"

int main(void)
{
	static char a[] = "a", b[] = "b", c[] = "c";
	char *empty[] = { NULL };
	char *ab[] = { a, b, NULL };
	char *ba[] = { b, a, NULL };
	char *abc[] = { a, b, c, NULL };

	const struct {
		char *const *x, *const *y;
		int eq;
		const char *what;
	} cases[] = {
		{ NULL, NULL, 1, "NULL and NULL" },
		{ NULL, empty, 1, "NULL and empty" },
		{ empty, NULL, 1, "empty and NULL" },
		{ ab, ab, 1, "the same vector" },
		{ ab, ba, 0, "the same strings in another order" },
		{ ab, abc, 0, "a prefix" },
		{ abc, ab, 0, "a longer one" },
		{ NULL, ab, 0, "NULL and a non-empty one" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_int(strv_eq(cases[i].x, cases[i].y), cases[i].eq, "strv_eq: %s", cases[i].what);

	is_int((int)strv_len(NULL), 0, "strv_len(NULL)");
	is_int((int)strv_len(empty), 0, "strv_len(empty)");
	is_int((int)strv_len(abc), 3, "strv_len of three");

	ok(strv_dup(NULL) == NULL, "strv_dup(NULL) is NULL");
	char **d = strv_dup(empty);
	ok(d && d[0] == NULL, "strv_dup(empty) is an empty vector");
	strv_free(d);
	d = strv_dup(abc);
	ok(strv_eq(d, abc), "a copy holds the same strings");
	ok(d && d[0] != abc[0] && d[2] != abc[2], "its own copies of them");
	strv_free(d);

	char **v = NULL;
	v = strv_push(v, "a");
	v = strv_push(v, "b");
	v = strv_push(v, "c");
	ok(strv_eq(v, abc) && v[3] == NULL, "push from NULL: a b c, NULL-terminated");
	strv_free(v);
	strv_free(NULL);        /* allowed: the run goes on */
	return done_testing();
}
