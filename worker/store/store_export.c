/* psup-worker export's writer: the finished items as JSON lines, or as a
 * CSV (or TSV) a spreadsheet opens, in input order, from the backend's
 * rows. */
#include "store_backend.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Column names in the order first seen. */
struct cols {
	char **name;
	int n;
};

/* Past this many columns an export is no table anyone reads: JSON lines. */
#define CSV_COLS_MAX 1024

struct export_ctx {
	FILE *out;
	long long written;
	/* CSV, TSV */
	char sep;                /* 0: JSON lines */
	unsigned flags;
	struct cols items;       /* every key of the items (STORE_EXPORT_ITEM) */
	struct cols results;     /* every key of results that are objects
	                          * (STORE_EXPORT_RESULT_COLS) */
	long long left_out;      /* keys of items that finished between the
	                          * passes, beyond the columns */
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

/* Whether a spreadsheet would take the cell for a formula: it starts
 * with =, +, -, @, a tab or a carriage return (OWASP's list), and is not
 * a number (a negative number stays one). */
static int formula_like(const char *s, size_t n)
{
	if (n == 0 || !strchr("=+-@\t\r", s[0]))
		return 0;
	if ((s[0] != '-' && s[0] != '+') || n < 2 || !(isdigit((unsigned char)s[1]) || s[1] == '.'))
		return 1;
	char *end;
	errno = 0;
	(void)strtod(s, &end);
	return end != s + n || errno != 0;
}

/* A cell: as it is, or in quotes (quotes doubled) when it holds the
 * separator, a quote or a line break, or starts or ends with a space (a
 * spreadsheet would trim it), as RFC 4180 writes it; with
 * STORE_EXPORT_NO_FORMULAS a cell a spreadsheet would run as a formula
 * starts with a ' (shown as text, not run). */
static void csv_cell(const struct export_ctx *x, const char *s, size_t n)
{
	FILE *f = x->out;
	char sep = x->sep;
	int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
	int guard = (x->flags & STORE_EXPORT_NO_FORMULAS) && formula_like(s, n);
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == sep || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (quote)
		putc('"', f);
	if (guard)
		putc('\'', f);
	if (!quote) {
		fwrite(s, 1, n, f);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putc('"', f);
		putc(s[i], f);
	}
	putc('"', f);
}

static void csv_str(const struct export_ctx *x, const char *s)
{
	csv_cell(x, s ? s : "", s ? strlen(s) : 0);
}

/* A JSON value as a cell: a string as its text, null as nothing, anything
 * else as its JSON (raw: its text as stored, or NULL to print v). */
static void csv_json(const struct export_ctx *x, const cJSON *v, const char *raw)
{
	if (!v || cJSON_IsNull(v))
		return;
	if (cJSON_IsString(v)) {
		csv_str(x, v->valuestring);
		return;
	}
	char *text = raw ? NULL : cJSON_PrintUnformatted(v);
	csv_str(x, raw ? raw : text);
	cJSON_free(text);
}

/* RFC 4180 ends a CSV record with CRLF (what spreadsheets write); a TSV's
 * lines end as text lines do. */
static const char *row_end(const struct export_ctx *x)
{
	return x->sep == ',' ? "\r\n" : "\n";
}

/* The index of name in c, looked for first at hint (items mostly list
 * their keys in one order), or -1. */
static int cols_find(const struct cols *c, const char *name, int hint)
{
	if (hint < c->n && strcmp(c->name[hint], name) == 0)
		return hint;
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return i;
	return -1;
}

/* Adds the keys of obj c has not yet; -1 past CSV_COLS_MAX. */
static int cols_add(struct cols *c, const cJSON *obj)
{
	int at = 0;
	const cJSON *k;
	cJSON_ArrayForEach(k, obj) {
		if (cols_find(c, k->string, at++) >= 0)
			continue;
		if (c->n == CSV_COLS_MAX)
			return -1;
		c->name = xreallocarray(c->name, (size_t)c->n + 1, sizeof *c->name);
		c->name[c->n++] = xstrdup(k->string);
	}
	return 0;
}

static void cols_free(struct cols *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->name[i]);
	free(c->name);
}

/* The first pass: every key of the items and of the results that are
 * objects, so that no value lacks a column. */
