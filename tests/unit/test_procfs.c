/* procfs: a table of /proc/PID/stat lines (odd comm names, every state
 * letter, short and garbled lines), this process's own line, and the boot
 * id. */
#include "tap.h"
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

/* The fields after comm of a line: state, ppid 1, pgrp 70, utime 1,
 * stime 2, cutime 3, cstime 4, threads 2, starttime 9, rss 5. */
#define TAIL " 1 70 70 0 -1 0 0 0 0 0 1 2 3 4 20 0 2 0 9 0 5 0 0\n"

static const struct {
	const char *line;
	int ok;
	const char *comm;
	char state;
} lines[] = {
	{ "77 (bash) S" TAIL, 1, "bash", 'S' },
	{ "77 (a b c) R" TAIL, 1, "a b c", 'R' },
	{ "77 (a) b) (c ) D" TAIL, 1, "a) b) (c ", 'D' },
	{ "77 ()) Z" TAIL, 1, ")", 'Z' },
	{ "77 (() X" TAIL, 1, "(", 'X' },
	{ "77 (t) T" TAIL, 1, "t", 'T' },
	{ "77 (t) t" TAIL, 1, "t", 't' },
	{ "77 (idle) I" TAIL, 1, "idle", 'I' },
	{ "77 (w) W" TAIL, 1, "w", 'W' },
	{ "77 (p) P" TAIL, 1, "p", 'P' },
	{ "77 (k) K" TAIL, 1, "k", 'K' },
	{ "", 0, NULL, 0 },
	{ "77", 0, NULL, 0 },
	{ "77 (bash", 0, NULL, 0 },
	{ "77 (bash) S", 0, NULL, 0 },
	{ "77 (bash) S 1 2 3", 0, NULL, 0 },
	{ "x (a) S" TAIL, 0, NULL, 0 },
	{ "-3 (a) S" TAIL, 0, NULL, 0 },
	{ "0 (a) S" TAIL, 0, NULL, 0 },
	{ "77 a) S" TAIL, 0, NULL, 0 },
	{ "77 (a) S 1 x 70 0 -1 0 0 0 0 0 1 2 3 4 20 0 2 0 9 0 5\n", 0, NULL, 0 },
	{ "77 (a) S 1 70 70 0 -1 0 0 0 0 0 1 2 3 4 20 0 2 0 99999999999999999999 0 5\n", 0, NULL, 0 },
};

static void test_parse_table(void)
{
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		struct procfs_stat s;
		int r = procfs_stat_parse(lines[i].line, strlen(lines[i].line), &s);
		if (!lines[i].ok) {
			is_int(r, -1, "line %zu refused: \"%.20s\"", i, lines[i].line);
			continue;
		}
		is_int(r, 0, "line %zu parsed", i);
		is_str(s.comm, lines[i].comm, "line %zu comm", i);
		is_int(s.state, lines[i].state, "line %zu state", i);
		is_int(s.pid, 77, "line %zu pid", i);
		is_int(s.ppid, 1, "line %zu ppid", i);
		is_int(s.pgrp, 70, "line %zu pgrp", i);
		is_int(s.ticks, 3, "line %zu utime + stime", i);
		is_int(s.child_ticks, 7, "line %zu cutime + cstime", i);
		is_int(s.threads, 2, "line %zu threads", i);
		is_int(s.starttime, 9, "line %zu starttime", i);
		is_int(s.rss_pages, 5, "line %zu rss", i);
	}
}

static void test_parse_odd_values(void)
{
	struct procfs_stat s;
	/* a long comm is cut to fit; negative child times count as none */
	char line[512];
	char comm[100];
	memset(comm, 'c', sizeof comm - 1);
	comm[sizeof comm - 1] = '\0';
	snprintf(line, sizeof line, "5 (%s) S 1 5 5 0 -1 0 0 0 0 0 1 1 -4 -4 20 0 0 0 8 0 -2\n", comm);
	is_int(procfs_stat_parse(line, strlen(line), &s), 0, "long comm parsed");
	is_int((int)strlen(s.comm), (int)sizeof s.comm - 1, "long comm cut to fit");
	is_int(s.child_ticks, 0, "negative child ticks count as none");
	is_int(s.threads, 1, "no thread count means one");
	is_int(s.rss_pages, 0, "negative rss counts as none");
	/* len bounds the line: no reading past it */
	const char *l = "77 (bash) S" TAIL;
	is_int(procfs_stat_parse(l, 20, &s), -1, "a line cut short by len is refused");
}

static void test_dead(void)
{
	const char *dead = "ZX", *live = "RSDTtIWPK";
	for (const char *c = dead; *c; c++)
		ok(procfs_state_dead(*c), "state %c has died", *c);
	for (const char *c = live; *c; c++)
		ok(!procfs_state_dead(*c), "state %c has not", *c);
}

static void test_read(void)
{
	struct procfs_stat s;
	is_int(procfs_stat_read(getpid(), &s), 0, "own stat read");
	is_int(s.pid, getpid(), "own pid");
	is_int(s.pgrp, getpgrp(), "own group");
	is_int(s.state, 'R', "running while reading itself");
	ok(s.starttime > 0, "started after boot (%lld)", s.starttime);
	ok(strncmp(s.comm, "test_procfs", 11) == 0, "own comm (%s)", s.comm);
	errno = 0;
	is_int(procfs_stat_read(0, &s), -1, "pid 0 has no stat");
	is_int(errno, ENOENT, "as no such process");
	errno = 0;
	is_int(procfs_stat_read(0x7ffffff0, &s), -1, "an unused pid has no stat");
	ok(errno == ENOENT || errno == ESRCH, "as no such process (%s)", strerror(errno));
}

/* A kept stat file reads afresh each time and stays bound to its process:
 * once that process is reaped it reads ESRCH, never whoever holds the pid
 * next. */
static void test_kept(void)
{
	int go[2];
	if (pipe(go) < 0)
		return;
	pid_t child = fork();
	if (child == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	close(go[0]);
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)child);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct procfs_stat s;
	is_int(procfs_stat_pread(fd, &s), 0, "a kept stat file reads");
	is_int(s.pid, child, "the child's");
	ok(s.state != 'T', "not stopped yet (%c)", s.state);
	kill(child, SIGSTOP);
	int st;
	waitpid(child, &st, WUNTRACED);
	is_int(procfs_stat_pread(fd, &s), 0, "read again");
	is_int(s.state, 'T', "afresh: now stopped");
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	errno = 0;
	is_int(procfs_stat_pread(fd, &s), -1, "reaped: the kept file reads no more");
	is_int(errno, ESRCH, "ESRCH, whatever holds the pid now");
	close(fd);
	close(go[1]);
}

static void test_boot_id(void)
{
	char a[PROCFS_BOOT_ID_SIZE], b[PROCFS_BOOT_ID_SIZE];
	memset(a, 'x', sizeof a);
	is_int(procfs_boot_id(a, sizeof a), 0, "boot id read");
	is_int((int)strlen(a), 36, "a UUID without its newline (%s)", a);
	int padded = 1;
	for (size_t i = strlen(a); i < sizeof a; i++)
		padded &= a[i] == '\0';
	ok(padded, "NUL-padded to the whole buffer");
	procfs_boot_id(b, sizeof b);
	ok(memcmp(a, b, sizeof a) == 0, "the same on a second read");
}

int main(void)
{
	plan_no_plan();
	test_parse_table();
	test_parse_odd_values();
	test_dead();
	test_read();
	test_kept();
	test_boot_id();
	return done_testing();
}
