/* The CLI's pure pieces: widths, bars, numbers, signal names, log line
 * prefixing, the tail offset, wait's tally and summary, JSON lines. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "cli_fmt.h"
#include "cli_logs.h"
#include "cli_signal.h"
#include "cli_wait.h"

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
	b.len = 0;
	buf_printf(&b, "%d-%s", 42, "x");
	is_str(b.p, "42-x", "printf appends");
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

static void test_signal(void)
{
	is_int(cli_signal_parse("SIGUSR1"), SIGUSR1, "SIGUSR1");
	is_int(cli_signal_parse("USR2"), SIGUSR2, "USR2");
	is_int(cli_signal_parse("term"), SIGTERM, "term (any case)");
	is_int(cli_signal_parse("9"), 9, "a number");
	is_int(cli_signal_parse("SIG"), -1, "SIG alone");
	is_int(cli_signal_parse("NOPE"), -1, "unknown name");
	is_int(cli_signal_parse("0"), -1, "0 is no signal");
	is_int(cli_signal_parse("999"), -1, "out of range");
}

static void test_prefix(void)
{
	struct buf b = { 0 };
	const char *d = "one\ntwo\nthr";
	size_t used = cli_prefix_lines(&b, "app | ", d, strlen(d));
	is_str(b.p, "app | one\napp | two\n", "whole lines prefixed");
	is_int(used, 8, "the partial line is left");
	b.len = 0;
	used = cli_prefix_lines(&b, "p ", "x", 1);
	is_int(used, 0, "no newline, nothing consumed");
	buf_free(&b);
}

static off_t tail_of(const char *content, int n)
{
	char path[] = "/tmp/test_cli_fmt.XXXXXX";
	int fd = mkstemp(path);
	off_t start = -1;
	if (fd < 0)
		return -2;
	if (write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		start = -3;
	else if (cli_tail_offset(fd, (off_t)strlen(content), n, &start) < 0)
		start = -4;
	close(fd);
	unlink(path);
	return start;
}

static void test_tail(void)
{
	is_int(tail_of("a\nb\nc\n", 2), 2, "last 2 of 3 terminated lines");
	is_int(tail_of("a\nb\nc\n", 3), 0, "all 3");
	is_int(tail_of("a\nb\nc\n", 10), 0, "more than there are");
	is_int(tail_of("a\nb\nc", 1), 4, "an unterminated last line counts");
	is_int(tail_of("a\nb\n", 0), 4, "0 lines: from the end");
	is_int(tail_of("", 5), 0, "empty file");
	is_int(tail_of("\n\n\n", 2), 1, "empty lines count");
	/* A file longer than one read block. */
	size_t big = 200000;
	char *s = malloc(big + 1);
	for (size_t i = 0; i < big; i++)
		s[i] = i % 100 == 99 ? '\n' : 'x';
	s[big] = '\0';
	is_int(tail_of(s, 1500), (off_t)(big - 150000), "tail across read blocks");
	free(s);
}

static void test_wait(void)
{
	const char *json = "[{\"name\":\"a\",\"state\":\"completed\"},{\"name\":\"b\",\"state\":\"errored\"},"
	    "{\"name\":\"c\",\"state\":\"online\"},{\"name\":\"d\",\"state\":\"waiting\"},"
	    "{\"name\":\"e\",\"state\":\"stopped\"}]";
	cJSON *apps = cJSON_Parse(json);
	const char *all[] = { "a", "b", "c", "d", "e", "gone" };
	const char *ended[] = { "a", "b", "e" };
	const char *good[] = { "a" };
	struct cli_wait_tally t;
	struct buf b = { 0 };

	is_int(cli_wait_tally(apps, (char *const *)all, 6, &t), 0, "running apps: not done");
	cli_wait_summary(&t, &b);
	is_str(b.p, "1 completed, 1 errored (b), 1 stopped (e), 1 gone (gone), 2 running (c, d waiting)",
	    "summary of every outcome");
	cli_wait_tally_free(&t);
	b.len = 0;
	is_int(cli_wait_tally(apps, (char *const *)ended, 3, &t), 1, "completed, errored, stopped: done");
	is_int(t.n[WAIT_COMPLETED], 1, "one completed");
	cli_wait_tally_free(&t);
	is_int(cli_wait_tally(apps, (char *const *)good, 1, &t), 1, "one completed: done");
	cli_wait_summary(&t, &b);
	is_str(b.p, "1 completed", "summary when all completed");
	cli_wait_tally_free(&t);
	buf_free(&b);
	cJSON_Delete(apps);
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
	test_signal();
	test_prefix();
	test_tail();
	test_wait();
	test_json_line();
	return done_testing();
}
