/* The line framer: lines across feeds, CR, the cap (a line of max bytes
 * with its newline passes, one more is refused), skipping an over-long
 * line also when its rest comes later, the last line at EOF, bounded
 * memory. (test_fuzz_replay.c replays the fuzz corpus.) */
#include "tap.h"
#include "linefr.h"

static void test_lines(void)
{
	struct linefr f;
	const char *line;
	size_t len;

	linefr_init(&f, 16);
	is_int(linefr_next(&f, &line, &len), LINEFR_NONE, "empty framer has no line");
	linefr_feed(&f, "ab", 2);
	is_int(linefr_next(&f, &line, &len), LINEFR_NONE, "partial line is held");
	is_int(linefr_held(&f), 2, "held counts the partial line");
	linefr_feed(&f, "c\r\nde\nf", 7);
	ok(linefr_next(&f, &line, &len) == LINEFR_LINE && len == 3 && strcmp(line, "abc") == 0,
	    "a line split across feeds, CR stripped, NUL-terminated");
	ok(linefr_next(&f, &line, &len) == LINEFR_LINE && len == 2 && strcmp(line, "de") == 0,
	    "second line of one feed");
	is_int(linefr_next(&f, &line, &len), LINEFR_NONE, "the rest waits for its newline");
	is_int(linefr_held(&f), 1, "one byte held (a truncated request at EOF)");
	linefr_feed(&f, "\n\n", 2);
	ok(linefr_next(&f, &line, &len) == LINEFR_LINE && len == 1 && line[0] == 'f',
	    "completed line");
	ok(linefr_next(&f, &line, &len) == LINEFR_LINE && len == 0, "an empty line is a line");
	linefr_feed(&f, "a\0b\n", 4);
	ok(linefr_next(&f, &line, &len) == LINEFR_LINE && len == 3 && strlen(line) == 1,
	    "a NUL inside a line is counted in len (callers can refuse it)");
	linefr_free(&f);
}

static void test_cap(void)
{
	struct linefr f;
	const char *line;
	size_t len;

	linefr_init(&f, 8);
	linefr_feed(&f, "1234567\n", 8);
	ok(linefr_next(&f, &line, &len) == LINEFR_LINE && len == 7, "a line of exactly max bytes");
	linefr_feed(&f, "12345678\nok\n", 12);
	is_int(linefr_next(&f, &line, &len), LINEFR_LONG, "a line over max is refused");
	is_int(linefr_next(&f, &line, &len), LINEFR_LONG, "until it is skipped");
	linefr_skip(&f);
	ok(linefr_next(&f, &line, &len) == LINEFR_LINE && strcmp(line, "ok") == 0,
	    "the line after a skipped one");
	linefr_free(&f);

	linefr_init(&f, 8);
	linefr_feed(&f, "12345678", 8);
	is_int(linefr_next(&f, &line, &len), LINEFR_LONG,
	    "max bytes without a newline is already too long");
	linefr_skip(&f);
	is_int(linefr_held(&f), 0, "skipping holds nothing");
	linefr_feed(&f, "9999999999", 10);
	is_int(linefr_held(&f), 0, "the rest of the skipped line is dropped as it comes");
	linefr_feed(&f, "99\nnext\n", 8);
	ok(linefr_next(&f, &line, &len) == LINEFR_LINE && strcmp(line, "next") == 0,
	    "lines after the skipped one's newline come out");
	linefr_free(&f);
}

static void test_rest(void)
{
	struct linefr f;
	const char *line;
	size_t len;

	linefr_init(&f, 8);
	linefr_feed(&f, "a\nlast\r", 7);
	ok(linefr_rest(&f, &line, &len) == LINEFR_LINE && strcmp(line, "a") == 0,
	    "at EOF whole lines first");
	ok(linefr_rest(&f, &line, &len) == LINEFR_LINE && strcmp(line, "last") == 0,
	    "then the unterminated last line");
	is_int(linefr_rest(&f, &line, &len), LINEFR_NONE, "then nothing");
	is_int(linefr_held(&f), 0, "and nothing is held");
	linefr_feed(&f, "123456789", 9);
	is_int(linefr_rest(&f, &line, &len), LINEFR_LONG, "an over-long last line is refused");
	linefr_skip(&f);
	is_int(linefr_rest(&f, &line, &len), LINEFR_NONE, "and its skipped part is not a line");
	linefr_free(&f);
}

static void test_memory(void)
{
	struct linefr f;
	const char *line;
	size_t len;

	linefr_init(&f, 64);
	for (int i = 0; i < 10000; i++) {
		linefr_feed(&f, "x\n", 2);
		linefr_next(&f, &line, &len);
	}
	ok(f.b.cap <= 4096, "the buffer stays small when lines are consumed");
	linefr_free(&f);
}

int main(void)
{
	test_lines();
	test_cap();
	test_rest();
	test_memory();
	return done_testing();
}
