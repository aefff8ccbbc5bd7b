/* The spec file: scripted sequences of puts, drops, cuts and garbage, each
 * read back for the live specs in order, the dead and the torn bytes; a
 * write cut short by the file size limit leaves nothing behind; a rewrite
 * keeps the live specs and appends after them. */
#include "tap.h"
#include "speclog.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC_LEN 13            /* "psup-specs 1\n" */

enum op { PUT, DROP, CUT, JUNK, FLIP };

struct step {
	enum op op;
	const char *name;           /* PUT, DROP */
	const char *arg;            /* PUT: the spec; JUNK: what to append */
	int n;                      /* CUT: bytes off the end; FLIP: offset from the end */
};

static const struct {
	const char *what;
	struct step steps[8];
	const char *live;           /* "name=spec;..." in order */
	int dead;                   /* records superseded */
	int torn;                   /* 1 when a torn tail is expected */
} cases[] = {
	{ "nothing written", { { PUT, NULL, NULL, 0 } }, "", 0, 0 },
	{ "two apps", { { PUT, "a", "x=1\n", 0 }, { PUT, "b", "y=2\n", 0 } }, "a=x=1\n;b=y=2\n;", 0, 0 },
	{ "a changed: its last spec, in the order of last writes",
	  { { PUT, "a", "x=1\n", 0 }, { PUT, "b", "y\n", 0 }, { PUT, "a", "x=3\n", 0 } },
	  "b=y\n;a=x=3\n;", 1, 0 },
	{ "a deleted", { { PUT, "a", "x\n", 0 }, { DROP, "a", NULL, 0 } }, "", 2, 0 },
	{ "a deleted and made again",
	  { { PUT, "a", "x\n", 0 }, { DROP, "a", NULL, 0 }, { PUT, "a", "z\n", 0 } }, "a=z\n;", 2, 0 },
	{ "names that prefix each other stay apart",
	  { { PUT, "ab", "1", 0 }, { PUT, "a", "2", 0 }, { PUT, "abc", "3", 0 }, { DROP, "ab", NULL, 0 } },
	  "a=2;abc=3;", 2, 0 },
	{ "a name with a slash and a space, a spec of many lines",
	  { { PUT, "w/x y", "cmd=a\nargs=b\\nc\n\n", 0 } }, "w/x y=cmd=a\nargs=b\\nc\n\n;", 0, 0 },
	{ "the last record cut short by a crash",
	  { { PUT, "a", "x\n", 0 }, { PUT, "b", "y\n", 0 }, { CUT, NULL, NULL, 3 } }, "a=x\n;", 0, 1 },
	{ "only its final newline lost",
	  { { PUT, "a", "x\n", 0 }, { CUT, NULL, NULL, 1 } }, "", 0, 1 },
	{ "garbage after the last record",
	  { { PUT, "a", "x\n", 0 }, { JUNK, NULL, "\0\0\0\0\0\0", 0 } }, "a=x\n;", 0, 1 },
	{ "a header that is not one",
	  { { PUT, "a", "x\n", 0 }, { JUNK, NULL, "P 1 2 zz\nab\n", 0 } }, "a=x\n;", 0, 1 },
	{ "a flipped byte in the last spec fails its check",
	  { { PUT, "a", "x\n", 0 }, { PUT, "b", "yyyy\n", 0 }, { FLIP, NULL, NULL, 3 } }, "a=x\n;", 0, 1 },
	{ "a drop that names no spec is harmless",
	  { { DROP, "ghost", NULL, 0 }, { PUT, "a", "x", 0 } }, "a=x;", 1, 0 },
};

static char dir[] = "/tmp/test_speclog.XXXXXX";

static void file_edit(const char *path, const struct step *s)
{
	FILE *f;
	struct stat st;
	switch (s->op) {
	case CUT:
		if (stat(path, &st) == 0 && truncate(path, st.st_size - s->n) < 0)
			diag("truncate: %s", strerror(errno));
		break;
	case JUNK:
		if ((f = fopen(path, "a"))) {
			/* JUNK of NULs: the literal's length, not strlen */
			size_t n = s->arg[0] ? strlen(s->arg) : 6;
			fwrite(s->arg, 1, n, f);
			fclose(f);
		}
		break;
	case FLIP:
		if ((f = fopen(path, "r+"))) {
			fseek(f, -s->n, SEEK_END);
			int c = fgetc(f);
			fseek(f, -s->n, SEEK_END);
			fputc(c ^ 1, f);
			fclose(f);
		}
		break;
	default:
		break;
	}
}

static char *live_text(const struct speclog_set *set)
{
	size_t cap = 1;
	for (size_t i = 0; i < set->n; i++)
		cap += set->recs[i].name_len + set->recs[i].spec_len + 2;
	char *t = calloc(1, cap), *p = t;
	for (size_t i = 0; i < set->n; i++)
		p += sprintf(p, "%.*s=%.*s;", (int)set->recs[i].name_len, set->recs[i].name,
		    (int)set->recs[i].spec_len, set->recs[i].spec);
	return t;
}