static int collect_cb(const struct store_row *r, void *arg, char **cause)
{
	struct export_ctx *x = arg;
	int rc = 0;
	if (x->flags & STORE_EXPORT_ITEM) {
		cJSON *item = r->item ? cJSON_Parse(r->item) : NULL;
		if (cols_add(&x->items, item) < 0)
			rc = fail(cause, "the items have more than %d different fields: too many "
			    "columns for a CSV (export JSON lines)", CSV_COLS_MAX);
		cJSON_Delete(item);
	}
	if (rc == 0 && (x->flags & STORE_EXPORT_RESULT_COLS) && r->result) {
		cJSON *res = cJSON_Parse(r->result);
		if (cJSON_IsObject(res) && cols_add(&x->results, res) < 0)
			rc = fail(cause, "the results have more than %d different fields: too many "
			    "columns for a CSV (export without --result-columns)", CSV_COLS_MAX);
		cJSON_Delete(res);
	}
	return rc;
}

/* The header: the items' columns (a spreadsheet's own, when the items
 * were loaded from one) or the id, then what the API answered, a result
 * object's keys as result.KEY after result. */
static void csv_header(struct export_ctx *x)
{
	static const char *const before[] = { "status", "result" };
	static const char *const after[] = { "error", "attempts", "http_status", "latency_ms",
		"endpoint", "tokens", "cost" };
	FILE *f = x->out;
	char sep = x->sep;
	if (!(x->flags & STORE_EXPORT_ITEM) || x->items.n == 0)
		csv_str(x, "id");
	for (int i = 0; i < x->items.n; i++) {
		if (i)
			putc(sep, f);
		csv_str(x, x->items.name[i]);
	}
	for (size_t i = 0; i < sizeof before / sizeof *before; i++) {
		putc(sep, f);
		csv_str(x, before[i]);
	}
	for (int i = 0; i < x->results.n; i++) {
		char *name = xasprintf("result.%s", x->results.name[i]);
		putc(sep, f);
		csv_str(x, name);
		free(name);
	}
	for (size_t i = 0; i < sizeof after / sizeof *after; i++) {
		putc(sep, f);
		csv_str(x, after[i]);
	}
	fputs(row_end(x), f);
}

/* An object's values in the columns c names (sep before each but the
 * first when lead is 0); returns how many of its keys have a column. */
static int csv_values(const struct export_ctx *x, const struct cols *c, const cJSON *obj,
    int lead)
{
	int known = 0;
	for (int i = 0; i < c->n; i++) {
		if (i || lead)
			putc(x->sep, x->out);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, c->name[i]);
		known += v != NULL;
		csv_json(x, v, NULL);
	}
	return known;
}

static int export_csv_cb(const struct store_row *r, void *arg, char **cause)
{
	struct export_ctx *x = arg;
	FILE *f = x->out;
	char sep = x->sep;
	if (x->flags & STORE_EXPORT_ITEM) {
		cJSON *item = r->item ? cJSON_Parse(r->item) : NULL;
		if (csv_values(x, &x->items, item, 0) < cJSON_GetArraySize(item))
			x->left_out++;
		cJSON_Delete(item);
	} else {
		csv_str(x, r->id);
	}
	fprintf(f, "%c%s%c", sep, r->ok ? "ok" : "failed", sep);
	/* the result is stored as checked JSON text; with result columns an
	 * object goes to them, anything else to result */
	cJSON *res = r->result ? cJSON_Parse(r->result) : NULL;
	int spread = (x->flags & STORE_EXPORT_RESULT_COLS) && cJSON_IsObject(res);
	if (!spread)
		csv_json(x, res, r->result);
	csv_values(x, &x->results, spread ? res : NULL, 1);
	cJSON_Delete(res);
	putc(sep, f);
	csv_str(x, r->error);
	fprintf(f, "%c%lld%c%lld%c%lld%c", sep, r->attempts, sep, r->http_status, sep,
	    r->latency_ms, sep);
	csv_str(x, r->endpoint);
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
	struct export_ctx x = { .out = out, .flags = flags };
	x.sep = flags & STORE_EXPORT_CSV ? ',' : flags & STORE_EXPORT_TSV ? '\t' : 0;
	int rc = 0;
	/* a CSV's columns are known before its header: a first pass reads
	 * the keys when the items' or the results' make columns */
	if (x.sep && (flags & (STORE_EXPORT_ITEM | STORE_EXPORT_RESULT_COLS)))
		rc = s->ops->export_rows(s, flags, collect_cb, &x, cause);
	if (rc == 0 && x.sep)
		csv_header(&x);
	if (rc == 0)
		rc = s->ops->export_rows(s, flags, x.sep ? export_csv_cb : export_cb, &x, cause);
	if (rc == 0 && fflush(out) != 0)
		rc = fail(cause, "cannot write export: %s", strerror(errno));
	if (written)
		*written = x.written;
	if (left_out)
		*left_out = x.left_out;
	cols_free(&x.items);
	cols_free(&x.results);
	return rc;
}
