/* psup-worker export's writer: the finished items as JSON lines, in input
 * order, from the backend's rows. */
#include "store_backend.h"
#include "xalloc.h"

#include <errno.h>
#include <string.h>

struct export_ctx {
	FILE *out;
	long long written;
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

int store_export(struct store *s, FILE *out, unsigned flags, long long *written, char **cause)
{
	struct export_ctx x = { out, 0 };
	int rc = s->ops->export_rows(s, flags, export_cb, &x, cause);
	if (rc == 0 && fflush(out) != 0)
		rc = fail(cause, "cannot write export: %s", strerror(errno));
	if (written)
		*written = x.written;
	return rc;
}