static void run_case(size_t ci)
{
	char path[64];
	snprintf(path, sizeof path, "%s/specs%zu", dir, ci);
	struct speclog l;
	char *cause = NULL;
	ok(speclog_open(&l, path, &cause) == 0, "%s: opened (%s)", cases[ci].what, cause ? cause : "");
	free(cause);
	long dead = 0, bytes[8] = { 0 };
	int recs = 0;
	for (int i = 0; i < 8 && cases[ci].steps[i].name; i++) {
		const struct step *s = &cases[ci].steps[i];
		bytes[i] = s->op == PUT ? speclog_put(&l, s->name, s->arg, strlen(s->arg), NULL)
		    : speclog_drop(&l, s->name, NULL);
		recs++;
	}
	for (int i = 0; i < 8; i++)
		if (!cases[ci].steps[i].name && cases[ci].steps[i].op != PUT)
			file_edit(path, &cases[ci].steps[i]);
	speclog_close(&l);

	struct speclog_set set;
	ok(speclog_read(path, 1 << 20, &set, NULL) == 0, "%s: read", cases[ci].what);
	char *t = live_text(&set);
	is_str(t, cases[ci].live, "%s: live specs", cases[ci].what);
	free(t);
	/* the dead records are the first ones superseded: sum what they took */
	for (int i = 0, k = 0; i < recs && k < cases[ci].dead; i++) {
		const struct step *s = &cases[ci].steps[i];
		int superseded = 0;
		for (int j = i + 1; j < recs; j++)
			superseded |= strcmp(cases[ci].steps[j].name, s->name) == 0;
		if (superseded || s->op == DROP) {
			dead += bytes[i];
			k++;
		}
	}
	is_int((long)set.dead, dead, "%s: dead bytes", cases[ci].what);
	ok((set.torn > 0) == cases[ci].torn, "%s: torn tail %s (%zu bytes at %zu)", cases[ci].what,
	    cases[ci].torn ? "found" : "none", set.torn, set.torn_at);
	speclog_set_free(&set);
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(i);

	char path[64], *cause = NULL;
	struct speclog_set set;
	snprintf(path, sizeof path, "%s/none", dir);
	int r = speclog_read(path, 1 << 20, &set, &cause);
	ok(r < 0 && errno == ENOENT, "no file: ENOENT (%s)", cause);
	free(cause);
	cause = NULL;

	/* a crash between making the file and its first line: empty */
	const char *cut[] = { "", "psup-sp" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/cut%zu", dir, i);
		FILE *c = fopen(path, "w");
		fputs(cut[i], c);
		fclose(c);
		r = speclog_read(path, 1 << 20, &set, NULL);
		ok(r == 0 && set.n == 0 && set.torn == strlen(cut[i]) && set.torn_at == 0,
		    "a file cut inside its first line (%zu bytes) is empty, its bytes torn", strlen(cut[i]));
		speclog_set_free(&set);
	}

	snprintf(path, sizeof path, "%s/other", dir);
	FILE *f = fopen(path, "w");
	fputs("name=a\n", f);
	fclose(f);
	r = speclog_read(path, 1 << 20, &set, &cause);
	ok(r < 0 && cause && strstr(cause, path) && strstr(cause, "not a psup spec file"),
	    "another file is refused by name: %s", cause);
	free(cause);
	cause = NULL;

	/* a write the size limit cuts short leaves the file as it was */
	snprintf(path, sizeof path, "%s/limit", dir);
	struct speclog l;
	speclog_open(&l, path, NULL);
	speclog_put(&l, "a", "x\n", 2, NULL);
	off_t before = file_size(path);
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)before + 10;
	setrlimit(RLIMIT_FSIZE, &lim);
	char big[100];
	memset(big, 'q', sizeof big);
	long w = speclog_put(&l, "b", big, sizeof big, &cause);
	setrlimit(RLIMIT_FSIZE, &old);
	ok(w < 0 && cause && strstr(cause, path), "a cut write fails naming the file: %s", cause);
	free(cause);
	cause = NULL;
	is_int((long)file_size(path), (long)before, "and its part is cut off again");
	ok(speclog_put(&l, "c", "z", 1, NULL) > 0, "the next write goes on");
	speclog_close(&l);
	speclog_read(path, 1 << 20, &set, NULL);
	char *t = live_text(&set);
	is_str(t, "a=x\n;c=z;", "both whole records read back");
	is_int((long)set.torn, 0, "nothing torn");
	free(t);

	/* a rewrite keeps just the live specs; appends follow it */
	ok(speclog_rewrite(&l, path, set.recs, set.n, &cause) == 0, "rewritten (%s)",
	    cause ? cause : "");
	free(cause);
	ok(set.recs[0].bytes > 0 && set.recs[1].bytes > 0, "each record's size is set");
	is_int((long)file_size(path), (long)(MAGIC_LEN + set.recs[0].bytes + set.recs[1].bytes),
	    "the file holds the magic line and the two records");
	speclog_set_free(&set);
	speclog_drop(&l, "a", NULL);
	speclog_put(&l, "d", "w", 1, NULL);
	speclog_close(&l);
	speclog_read(path, 1 << 20, &set, NULL);
	t = live_text(&set);
	is_str(t, "c=z;d=w;", "appends after a rewrite read back");
	free(t);
	speclog_set_free(&set);

	r = speclog_read(path, 16, &set, &cause);
	ok(r < 0 && cause, "a file past the bound is refused: %s", cause);
	free(cause);

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	return done_testing();
}
