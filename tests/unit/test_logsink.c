/* The log sink: line cutting at every split point, long lines, unterminated
 * tails, stamps, combined output, rotation, flush, failed and short writes
 * (never a torn line, the loss written down), file mode, speed. */
#include "tap.h"
#include "clock.h"
#include "logsink.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/psup-logsink-XXXXXX";
static char out_path[256], err_path[256], comb_path[256];

static void spec_for(struct app_spec *s, int time, const char *fmt)
{
	spec_defaults(s);
	s->out_file = strdup(out_path);
	s->err_file = strdup(err_path);
	s->combined_file = strdup(comb_path);
	s->time = time;
	s->log_date_format = fmt ? strdup(fmt) : NULL;
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		*len = 0;
		return strdup("");
	}
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	ssize_t r;
	while ((r = read(fd, b + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap)
			b = realloc(b, (cap *= 2) + 1);
	}
	close(fd);
	b[n] = '\0';
	*len = n;
	return b;
}

static int64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void reset_files(void)
{
	unlink(out_path);
	unlink(err_path);
	unlink(comb_path);
}

/* Feeds input in pieces cut at the given points, ends the stream, and
 * returns what the out file holds. */
static char *run_cuts(const char *in, size_t n, const size_t *cuts, int ncuts, int time,
    const char *fmt, size_t *outlen, long long *split)
{
	reset_files();
	struct app_spec s;
	spec_for(&s, time, fmt);
	struct logsink ls;
	logsink_open(&ls, &s, NULL);
	struct logline ll = { 0 };
	size_t at = 0;
	for (int i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : n;
		logsink_feed(&ls, &ll, LOG_OUT, in + at, to - at, 1700000000123LL);
		at = to;
	}
	logsink_eof(&ls, &ll, LOG_OUT, 1700000000123LL);
	if (split)
		*split = ls.lines_split;
	logsink_close(&ls);
	spec_free(&s);
	return slurp(out_path, outlen);
}

static int check_all_splits(const char *in, const char *want, int time, const char *fmt)
{
	size_t n = strlen(in), wl = strlen(want);
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i; j <= n; j++) {
			size_t cuts[2] = { i, j };
			size_t got_len;
			char *got = run_cuts(in, n, cuts, 2, time, fmt, &got_len, NULL);
			int same = got_len == wl && memcmp(got, want, wl) == 0;
			if (!same) {
				diag("cuts %zu,%zu: got [%s] want [%s]", i, j, got, want);
				free(got);
				return 0;
			}
			free(got);
		}
	}
	return 1;
}

static const struct {
	const char *in, *want;
} cut_cases[] = {
	{ "", "" },
	{ "a\n", "a\n" },
	{ "abc", "abc\n" },
	{ "one\ntwo\n", "one\ntwo\n" },
	{ "one\ntwo", "one\ntwo\n" },
	{ "\n\n\n", "\n\n\n" },
	{ "x\n\ny\n\nz", "x\n\ny\n\nz\n" },
	{ "line 1\r\nline 2\r\n", "line 1\r\nline 2\r\n" },
};


