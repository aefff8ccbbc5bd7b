/* psup logs' pure pieces: prefixing whole lines, writing them as pm2 logs
 * --json does, and where the last N lines of a file start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "cli_logs.h"

static void test_prefix(void)
{
	struct buf b = { 0 };
	const char *d = "one\ntwo\nthr";
	size_t used = cli_prefix_lines(&b, "app | ", NULL, d, strlen(d));
	is_str(b.p, "app | one\napp | two\n", "whole lines prefixed");
	is_int(used, 8, "the partial line is left");
	b.len = 0;
	used = cli_prefix_lines(&b, "p ", NULL, "x", 1);
	is_int(used, 0, "no newline, nothing consumed");
	buf_free(&b);
}

/* --highlight: every occurrence in a line, none across its end, the
 * prefix never. */
static void test_mark(void)
{
	static const struct { const char *mark, *data, *want; } t[] = {
		{ "ERR", "an ERR and ERR\n", "p an \033[100mERR\033[49m and \033[100mERR\033[49m\n" },
		{ "ERR", "ERRERR\nok\n", "p \033[100mERR\033[49m\033[100mERR\033[49m\np ok\n" },
		{ "ab", "xa\nbx\n", "p xa\np bx\n" },
		{ "p", "q\n", "p q\n" },
		{ "", "ERR\n", "p ERR\n" },
		{ "x", "x\npartial x", "p \033[100mx\033[49m\n" },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		struct buf b = { 0 };
		cli_prefix_lines(&b, "p ", t[i].mark, t[i].data, strlen(t[i].data));
		is_str(b.p, t[i].want, "mark '%s', case %zu", t[i].mark, i);
		buf_free(&b);
	}
}

static void test_json(void)
{
	struct buf b = { 0 };
	struct cli_log_src src = { .app = "ch\"unk", .id = 3, .err = 1,
		.stamp = "2026-12-07T07:00:54.726Z" };
	const char *d = "say \"hi\"\r\n\ttab\nrest";
	size_t used = cli_json_lines(&b, &src, d, strlen(d));
	is_str(b.p, "{\"message\":\"say \\\"hi\\\"\",\"timestamp\":\"2026-12-07T07:00:54.726Z\","
	    "\"type\":\"err\",\"process_id\":3,\"app_name\":\"ch\\\"unk\"}\n"
	    "{\"message\":\"\\ttab\",\"timestamp\":\"2026-12-07T07:00:54.726Z\","
	    "\"type\":\"err\",\"process_id\":3,\"app_name\":\"ch\\\"unk\"}\n",
	    "each whole line an object, its line end left out, strings escaped");
	is_int(used, strlen(d) - 4, "the partial line is left");
	buf_free(&b);
}

static off_t tail_of(const char *content, int n)
{
	char path[] = "/tmp/test_cli_logs.XXXXXX";
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

int main(void)
{
	test_prefix();
	test_mark();
	test_json();
	test_tail();
	return done_testing();
}
