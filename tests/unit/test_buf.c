/* The growable buffer: appends, formatting, consuming from the front, taking
 * the contents, and the NUL that makes text usable as a string. */
#include "buf.h"
#include "tap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	plan(19);

	struct buf b = {0};
	buf_puts(&b, "abc");
	is_int((long long)b.len, 3, "puts: length");
	is_str(b.p, "abc", "puts: NUL-terminated text");
	buf_addc(&b, '-');
	buf_printf(&b, "%d/%s", 42, "x");
	is_str(b.p, "abc-42/x", "addc and printf append");
	buf_add(&b, "\0z", 2);
	is_int((long long)b.len, 10, "add takes embedded NULs");
	ok(b.p[8] == '\0' && b.p[9] == 'z' && b.p[10] == '\0', "bytes kept, NUL after them");

	buf_consume(&b, 4);
	is_int((long long)b.len, 6, "consume drops from the front");
	ok(memcmp(b.p, "42/x\0z", 6) == 0, "consume keeps the rest in order");
	buf_consume(&b, 99);
	is_int((long long)b.len, 0, "consume past the end empties");
	is_str(b.p, "", "an emptied buffer is an empty string");

	/* growth across many doublings keeps every byte */
	for (int i = 0; i < 10000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	int same = 1;
	for (int i = 0; i < 10000; i++)
		same &= b.p[i] == (char)('a' + i % 26);
	ok(same && b.len == 10000, "10000 appends kept in order");
	ok(b.cap > b.len, "capacity leaves room for the NUL");

	buf_clear(&b);
	is_int((long long)b.len, 0, "clear empties");
	ok(b.p != NULL && b.cap > 0, "clear keeps the memory");
	buf_printf(&b, "%d-%s", 42, "x");
	is_str(b.p, "42-x", "printf after clear starts at the front");
	buf_free(&b);
	ok(b.p == NULL && b.len == 0 && b.cap == 0, "free resets");

	/* numbers at their edges, back to back */
	buf_add_ll(&b, 0);
	buf_addc(&b, ' ');
	buf_add_ll(&b, -7);
	buf_addc(&b, ' ');
	buf_add_ll(&b, LLONG_MAX);
	buf_addc(&b, ' ');
	buf_add_ll(&b, LLONG_MIN);
	is_str(b.p, "0 -7 9223372036854775807 -9223372036854775808", "add_ll: 0, negative, both ends");
	buf_free(&b);

	size_t n = 99;
	char *s = buf_take(&b, &n);
	ok(s != NULL && s[0] == '\0' && n == 0, "take of an empty buffer gives an empty string");
	free(s);
	buf_printf(&b, "%s", "taken");
	s = buf_take(&b, &n);
	is_str(s, "taken", "take gives the contents");
	ok(n == 5 && b.p == NULL && b.len == 0, "take leaves the buffer empty");
	free(s);
	return 0;
}
