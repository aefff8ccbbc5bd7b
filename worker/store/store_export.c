/* psup-worker export's writer: the finished items as JSON lines, or as a
 * CSV (or TSV) a spreadsheet opens, in input order, from the backend's
 * rows. */
#include "store_backend.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct export_ctx {
	FILE *out;
	long long written;
	/* CSV, TSV */
	char sep;                /* 0: JSON lines */
	int header_done;
	char **cols;             /* the item's columns (the first item's keys) */
	int ncol;
	long long left_out;      /* items with keys beyond those columns */
};

static int export_cb(const struct store_row *r, void *arg, char **cause)
{
	struct export_ctx *x = arg;
	FILE *f = x->out;
	fputs("{\"id\":", f);
	if (r->id_int)
		fputs(r->id, f);
	else
		store_json_write_string(f, r->id);
	fprintf(f, ",\"status\":\"%s\",\"attempts\":%lld,\"http_status\":%lld,"
	    "\"latency_ms\":%lld,\"result\":", r->ok ? "ok" : "failed", r->attempts,
	    r->http_status, r->latency_ms);
	/* The result is stored as checked JSON text: it goes out as is. */
	fputs(r->result ? r->result : "null", f);
	fputs(",\"error\":", f);
	if (r->error)
		store_json_write_string(f, r->error);
	else
		fputs("null", f);
	/* Jobs with endpoints say which answered, and what it used. */
	if (r->endpoint) {
		fputs(",\"endpoint\":", f);
		store_json_write_string(f, r->endpoint);
		fprintf(f, ",\"tokens\":%lld,\"cost\":%.10g", r->tokens, r->cost);
	}
	/* The input line was checked to be one JSON object when loaded. */
	if (r->item) {
		fputs(",\"item\":", f);
		fputs(r->item, f);
	}
	fputs("}\n", f);
	if (ferror(f))
		return fail(cause, "cannot write export: %s", strerror(errno));
	x->written++;
	return 0;
}

/* A cell: as it is, or in quotes (quotes doubled) when it holds the
 * separator, a quote or a line break, or starts or ends with a space (a
 * spreadsheet would trim it), as RFC 4180 writes it. */
static void csv_cell(FILE *f, const char *s, size_t n, char sep)
{
	int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == sep || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote) {
		fwrite(s, 1, n, f);
		return;
	}
	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putc('"', f);
		putc(s[i], f);
	}
	putc('"', f);
}

static void csv_str(FILE *f, const char *s, char sep)
{
	csv_cell(f, s ? s : "", s ? strlen(s) : 0, sep);
}

/* A JSON value as a cell: a string as its text, null as nothing, anything
 * else as its JSON (raw: its text as stored, or NULL to print v). */
static void csv_json(FILE *f, const cJSON *v, const char *raw, char sep)
{
	if (!v || cJSON_IsNull(v))
		return;
	if (cJSON_IsString(v)) {
		csv_str(f, v->valuestring, sep);
		return;
	}
	char *text = raw ? NULL : cJSON_PrintUnformatted(v);
	csv_str(f, raw ? raw : text, sep);
	cJSON_free(text);
}

/* RFC 4180 ends a CSV record with CRLF (what spreadsheets write); a TSV's
 * lines end as text lines do. */
static const char *row_end(const struct export_ctx *x)
{
	return x->sep == ',' ? "\r\n" : "\n";
}

static const char *const result_cols[] = { "status", "result", "error", "attempts",
	"http_status", "latency_ms", "endpoint", "tokens", "cost" };

/* The header, at the first row: the item's columns (the keys of the first
 * item, in its order: a spreadsheet's own columns when it was loaded from
 * one), or the id, then what the API answered. */
static void csv_header(struct export_ctx *x, const cJSON *item)
{
	FILE *f = x->out;
	const cJSON *k;
	x->header_done = 1;
	if (item) {
		cJSON_ArrayForEach(k, item)
			x->ncol++;
		x->cols = xcalloc((size_t)x->ncol + 1, sizeof *x->cols);
		int n = 0;
		cJSON_ArrayForEach(k, item) {
			x->cols[n] = xstrdup(k->string);
			csv_str(f, x->cols[n++], x->sep);
			putc(x->sep, f);
		}
	} else {
		csv_str(f, "id", x->sep);
		putc(x->sep, f);
	}
	for (size_t i = 0; i < sizeof result_cols / sizeof *result_cols; i++) {
		if (i)
			putc(x->sep, f);
		csv_str(f, result_cols[i], x->sep);
	}
	fputs(row_end(x), f);
}

static int export_csv_cb(const struct store_row *r, void *arg, char **cause)
{
	struct export_ctx *x = arg;
	FILE *f = x->out;
	char sep = x->sep;
	cJSON *item = r->item ? cJSON_Parse(r->item) : NULL;
	if (!x->header_done)
		csv_header(x, item);
	if (x->cols) {
		int known = 0;
		for (int i = 0; i < x->ncol; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, x->cols[i]);
			known += v != NULL;
			csv_json(f, v, NULL, sep);
			putc(sep, f);
		}
		if (known < cJSON_GetArraySize(item))
			x->left_out++;
	} else {
		csv_str(f, r->id, sep);
		putc(sep, f);
	}
	cJSON_Delete(item);
	fprintf(f, "%s%c", r->ok ? "ok" : "failed", sep);
	/* the result is stored as checked JSON text */
	cJSON *res = r->result ? cJSON_Parse(r->result) : NULL;
	csv_json(f, res, r->result, sep);
	cJSON_Delete(res);
	putc(sep, f);
	csv_str(f, r->error, sep);
	fprintf(f, "%c%lld%c%lld%c%lld%c", sep, r->attempts, sep, r->http_status, sep,
	    r->latency_ms, sep);
	csv_str(f, r->endpoint, sep);
	fprintf(f, "%c%lld%c", sep, r->tokens, sep);
	if (r->endpoint)
		fprintf(f, "%.10g", r->cost);
	fputs(row_end(x), f);
	if (ferror(f))
		return fail(cause, "cannot write export: %s", strerror(errno));
	x->written++;
	return 0;
}

int store_export(struct store *s, FILE *out, unsigned flags, long long *written,
    long long *left_out, char **cause)
{
	struct export_ctx x = { .out = out };
	x.sep = flags & STORE_EXPORT_CSV ? ',' : flags & STORE_EXPORT_TSV ? '\t' : 0;
	int rc = s->ops->export_rows(s, flags, x.sep ? export_csv_cb : export_cb, &x, cause);
	/* no row: the header alone, so the file still says what it holds */
	if (rc == 0 && x.sep && !x.header_done)
		csv_header(&x, NULL);
	if (rc == 0 && fflush(out) != 0)
		rc = fail(cause, "cannot write export: %s", strerror(errno));
	if (written)
		*written = x.written;
	if (left_out)
		*left_out = x.left_out;
	for (int i = 0; i < x.ncol; i++)
		free(x.cols[i]);
	free(x.cols);
	return rc;
}
