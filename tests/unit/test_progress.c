/* progress_parse over good and bad lines, and every prefix of a good one. */
#include "tap.h"
#include "progress.h"

#include <stdlib.h>

/* Field by field: a struct's padding need not survive an assignment. */
static int same_progress(const struct progress *a, const struct progress *b)
{
	return a->have == b->have && a->done == b->done && a->total == b->total &&
	    a->failed == b->failed && a->inflight == b->inflight && strcmp(a->job, b->job) == 0 &&
	    strcmp(a->note, b->note) == 0 &&
	    a->stat_have == b->stat_have && memcmp(a->stat, b->stat, sizeof a->stat) == 0;
}

static const struct {
	const char *line;
	int ok;
	unsigned have;
	long long done, total, failed, inflight;
} cases[] = {
	{ "{\"done\":1200,\"total\":2980,\"failed\":3,\"inflight\":16}", 1, 15, 1200, 2980, 3, 16 },
	{ "{\"done\":0}", 1, 1, 0, 0, 0, 0 },
	{ "  { \"done\" : 5 , \"total\" : 10 }  ", 1, 3, 5, 10, 0, 0 },
	{ "{\"done\":5,\"note\":\"hi \\\"x\\\" \\u00e9\",\"ok\":true,\"x\":null,\"f\":1.5e3}", 1, 1, 5, 0, 0, 0 },
	{ "{\"done\":5,\"rate\":-2.5}", 1, 1, 5, 0, 0, 0 },
	{ "{\"done\":9223372036854775807}", 1, 1, 9223372036854775807LL, 0, 0, 0 },
	{ "{\"done\":1}\r", 1, 1, 1, 0, 0, 0 },
	{ "{\"done\":1,\"done\":2}", 1, 1, 2, 0, 0, 0 },
	{ "", 0, 0, 0, 0, 0, 0 },
	{ "{}", 0, 0, 0, 0, 0, 0 },
	{ "{\"total\":3}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":-1}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1.5}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1e3}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":\"5\"}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":true}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":9223372036854775808}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":01}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1,}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1} x", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1}{", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1,\"a\":{\"b\":1}}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1,\"a\":[1]}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1,\"a\":\"\\x\"}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1,\"a\":\"\\u12\"}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1,\"a\":tru}", 0, 0, 0, 0, 0, 0 },
	{ "{done:1}", 0, 0, 0, 0, 0, 0 },
	{ "[1]", 0, 0, 0, 0, 0, 0 },
	{ "{\"do\\u006ee\":1}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1 \"total\":2}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":-}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1.}", 0, 0, 0, 0, 0, 0 },
	{ "{\"done\":1,\"a\":1e}", 0, 0, 0, 0, 0, 0 },
};

