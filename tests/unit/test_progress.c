/* progress_parse over good and bad lines, and every prefix of a good one. */
#include "tap.h"
#include "progress.h"

#include <stdlib.h>

/* Field by field: a struct's padding need not survive an assignment. */
static int same_progress(const struct progress *a, const struct progress *b)
{
	return a->have == b->have && a->done == b->done && a->total == b->total &&
	    a->failed == b->failed && a->inflight == b->inflight && strcmp(a->job, b->job) == 0;
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
	struct progress q = { PROGRESS_HAVE_DONE | PROGRESS_HAVE_TOTAL | PROGRESS_HAVE_INFLIGHT, 7, 9, 0, 2, "" };
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
	struct progress jq = { PROGRESS_HAVE_DONE | PROGRESS_HAVE_JOB, 3, 0, 0, 0, "job:1a" };
	progress_format(&jq, out, sizeof out);
	is_str(out, "{\"done\":3,\"job\":\"job:1a\"}", "format with job");
	ok(progress_parse(out, strlen(out), &r) == 0 && strcmp(r.job, "job:1a") == 0,
	    "job round trip");

	char small[8];
	len = progress_format(&q, small, sizeof small);
	ok(len > 7 && strlen(small) == 7, "format truncates like snprintf");
	return done_testing();
}