/* The pure cut after a short write: the bytes up to the last newline. */
static void whole_cases(void)
{
	char a[] = "ab\ncd", b[] = "\nef\n";
	struct iovec iov[2] = { { a, 5 }, { b, 4 } };
	static const size_t written[] = { 0, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const size_t want[] = { 0, 0, 3, 3, 3, 6, 6, 6, 9 };
	int same = 1;
	for (size_t i = 0; i < sizeof written / sizeof written[0]; i++)
		if (logfile_whole(iov, 2, written[i]) != want[i]) {
			diag("%zu written: %zu kept, want %zu", written[i],
			    logfile_whole(iov, 2, written[i]), want[i]);
			same = 0;
		}
	ok(same, "a short write keeps up to its last newline, across iovecs");
	ok(logfile_lines(iov, 2, 0) == 3 && logfile_lines(iov, 2, 3) == 2 &&
	    logfile_lines(iov, 2, 6) == 1 && logfile_lines(iov, 2, 9) == 0,
	    "lines counted from an offset");
}

/* Feeds lines "T: line NNN xxx...\n" of 64 bytes numbered from *next. */
static void feed_numbered(struct logsink *ls, struct logline *ll, int count, int *next)
{
	char b[64 * 32];
	size_t k = 0;
	for (int i = 0; i < count; i++) {
		int h = snprintf(b + k, 32, "line %03d ", (*next)++);
		memset(b + k + (size_t)h, 'x', (size_t)(60 - h));
		b[k + 60] = '\n';
		k += 61;
	}
	logsink_feed(ls, ll, LOG_OUT, b, k, 0);
}

/* A real short write: a file-size limit (as a full disk, the write stops
 * part-way, then fails with EFBIG). Nothing is printed while the limit is
 * on: the test's own output may be a file. */
static void short_write_cases(void)
{
	struct rlimit old, low;
	reset_files();
	struct app_spec s;
	spec_for(&s, 1, "T");
	free(s.combined_file);
	s.combined_file = NULL;
	struct logsink ls;
	logsink_open(&ls, &s, NULL);
	struct logline ll = { 0 };
	int next = 1;
	getrlimit(RLIMIT_FSIZE, &old);
	low = old;
	low.rlim_cur = 980; /* 15 lines of 64 bytes, then 20 bytes of the 16th */
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &low);
	feed_numbered(&ls, &ll, 20, &next);
	struct stat st1, st2;
	stat(out_path, &st1);
	long long dropped1 = ls.lines_dropped;
	/* the loss line (36 bytes) does not fit in the 20 left either */
	feed_numbered(&ls, &ll, 5, &next);
	stat(out_path, &st2);
	setrlimit(RLIMIT_FSIZE, &old);
	is_int(st1.st_size, 15 * 64, "a short write is cut back to its last whole line");
	is_int(dropped1, 5, "the 5 lines that did not fit are counted");
	ok(strstr(ls.last_error, "cannot write") && strstr(ls.last_error, "File too large"),
	    "the error is kept: %s", ls.last_error);
	is_int(st2.st_size, 15 * 64, "a loss line that does not fit is cut back too");
	is_int(ls.lines_dropped, 10, "10 lines lost in all");
	/* space again: the loss line first, then the new lines */
	feed_numbered(&ls, &ll, 2, &next);
	is_int(ls.lines_dropped, 10, "nothing lost once the write works");
	logsink_close(&ls);
	spec_free(&s);
	logline_free(&ll);
	size_t len;
	char *got = slurp(out_path, &len);
	char *lines = got, *want = malloc(64 * 20);
	size_t k = 0;
	for (int i = 1; i <= 15; i++)
		k += (size_t)snprintf(want + k, 64 * 20 - k, "T: line %03d %s\n", i,
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	k += (size_t)snprintf(want + k, 64 * 20 - k, "T: psup: 10 lines lost: File too large\n");
	for (int i = 26; i <= 27; i++)
		k += (size_t)snprintf(want + k, 64 * 20 - k, "T: line %03d %s\n", i,
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	is_str(lines, want, "whole lines, the stamped loss line, then the new lines");
	free(want);
	free(got);
	struct stat st;
	ok(stat(out_path, &st) == 0 && (st.st_mode & 0777) == 0640,
	    "log files are created 0640 (umask 022): %o", (unsigned)(st.st_mode & 0777));
}

/* log_type: json lines as pm2 writes them, and day.js stamps. */
static void test_json_and_dayjs(void)
{
	reset_files();
	struct app_spec s;
	spec_for(&s, 0, NULL);
	s.log_json = 1;
	s.name = strdup("api/v2");
	struct logsink ls;
	logsink_open(&ls, &s, NULL);
	struct logline lo = { 0 }, le = { 0 };
	const char out[] = "hello \"w\"\tx\x01\n";
	logsink_feed(&ls, &lo, LOG_OUT, out, sizeof out - 1, 1700000000123LL);
	logsink_feed(&ls, &le, LOG_ERR, "oops", 4, 1700000000123LL);
	logsink_eof(&ls, &le, LOG_ERR, 1700000000124LL);
	logsink_close(&ls);
	size_t n;
	char *got = slurp(out_path, &n);
	is_str(got, "{\"message\":\"hello \\\"w\\\"\\tx\\u0001\\n\",\"timestamp\":"
	    "\"2023-11-14T22:13:20.123Z\",\"type\":\"out\",\"app_name\":\"api/v2\"}\n",
	    "a JSON line: escaped, UTC timestamp, type out, app_name");
	free(got);
	got = slurp(err_path, &n);
	is_str(got, "{\"message\":\"oops\\n\",\"timestamp\":\"2023-11-14T22:13:20.124Z\","
	    "\"type\":\"err\",\"app_name\":\"api/v2\"}\n", "the error stream: type err");
	free(got);
	spec_free(&s);

	reset_files();
	spec_for(&s, 0, "DD/MM HH:mm:ss.SSS");
	s.log_json = 1;
	logsink_open(&ls, &s, NULL);
	logsink_feed(&ls, &lo, LOG_OUT, "x\n", 2, 1700000000123LL);
	logsink_close(&ls);
	got = slurp(out_path, &n);
	ok(strstr(got, "\"timestamp\":\"14/11 22:13:20.123\"") != NULL,
	    "with log_date_format the JSON timestamp uses it");
	free(got);
	spec_free(&s);
	logline_free(&lo);

	char ts[64];
	logsink_stamp("YYYY-MM-DD HH:mm:ss.SSS Z", 1700000000123LL, ts, sizeof ts);
	is_str(ts, "2023-11-14 22:13:20.123 +00:00", "a day.js stamp");
	logsink_stamp("%d.%m.%Y %H:%M", 1700000000123LL, ts, sizeof ts);
	is_str(ts, "14.11.2023 22:13", "strftime when the format holds a %%");
}

int main(void)
{
	plan_no_plan();
	setenv("TZ", "UTC", 1);
	tzset();
	umask(022);
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	snprintf(out_path, sizeof out_path, "%s/sub/app-out.log", dir);
	snprintf(err_path, sizeof err_path, "%s/sub/app-error.log", dir);
	snprintf(comb_path, sizeof comb_path, "%s/sub/app-combined.log", dir);

	for (size_t i = 0; i < sizeof cut_cases / sizeof cut_cases[0]; i++)
		ok(check_all_splits(cut_cases[i].in, cut_cases[i].want, 0, NULL),
		    "every 3-way split of case %zu", i);
	ok(check_all_splits("ab\ncd\nef", "T: ab\nT: cd\nT: ef\n", 1, "T"),
	    "every split with a stamp prefix");

	/* default stamp: ISO 8601 with milliseconds */
	char ts[64];
	logsink_stamp(NULL, 1700000000123LL, ts, sizeof ts);
	is_str(ts, "2023-11-14T22:13:20.123+00:00", "default stamp is ISO 8601 with ms");
	size_t gl;
	size_t nocut[1];
	char *got = run_cuts("a\nb\n", 4, nocut, 0, 1, NULL, &gl, NULL);
	is_str(got, "2023-11-14T22:13:20.123+00:00: a\n2023-11-14T22:13:20.123+00:00: b\n",
	    "stamped lines");
	free(got);
	test_json_and_dayjs();

	/* trimming the stamping area between batches changes nothing */
	{
		reset_files();
		struct app_spec ts_spec;
		spec_for(&ts_spec, 1, "T");
		struct logsink tls;
		logsink_open(&tls, &ts_spec, NULL);
		struct logline tll = { 0 };
		logsink_feed(&tls, &tll, LOG_OUT, "a\nb", 3, 0);
		logsink_trim(&tls);
		ok(tls.stage == NULL, "trim frees the stamping area");
		logsink_feed(&tls, &tll, LOG_OUT, "c\nd\n", 4, 0);
		logsink_close(&tls);
		spec_free(&ts_spec);
		logline_free(&tll);
		size_t tl;
		char *t = slurp(out_path, &tl);
		is_str(t, "T: a\nT: bc\nT: d\n", "stamped lines across a trim");
		free(t);
	}

	/* the carried end of a line takes a buffer sized to it, freed by a
	 * trim once the line went out, kept while it is still held */
	{
		reset_files();
		struct app_spec cs;
		spec_for(&cs, 0, NULL);
		struct logsink cls;
		logsink_open(&cls, &cs, NULL);
		struct logline cll = { 0 };
		logsink_feed(&cls, &cll, LOG_OUT, "x\nabc", 5, 0);
		ok(cll.len == 3 && cll.cap > 0 && cll.cap <= 256, "a short carried end takes a small buffer");
		logline_trim(&cll);
		ok(cll.buf != NULL && cll.len == 3, "trim keeps a buffer that holds a line's start");
		char part[1000];
		memset(part, 'd', sizeof part);
		logsink_feed(&cls, &cll, LOG_OUT, part, sizeof part, 0);
		ok(cll.len == 1003 && cll.cap >= 1003 && cll.cap <= 2048, "the buffer grows with the line");
		logsink_feed(&cls, &cll, LOG_OUT, "e\n", 2, 0);
		logline_trim(&cll);
		ok(cll.buf == NULL && cll.cap == 0, "trim frees the buffer once the line went out");
		logsink_feed(&cls, &cll, LOG_OUT, "f\n", 2, 0);
		logsink_close(&cls);
		spec_free(&cs);
		logline_free(&cll);
		size_t cl;
		char *c = slurp(out_path, &cl);
		int whole = cl == 2 + 3 + 1000 + 2 + 2 && memcmp(c, "x\nabc", 5) == 0 &&
		    c[5 + 1000] == 'e' && strcmp(c + cl - 2, "f\n") == 0;
		ok(whole, "lines across growth and trim are whole");
		free(c);
	}

	/* long lines: 200000 bytes cut at LOGSINK_LINE_MAX, fed in odd pieces */
	size_t big = 200000;
	char *in = malloc(big + 8);
	for (size_t i = 0; i < big; i++)
		in[i] = (char)('a' + i % 26);
	memcpy(in + big, "\nend\n", 5);
	size_t cuts[3] = { 1, 70000, 131072 };
	long long split = 0;
	got = run_cuts(in, big + 5, cuts, 3, 0, NULL, &gl, &split);
	is_int(split, 3, "200000-byte line split 3 times");
	is_int(gl, big + 5 + 3, "three newlines added");
	int pieces_ok = gl == big + 8 && got[LOGSINK_LINE_MAX] == '\n' &&
	    got[2 * LOGSINK_LINE_MAX + 1] == '\n' && got[3 * LOGSINK_LINE_MAX + 2] == '\n' &&
	    memcmp(got, in, LOGSINK_LINE_MAX) == 0 && strcmp(got + gl - 4, "end\n") == 0;
	ok(pieces_ok, "pieces are the line's bytes in order");
	free(got);
	/* a line of exactly the maximum is not split, one byte more is */
	memset(in, 'x', LOGSINK_LINE_MAX);
	in[LOGSINK_LINE_MAX] = '\n';
	got = run_cuts(in, LOGSINK_LINE_MAX + 1, cuts, 0, 0, NULL, &gl, &split);
	ok(split == 0 && gl == LOGSINK_LINE_MAX + 1, "a line of exactly the maximum stays whole");
	free(got);
	size_t c1[1] = { 10 };
	got = run_cuts(in, LOGSINK_LINE_MAX + 1, c1, 1, 0, NULL, &gl, &split);
	ok(split == 0 && gl == LOGSINK_LINE_MAX + 1, "same when carried across reads");
	free(got);
	memset(in, 'y', LOGSINK_LINE_MAX + 1);
	in[LOGSINK_LINE_MAX + 1] = '\n';
	got = run_cuts(in, LOGSINK_LINE_MAX + 2, c1, 1, 0, NULL, &gl, &split);
	ok(split == 1 && gl == LOGSINK_LINE_MAX + 3 && got[LOGSINK_LINE_MAX] == '\n' &&
	    got[LOGSINK_LINE_MAX + 1] == 'y', "one byte over is split once");
	free(got);
	/* a long unterminated tail */
	memset(in, 'z', big);
	got = run_cuts(in, big, c1, 1, 0, NULL, &gl, &split);
	ok(split == 3 && gl == big + 4, "a long tail without newline: split and flushed at EOF");
	free(got);
	free(in);

	/* both streams: per-stream files and the combined file, lines whole */
	reset_files();
	struct app_spec s;
	spec_for(&s, 0, NULL);
	struct logsink ls;
	char *cause = NULL;
	is_int(logsink_open(&ls, &s, &cause), 0, "open creates the log directory");
	struct logline lo = { 0 }, le = { 0 };
	logsink_feed(&ls, &lo, LOG_OUT, "out1\nou", 7, 0);
	logsink_feed(&ls, &le, LOG_ERR, "err1\ner", 7, 0);
	logsink_feed(&ls, &lo, LOG_OUT, "t2\n", 3, 0);
	logsink_eof(&ls, &le, LOG_ERR, 0);
	logsink_eof(&ls, &lo, LOG_OUT, 0);
	logsink_message(&ls, LOG_ERR, "psup: cannot exec x", 0);
	char *o = slurp(out_path, &gl), *e = slurp(err_path, &gl), *c = slurp(comb_path, &gl);
	is_str(o, "out1\nout2\n", "out file");
	is_str(e, "err1\ner\npsup: cannot exec x\n", "error file");
	is_str(c, "out1\nerr1\nout2\ner\npsup: cannot exec x\n", "combined file, whole lines");
	free(o);
	free(e);
	free(c);

	/* flush empties, writes go on at offset 0 */
	is_int(logsink_flush(&ls, NULL), 0, "flush");
	logsink_feed(&ls, &lo, LOG_OUT, "after\n", 6, 0);
	o = slurp(out_path, &gl);
	is_str(o, "after\n", "after flush the file holds only new lines");
	free(o);
	logsink_close(&ls);
	spec_free(&s);

	/* rotation by rename, keeping log_retain files */
	reset_files();
	spec_for(&s, 0, NULL);
	free(s.combined_file);
	s.combined_file = NULL;
	s.log_max_size = 1000;
	s.log_retain = 2;
	logsink_open(&ls, &s, NULL);
	char chunk[500];
	int line_no = 0;
	for (int b = 0; b < 13; b++) {
		size_t k = 0;
		for (int l = 0; l < 10; l++)
			k += (size_t)snprintf(chunk + k, sizeof chunk - k, "line %05d %30s\n", line_no++, "x");
		logsink_feed(&ls, &lo, LOG_OUT, chunk, k, 0);
	}
	char p1[300], p2[300], p3[300];
	snprintf(p1, sizeof p1, "%s.1", out_path);
	snprintf(p2, sizeof p2, "%s.2", out_path);
	snprintf(p3, sizeof p3, "%s.3", out_path);
	struct stat st;
	ok(stat(p1, &st) == 0 && stat(p2, &st) == 0, "name.1 and name.2 exist");
	ok(stat(p3, &st) < 0, "no name.3 with log_retain 2");
	char *r1 = slurp(p1, &gl);
	ok(gl > 0 && r1[gl - 1] == '\n' && strncmp(r1, "line ", 5) == 0, "rotated file holds whole lines");
	char *cur = slurp(out_path, &gl);
	ok(gl < 1000 + 500, "current file below max + one batch");
	/* the newest line is in the current file, older ones in .1 */
	ok(strstr(cur, "line 00129") != NULL, "newest line in the current file");
	free(r1);
	free(cur);
	logsink_close(&ls);
	spec_free(&s);

	/* /dev/null as a log file: written to, never rotated or truncated */
	spec_defaults(&s);
	s.out_file = strdup("/dev/null");
	s.log_max_size = 10;
	logsink_open(&ls, &s, NULL);
	logsink_feed(&ls, &lo, LOG_OUT, "0123456789abcdef\n", 17, 0);
	is_int(logsink_flush(&ls, NULL), 0, "flush of /dev/null is a no-op");
	ok(stat("/dev/null.1", &st) < 0 && stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode),
	    "/dev/null is never rotated");
	is_int(ls.write_errors, 0, "no error writing to /dev/null");
	logsink_close(&ls);
	spec_free(&s);

	whole_cases();
	short_write_cases();

	/* a failed write is counted, never silent */
	spec_defaults(&s);
	s.out_file = strdup("/dev/full");
	logsink_open(&ls, &s, NULL);
	logsink_feed(&ls, &lo, LOG_OUT, "a\nb\nc\n", 6, 0);
	is_int(ls.lines_dropped, 3, "three lines dropped on /dev/full are counted");
	ok(ls.write_errors > 0 && strstr(ls.last_error, "/dev/full"), "error noted: %s", ls.last_error);
	logsink_close(&ls);
	spec_free(&s);
	logline_free(&lo);
	logline_free(&le);

	/* speed: 100-byte lines through 256 KiB reads, out + combined */
	size_t rb = 2621 * 100; /* about 256 KiB of whole lines */
	char *rbuf = malloc(rb);
	for (size_t i = 0; i < rb; i += 100) {
		memset(rbuf + i, 'a' + (int)(i / 100 % 26), 99);
		rbuf[i + 99] = '\n';
	}
	for (int time = 0; time <= 1; time++) {
		reset_files();
		spec_for(&s, time, NULL);
		free(s.err_file);
		s.err_file = NULL;
		logsink_open(&ls, &s, NULL);
		long long total = 0;
		/* CPU time, not wall time: the suite runs on loaded machines */
		int64_t t0 = cpu_ns();
		size_t off = 0;
		while (total < 200LL << 20) {
			/* reads rarely end on a line boundary */
			size_t n = rb - off;
			logsink_feed(&ls, &lo, LOG_OUT, rbuf + off, n, clock_real_ms());
			total += (long long)n;
			off = (off + 37) % 100;
		}
		int64_t t1 = cpu_ns();
		double mbs = (double)total / 1e6 / ((double)(t1 - t0) / 1e9);
		diag("logsink %s: %.0f MB/s of CPU time, 100-byte lines (out + combined files)",
		    time ? "with stamps" : "plain", mbs);
		ok(mbs > 100, "logsink %s is fast (%.0f MB/s)", time ? "with stamps" : "plain", mbs);
		logsink_close(&ls);
		spec_free(&s);
		logline_free(&lo);
	}
	free(rbuf);

	reset_files();
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