int main(void)
{
	plan_no_plan();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct progress p = { 0 };
		int r = progress_parse(cases[i].line, strlen(cases[i].line), &p);
		is_int(r, cases[i].ok ? 0 : -1, "parse [%s]", cases[i].line);
		if (cases[i].ok && r == 0) {
			ok(p.have == cases[i].have && p.done == cases[i].done &&
			    p.total == cases[i].total && p.failed == cases[i].failed &&
			    p.inflight == cases[i].inflight, "values of [%s]", cases[i].line);
		}
	}

	/* Every proper prefix of a good line is bad, and the parser reads only
	 * the bytes it is given (ASan checks the heap copy has no slack). */
	const char *good = "{\"done\":12,\"total\":30,\"msg\":\"a\\\"b\"}";
	size_t n = strlen(good);
	int prefix_bad = 1;
	for (size_t k = 0; k < n; k++) {
		char *copy = malloc(k ? k : 1);
		memcpy(copy, good, k);
		struct progress p;
		if (progress_parse(copy, k, &p) == 0)
			prefix_bad = 0;
		free(copy);
	}
	ok(prefix_bad, "every prefix of a good line is rejected");

	/* NUL and high bytes inside strings and outside. */
	const char nul[] = "{\"done\":1,\"s\":\"a\0b\"}";
	struct progress p;
	is_int(progress_parse(nul, sizeof nul - 1, &p), -1, "NUL inside a string is rejected");
	const char hi[] = "{\"done\":1,\"s\":\"\xc3\xa9\xff\"}";
	is_int(progress_parse(hi, sizeof hi - 1, &p), 0, "high bytes inside a string are kept as is");

	/* Pseudo-random lines never crash: odd ones are garbage, even ones a
	 * good line with a few bytes changed (so that some are accepted). */
	const char alpha[] = "{}\":,0123456789-.eE \\udonetal";
	const char seedline[] = "{\"done\":12,\"total\":30,\"failed\":1,\"inflight\":4}";
	unsigned seed = 12345;
	char buf[64];
	int accepted = 0, accepted_bad = 0;
	for (int i = 0; i < 20000; i++) {
		size_t len;
		if (i & 1) {
			len = (size_t)(seed % sizeof buf);
			for (size_t k = 0; k < len; k++) {
				seed = seed * 1103515245u + 12345u;
				buf[k] = alpha[(seed >> 16) % (sizeof alpha - 1)];
			}
		} else {
			len = sizeof seedline - 1;
			memcpy(buf, seedline, len);
			for (int k = 0; k < 1 + i % 3; k++) {
				seed = seed * 1103515245u + 12345u;
				buf[(seed >> 8) % len] = alpha[(seed >> 16) % (sizeof alpha - 1)];
			}
		}
		seed = seed * 1103515245u + 12345u;
		if (progress_parse(buf, len, &p) != 0)
			continue;
		/* what is accepted is a valid report: done present, and it
		 * formats into a line that parses back the same */
		accepted++;
		char line[256];
		int fl = progress_format(&p, line, sizeof line);
		struct progress back;
		if (!(p.have & PROGRESS_HAVE_DONE) || fl < 0 || (size_t)fl >= sizeof line ||
		    progress_parse(line, (size_t)fl, &back) != 0 || !same_progress(&p, &back)) {
			if (accepted_bad++ == 0)
				diag("accepted [%.*s], formatted [%s]", (int)len, buf, line);
		}
	}
	ok(accepted > 1000 && accepted_bad == 0,
	    "20000 random lines: each of the %d accepted formats and parses back", accepted);

	/* format round trip */
	struct progress q = { .have = PROGRESS_HAVE_DONE | PROGRESS_HAVE_TOTAL | PROGRESS_HAVE_INFLIGHT,
	    .done = 7, .total = 9, .inflight = 2 };
	char out[128];
	int len = progress_format(&q, out, sizeof out);
	is_str(out, "{\"done\":7,\"total\":9,\"inflight\":2}", "format");
	is_int(len, (int)strlen(out), "format returns its length");
	struct progress r;
	ok(progress_parse(out, strlen(out), &r) == 0 && r.have == q.have && r.done == 7 &&
	    r.total == 9 && r.inflight == 2, "format output parses back");
	/* the shared-job name */
	static const struct { const char *line; int ok; } jobs[] = {
		{ "{\"done\":1,\"job\":\"job:00ff12\"}", 1 },
		{ "{\"job\":\"a.b_c-d:9\",\"done\":1}", 1 },
		{ "{\"done\":1,\"job\":\"\"}", 0 },
		{ "{\"done\":1,\"job\":\"has space\"}", 0 },
		{ "{\"done\":1,\"job\":\"esc\\u0041\"}", 0 },
		{ "{\"done\":1,\"job\":\"0123456789abcdef0123456789abcdef\"}", 1 },
		{ "{\"done\":1,\"job\":\"0123456789abcdef0123456789abcdef0\"}", 0 },
		{ "{\"done\":1,\"job\":5}", 0 },
	};
	for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
		struct progress j;
		int rj = progress_parse(jobs[i].line, strlen(jobs[i].line), &j);
		is_int(rj, jobs[i].ok ? 0 : -1, "job [%s]", jobs[i].line);
		if (rj == 0)
			ok(j.have & PROGRESS_HAVE_JOB, "job [%s] is kept", jobs[i].line);
	}
	struct progress jq = { .have = PROGRESS_HAVE_DONE | PROGRESS_HAVE_JOB, .done = 3, .job = "job:1a" };
	progress_format(&jq, out, sizeof out);
	is_str(out, "{\"done\":3,\"job\":\"job:1a\"}", "format with job");
	ok(progress_parse(out, strlen(out), &r) == 0 && strcmp(r.job, "job:1a") == 0,
	    "job round trip");

	char small[8];
	len = progress_format(&q, small, sizeof small);
	ok(len > 7 && strlen(small) == 7, "format truncates like snprintf");

	/* A worker's request stats: kept when they are counts, ignored (the
	 * line still counts) when an app used those names for other values. */
	const char *st = "{\"done\":4,\"req_2xx\":10,\"req_429\":2,\"lat_p99_ms\":812,"
	    "\"retries\":\"some\",\"tokens\":1.5,\"req_5xx\":-1,\"cost_uusd\":null,\"job\":\"j1\"}";
	struct progress s;
	is_int(progress_parse(st, strlen(st), &s), 0, "a line with stats");
	is_int((int)s.stat_have, (1 << PROGRESS_STAT_REQ_2XX) | (1 << PROGRESS_STAT_REQ_429) |
	    (1 << PROGRESS_STAT_LAT_P99_MS), "counts kept, other values ignored");
	ok(s.stat[PROGRESS_STAT_REQ_2XX] == 10 && s.stat[PROGRESS_STAT_REQ_429] == 2 &&
	    s.stat[PROGRESS_STAT_LAT_P99_MS] == 812, "their values");
	char big[PROGRESS_LINE_MAX + 1];
	progress_format(&s, big, sizeof big);
	is_str(big, "{\"done\":4,\"job\":\"j1\",\"req_2xx\":10,\"req_429\":2,\"lat_p99_ms\":812}",
	    "stats format after the counts");
	ok(progress_parse(big, strlen(big), &r) == 0 && same_progress(&s, &r), "and parse back");
	is_int(progress_stats_pack(&s, big, sizeof big), (int)strlen(big), "pack returns its length");
	is_str(big, "req_2xx:10,req_429:2,lat_p99_ms:812", "packed stats");
	struct progress u = { 0 };
	ok(progress_stats_unpack(big, strlen(big), &u) == 0 && u.stat_have == s.stat_have &&
	    memcmp(u.stat, s.stat, sizeof u.stat) == 0, "unpack round trip");
	const char *odd = "later:5,tokens:3";
	ok(progress_stats_unpack(odd, strlen(odd), &u) == 0 &&
	    u.stat_have == 1u << PROGRESS_STAT_TOKENS && u.stat[PROGRESS_STAT_TOKENS] == 3,
	    "unknown packed stats skipped");
	static const char *const badpack[] = { "tokens", "tokens:", ":3", "tokens:-3", "tokens:1x",
	    "tokens:99999999999999999999", "tokens:1,", ",tokens:1" };
	for (size_t i = 0; i < sizeof badpack / sizeof badpack[0]; i++)
		is_int(progress_stats_unpack(badpack[i], strlen(badpack[i]), &u), -1,
		    "bad packed stats [%s]", badpack[i]);
	/* the longest report fits PROGRESS_LINE_MAX */
	struct progress m = { .have = 31, .done = 9223372036854775807LL,
	    .total = 9223372036854775807LL, .failed = 9223372036854775807LL,
	    .inflight = 9223372036854775807LL, .job = "0123456789abcdef0123456789abcdef" };
	memset(m.note, '\\', sizeof m.note - 1);  /* each escaped: twice as long */
	m.stat_have = (1u << PROGRESS_NSTAT) - 1;
	for (int i = 0; i < PROGRESS_NSTAT; i++)
		m.stat[i] = 9223372036854775807LL;
	len = progress_format(&m, big, sizeof big);
	ok(len > 0 && len <= PROGRESS_LINE_MAX && progress_parse(big, (size_t)len, &r) == 0 &&
	    same_progress(&m, &r), "the longest report (%d bytes) fits and parses back", len);
	char packed[PROGRESS_STATS_MAX + 1];
	len = progress_stats_pack(&m, packed, sizeof packed);
	ok(len > 0 && len <= PROGRESS_STATS_MAX, "the longest packed stats (%d bytes) fit", len);

	/* "halt": decoded text, cut at a character; anything but a string
	 * (or null) or text that is not UTF-8 makes the line bad */
	static const struct {
		const char *line;
		int ok;
		const char *halt;
	} halts[] = {
		{ "{\"done\":1,\"halt\":\"fix the key\"}", 1, "fix the key" },
		{ "{\"halt\":\"a \\\"b\\\" \\\\ \\/\",\"done\":1}", 1, "a \"b\" \\ /" },
		{ "{\"done\":1,\"halt\":\"two\\nlines\\tand\\u0007bell\"}", 1, "two lines and bell" },
		{ "{\"done\":1,\"halt\":\"caf\\u00e9 \u00e9 \\ud83d\\ude00\"}", 1,
		  "caf\u00e9 \u00e9 \U0001F600" },
		{ "{\"done\":1,\"halt\":\"lone \\ud83d\"}", 1, "lone \uFFFD" },
		{ "{\"done\":1,\"halt\":\"\"}", 1, "" },
		{ "{\"done\":1,\"halt\":null}", 1, "" },
		{ "{\"done\":1,\"halt\":\"x\",\"halt\":null}", 1, "" },
		{ "{\"done\":1,\"halt\":\"x\",\"halt\":\"y\"}", 1, "y" },
		{ "{\"done\":1,\"halt\":1}", 0, NULL },
		{ "{\"done\":1,\"halt\":true}", 0, NULL },
		{ "{\"done\":1,\"halt\":nul}", 0, NULL },
		{ "{\"done\":1,\"halt\":\"bad \xff byte\"}", 0, NULL },
		{ "{\"done\":1,\"halt\":\"cut \xc3\"}", 0, NULL },
		{ "{\"done\":1,\"halt\":\"\\u00\"}", 0, NULL },
		{ "{\"halt\":\"no done\"}", 0, NULL },
	};
	for (size_t i = 0; i < sizeof halts / sizeof halts[0]; i++) {
		char h[PROGRESS_HALT_MAX];
		int rc = progress_parse_halt(halts[i].line, strlen(halts[i].line), &r, h);
		if (halts[i].ok)
			ok(rc == 0 && strcmp(h, halts[i].halt) == 0 &&
			    !(r.have & PROGRESS_HAVE_HALT) == !*halts[i].halt,
			    "halt of %s is [%s]", halts[i].line, rc == 0 ? h : "(bad line)");
		else
			ok(rc < 0, "halt line %s is bad", halts[i].line);
	}
	/* "note": the same text, kept with the report; another type ignored */
	static const struct {
		const char *line;
		const char *note;
	} notes[] = {
		{ "{\"done\":1,\"note\":\"the API is down (HTTP 503)\"}", "the API is down (HTTP 503)" },
		{ "{\"done\":1,\"note\":\"a\\tb \\u00e9\"}", "a b \u00e9" },
		{ "{\"done\":1,\"note\":7}", "" },
		{ "{\"done\":1,\"note\":{\"x\":1}}", NULL },
		{ "{\"done\":1,\"note\":\"\xff\"}", NULL },
		{ "{\"done\":1}", "" },
	};
	for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++) {
		int rc = progress_parse(notes[i].line, strlen(notes[i].line), &r);
		if (notes[i].note)
			ok(rc == 0 && strcmp(r.note, notes[i].note) == 0, "note of %s is [%s]",
			    notes[i].line, rc == 0 ? r.note : "(bad line)");
		else
			ok(rc < 0, "note line %s is bad", notes[i].line);
	}
	struct progress wn = { .have = PROGRESS_HAVE_DONE, .done = 3 };
	memset(wn.note, 'x', sizeof wn.note - 1);
	wn.note[0] = '"';
	wn.note[1] = '\n';
	len = progress_format(&wn, big, sizeof big);
	ok(len > 0 && progress_parse(big, (size_t)len, &r) == 0 && strlen(r.note) == 120 &&
	    strncmp(r.note, "\" x", 3) == 0, "a note formats escaped and parses back: %s", big);

	/* a long text is cut at a character boundary, as the writer cuts it */
	char longtext[400], frag[PROGRESS_WIRE_MAX], line[PROGRESS_WIRE_MAX + 16], h[PROGRESS_HALT_MAX];
	for (size_t i = 0; i + 3 < sizeof longtext; i += 3)
		memcpy(longtext + i, "\xe2\x82\xac", 3);  /* €: 3 bytes, so 200 cuts one */
	longtext[399] = '\0';
	len = progress_halt_format(longtext, frag, sizeof frag);
	snprintf(line, sizeof line, "{\"done\":1%s}", frag);
	ok(progress_parse_halt(line, strlen(line), &r, h) == 0 && strlen(h) == 198 &&
	    strncmp(h, longtext, 198) == 0 && (r.have & PROGRESS_HAVE_HALT),
	    "a 399-byte halt is cut to 198 bytes, at a character");
	len = progress_halt_format("say \"no\"\tnow \xff", frag, sizeof frag);
	ok(strcmp(frag, ",\"halt\":\"say \\\"no\\\" now \xef\xbf\xbd\"") == 0,
	    "the writer escapes quotes, a tab becomes a space, a stray byte U+FFFD: %s", frag);
	return done_testing();
}
