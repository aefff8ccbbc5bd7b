/* `psup-worker export`: the job's results as JSON lines in input order (the
 * "combine" step), to standard output or atomically to a file. */
#include "cmd.h"
#include "store.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char export_usage[] =
	"usage: psup-worker export --job STORE [--where FIELD=VALUE]... [--failed] [--with-item]\n"
	"                          [--format jsonl|csv|tsv] [--result-columns] [--no-formulas]\n"
	"                          [--output FILE]\n"
	"\n"
	"Writes one JSON line per finished item, in input order:\n"
	"  {\"id\":...,\"status\":\"ok\"|\"failed\",\"attempts\":N,\"http_status\":N,\n"
	"   \"latency_ms\":N,\"result\":...,\"error\":null|\"...\"}\n"
	"(with endpoints: also \"endpoint\", \"tokens\" and \"cost\"); or a CSV (TSV) a\n"
	"spreadsheet opens: a header, then per item its id (with --with-item, the\n"
	"items' own columns), status, result, error, attempts, http_status,\n"
	"latency_ms, endpoint, tokens, cost. Items not finished yet are left out\n"
	"(and counted on standard error).\n"
	"\n"
	"  --job STORE     sqlite:PATH, a plain path, or postgresql://...\n"
	"  --where FIELD=VALUE\n"
	"                  only the items whose tag (tag=NAME) or top-level field\n"
	"                  has that value; several are ANDed\n"
	"  --failed        only failed items\n"
	"  --with-item     add \"item\": each item's input object as loaded, so that\n"
	"                  a result needs no join with the input file\n"
	"  --format F      jsonl, csv or tsv (default: csv for an --output FILE\n"
	"                  ending in .csv, tsv for .tsv, else jsonl)\n"
	"  --result-columns\n"
	"                  CSV, TSV: a result that is a JSON object (response.json)\n"
	"                  fills a column per key, result.KEY\n"
	"  --no-formulas   CSV, TSV: a cell that starts with =, +, -, @, a tab or a\n"
	"                  carriage return (and is not a number) starts with a ' so\n"
	"                  a spreadsheet shows it instead of running it as a formula\n"
	"                  (a model's answer is text from outside)\n"
	"  --output FILE   write FILE whole or not at all (temp file, fsync, rename)\n"
	"                  instead of standard output\n";

/* Exports into a temp file beside path, then renames it over path, so a
 * reader never sees half an export. The file is 0600: it holds the API's
 * answers, which are the user's alone. */
static int export_file(struct store *s, const char *path, unsigned flags,
    long long *written, long long *left_out, char **cause)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		fail(cause, "cannot create %s: %s", tmp, strerror(e));
		free(tmp);
		return -1;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		unlink(tmp);
		fail(cause, "cannot write %s: %s", tmp, strerror(e));
		free(tmp);
		return -1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	int rc = store_export(s, f, flags, written, left_out, cause);
	if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		rc = fail(cause, "cannot write %s: %s", path, strerror(errno));
	if (fclose(f) != 0 && rc == 0)
		rc = fail(cause, "cannot write %s: %s", path, strerror(errno));
	if (rc == 0 && rename(tmp, path) != 0)
		rc = fail(cause, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	const char *job = NULL, *output = NULL, *format = NULL;
	int failed_only = 0, with_item = 0, result_cols = 0, no_formulas = 0, code;
	struct cmd_where where = { 0 };
	const struct cmd_opt opts[] = {
		{ .name = "job", .letter = 'j', .value = &job, .required = "--job STORE" },
		{ .name = "failed", .flag = &failed_only },
		{ .name = "with-item", .flag = &with_item },
		{ .name = "result-columns", .flag = &result_cols },
		{ .name = "no-formulas", .flag = &no_formulas },
		{ .name = "output", .letter = 'o', .value = &output,
		  .empty = "--output needs a file name" },
		{ .name = "where", .letter = 'w', .add = cmd_where_add, .arg = &where },
		{ .name = "format", .value = &format, .empty = "--format wants jsonl, csv or tsv" },
		{ 0 },
	};
	struct store *s = NULL;
	int started = cmd_start("export", export_usage, argc, argv, opts, &where, 0, &s,
	    &code);
	cmd_where_free(&where);         /* the store keeps its own copy */
	if (started < 0)
		return code;
	enum store_format fmt = output ? store_format_of(output) : STORE_FMT_JSONL;
	if (format && cmd_format("export", format, &fmt) < 0) {
		store_close(s);
		return CMD_USAGE;
	}
	if ((result_cols || no_formulas) && fmt == STORE_FMT_JSONL) {
		cmd_error("export", result_cols ? "--result-columns goes with --format csv or tsv "
		    "(JSON lines keep the result whole)" : "--no-formulas goes with --format csv or "
		    "tsv (JSON lines are no spreadsheet)");
		store_close(s);
		return CMD_USAGE;
	}
	char *cause = NULL;
	long long written = 0, left_out = 0;
	unsigned flags = (failed_only ? STORE_EXPORT_FAILED : 0) | (with_item ? STORE_EXPORT_ITEM : 0) |
	    (result_cols ? STORE_EXPORT_RESULT_COLS : 0) |
	    (no_formulas ? STORE_EXPORT_NO_FORMULAS : 0) |
	    (fmt == STORE_FMT_CSV ? STORE_EXPORT_CSV : fmt == STORE_FMT_TSV ? STORE_EXPORT_TSV : 0);
	int rc;
	if (output)
		rc = export_file(s, output, flags, &written, &left_out, &cause);
	else
		rc = store_export(s, stdout, flags, &written, &left_out, &cause);
	if (rc < 0) {
		cmd_error("export", cause);
		free(cause);
		store_close(s);
		return CMD_RUNTIME;
	}
	struct store_counts counts;
	if (store_counts(s, &counts, &cause) == 0) {
		long long open_items = counts.pending + counts.leased;
		if (open_items > 0 && !failed_only)
			fprintf(stderr, "psup-worker: export: %lld item%s not finished yet "
			    "(%lld pending, %lld leased) left out\n", open_items,
			    open_items == 1 ? "" : "s", counts.pending, counts.leased);
	} else {
		free(cause);
	}
	if (left_out > 0)
		fprintf(stderr, "psup-worker: export: %lld item%s finished while exporting with "
		    "fields no column has, left out (export again, or as JSON lines)\n", left_out,
		    left_out == 1 ? "" : "s");
	if (output)
		printf("wrote %lld result%s to %s\n", written, written == 1 ? "" : "s", output);
	store_close(s);
	return CMD_OK;
}
