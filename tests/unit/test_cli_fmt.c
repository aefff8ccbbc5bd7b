/* The CLI's formatting helpers: display widths, padding, bars, numbers,
 * JSON lines. */
#include <stdlib.h>

#include "tap.h"
#include "cli_fmt.h"

static void test_width_and_pad(void)
{
	struct buf b = { 0 };
	is_int(cli_width("abc"), 3, "width of ASCII");
	is_int(cli_width("↺"), 1, "width of a 3-byte UTF-8 character");
	is_int(cli_width("█░x"), 3, "width of mixed UTF-8");
	cli_buf_pad(&b, "↺", 3);
	buf_puts(&b, "|");
	is_str(b.p, "↺  |", "pad counts columns, not bytes");
	b.len = 0;
	cli_buf_pad(&b, "toolong", 3);
	is_str(b.p, "toolong", "pad never cuts");
	buf_free(&b);
}

static void test_cell(void)
{
	char d[16];
	cli_cell_copy(d, sizeof d, "short", 10);
	is_str(d, "short", "a cell that fits is copied");
	cli_cell_copy(d, sizeof d, "abcdefghijkl", 10);
	is_str(d, "abcdefghi…", "cut to 10 columns, the last an ellipsis");
	is_int(cli_width(d), 10, "ten columns");
	cli_cell_copy(d, sizeof d, "↺↺↺↺↺↺", 5);
	is_str(d, "↺↺↺↺…", "cut between characters, never inside one");
	cli_cell_copy(d, sizeof d, "↺↺↺↺↺↺↺↺↺↺", 40);
	is_str(d, "↺↺↺↺…", "cut to the buffer's bytes too (4 characters and …: 15 bytes + NUL)");
	cli_cell_copy(d, 4, "abcdef", 10);
	is_str(d, "…", "a buffer of 4 holds only the ellipsis");

	char *big = malloc(1024 * 1024 + 1);
	memset(big, 'y', 1024 * 1024);
	big[1024 * 1024] = 0;
	char *c = cli_cell_take(big);
	is_int(cli_width(c), CLI_CELL_COLS, "a 1 MB value becomes one cell's width");
	ok(strlen(c) >= 3 && strcmp(c + strlen(c) - 3, "…") == 0, "and ends in an ellipsis");
	free(c);
	c = cli_cell_take(strdup("fits"));
	is_str(c, "fits", "a short value is kept");
	free(c);
}

static void test_bar(void)
{
	struct buf b = { 0 };
	cli_fmt_bar(&b, 0.4, 10);
	is_str(b.p, "████░░░░░░", "bar at 40 percent");
	b.len = 0;
	cli_fmt_bar(&b, 0.999, 10);
	is_str(b.p, "█████████░", "bar is full only when done");
	b.len = 0;
	cli_fmt_bar(&b, 1.5, 4);
	is_str(b.p, "████", "bar clamps above 1");
	b.len = 0;
	cli_fmt_bar(&b, -1, 4);
	is_str(b.p, "░░░░", "bar clamps below 0");
	buf_free(&b);
}

static void test_numbers(void)
{
	int n = -1;
	ok(cli_parse_uint("15", &n) == 0 && n == 15, "uint 15");
	ok(cli_parse_uint("0", &n) == 0 && n == 0, "uint 0");
	ok(cli_parse_uint("-1", &n) < 0, "uint rejects negative");
	ok(cli_parse_uint("12x", &n) < 0, "uint rejects trailing junk");
	ok(cli_parse_uint("", &n) < 0, "uint rejects empty");
	ok(cli_parse_uint("99999999999", &n) < 0, "uint rejects overflow");
}

static void test_json_line(void)
{
	struct buf b = { 0 };
	buf_puts(&b, "> ");
	cJSON *j = cJSON_Parse("{ \"v\": 1, \"cmd\": \"list\" }");
	ok(cli_json_line(&b, j) == 0, "an object encodes");
	is_str(b.p, "> {\"v\":1,\"cmd\":\"list\"}\n", "compact, one line, appended");
	cJSON_Delete(j);
	buf_free(&b);
}

int main(void)
{
	test_width_and_pad();
	test_cell();
	test_bar();
	test_numbers();
	test_json_line();
	return done_testing();
}
