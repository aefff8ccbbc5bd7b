/* The PostgreSQL job store: one queue for workers on many hosts. Claims
 * lock rows with FOR UPDATE SKIP LOCKED, so workers never wait on each
 * other; lease times come from the server's clock, the one clock every
 * host shares. Tables are psup_items and psup_meta in the connection's
 * schema (choose another with ?options=-csearch_path%3Dname). */
#include "store_backend.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

/* Milliseconds since the epoch on the server, fixed for one statement. */
#define NOW_MS "(extract(epoch FROM statement_timestamp()) * 1000)::bigint"

/* pg_advisory_xact_lock keys: schema creation and loads run one at a time. */
#define LOCK_SCHEMA "7035170001"
#define LOCK_LOAD "7035170002"

/* Deadlocks and serialization failures are retried this many times. */
#define PG_TRIES 5

static const char schema_sql[] =
	"BEGIN;"
	"SELECT pg_advisory_xact_lock(" LOCK_SCHEMA ");"
	"CREATE TABLE IF NOT EXISTS psup_meta (key text PRIMARY KEY, value text NOT NULL);"
	"CREATE TABLE IF NOT EXISTS psup_items ("
	" seq bigint PRIMARY KEY,"
	" id text NOT NULL UNIQUE,"
	" id_int integer NOT NULL DEFAULT 0,"
	" json text NOT NULL,"
	" priority bigint NOT NULL DEFAULT 0,"
	" state text NOT NULL DEFAULT 'pending',"
	" owner text,"
	" lease_until bigint,"
	" attempts integer NOT NULL DEFAULT 0,"
	" http_status integer,"
	" latency_ms bigint,"
	" result text,"
	" error text,"
	" tokens bigint NOT NULL DEFAULT 0,"
	" finished_at bigint);"
	"CREATE INDEX IF NOT EXISTS psup_items_claim ON psup_items (state, priority DESC, seq);"
	"CREATE INDEX IF NOT EXISTS psup_items_lease ON psup_items (state, lease_until);"
	"CREATE INDEX IF NOT EXISTS psup_items_owner ON psup_items (owner) WHERE owner IS NOT NULL;"
	"INSERT INTO psup_meta (key, value) VALUES ('schema_version', '1') ON CONFLICT DO NOTHING;"
	"COMMIT;";

/* Two bounded index walks (pending by priority and input order, and leases
 * that ran out), each locking only rows no one else holds, merged. */
static const char claim_sql[] =
	"WITH p AS (SELECT seq, priority FROM psup_items WHERE state = 'pending'"
	"  ORDER BY priority DESC, seq LIMIT $2 FOR UPDATE SKIP LOCKED),"
	" e AS (SELECT seq, priority FROM psup_items WHERE state = 'leased'"
	"  AND lease_until < " NOW_MS " ORDER BY priority DESC, seq LIMIT $2"
	"  FOR UPDATE SKIP LOCKED),"
	" c AS (SELECT seq FROM (SELECT * FROM p UNION ALL SELECT * FROM e) u"
	"  ORDER BY priority DESC, seq LIMIT $2),"
	" u AS (UPDATE psup_items i SET state = 'leased', owner = $1,"
	"  lease_until = " NOW_MS " + $3::bigint FROM c WHERE i.seq = c.seq"
	"  RETURNING i.seq, i.id, i.json, i.attempts, i.priority)"
	" SELECT seq, id, json, attempts FROM u ORDER BY priority DESC, seq";

static const char finish_sql[] =
	"UPDATE psup_items i SET state = CASE WHEN r.ok THEN 'done' ELSE 'failed' END,"
	" attempts = r.attempts, http_status = r.http_status, latency_ms = r.latency_ms,"
	" result = r.result, error = r.error, tokens = r.tokens, finished_at = " NOW_MS ","
	" owner = NULL, lease_until = NULL"
	" FROM json_to_recordset($2::json) AS r(id text, ok boolean, attempts integer,"
	"  http_status integer, latency_ms bigint, result text, error text, tokens bigint)"
	" WHERE i.id = r.id AND i.owner = $1 AND i.state = 'leased'";

static const char counts_sql[] =
	"SELECT state, count(*), coalesce(sum(attempts), 0), coalesce(sum(tokens), 0),"
	" coalesce(min(finished_at), 0), coalesce(max(finished_at), 0),"
	" count(*) FILTER (WHERE lease_until < " NOW_MS ") FROM psup_items GROUP BY state";

static const char classes_sql[] =
	"SELECT coalesce(http_status, 0), coalesce(error, ''), count(*) FROM psup_items"
	" WHERE state = 'failed' GROUP BY 1, 2";

#define RETRY_SET \
	"UPDATE psup_items SET state = 'pending', attempts = 0, http_status = NULL," \
	" latency_ms = NULL, result = NULL, error = NULL, tokens = 0, finished_at = NULL" \
	" WHERE state = 'failed'"
#define RELEASE_SET \
	"UPDATE psup_items SET state = 'pending', owner = NULL, lease_until = NULL" \
	" WHERE owner = $1 AND state = 'leased'"
#define IDS_IN(n) " AND id IN (SELECT json_array_elements_text($" #n "::json))"

struct pg {
	struct store base;
	PGconn *conn;
	char *name;              /* db@host for messages: never the password */
	int copying;             /* inside a load's COPY */
	long long load_n;
};

static int pg_fail(struct pg *g, char **cause, const char *what, const PGresult *r)
{
	const char *msg = r ? PQresultErrorMessage(r) : "";
	if (!msg || !*msg)
		msg = PQerrorMessage(g->conn);
	char *m = xstrdup(msg && *msg ? msg : "unknown error");
	size_t n = strlen(m);
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		m[--n] = '\0';
	for (char *p = m; *p; p++) {
		if (*p == '\n')
			*p = ' ';          /* one line, as every psup error */
	}
	fail(cause, "postgresql %s: %s: %s", g->name, what, m);
	free(m);
	return -1;
}

/* A dead connection (server restart, network) is reopened before an
 * operation; what was in flight on it is lost, and leases cover that. */
static void pg_revive(struct pg *g)
{
	if (PQstatus(g->conn) == CONNECTION_BAD)
		PQreset(g->conn);
}

static int pg_retryable(const PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	return st && (strcmp(st, "40P01") == 0 || strcmp(st, "40001") == 0);
}

/* Runs one statement with text parameters; returns its result when it
 * has the wanted status, else NULL with *cause set. Deadlocks are retried. */
static PGresult *pg_run(struct pg *g, const char *sql, int n, const char *const *params,
    ExecStatusType want, const char *what, char **cause)
{
	PGresult *r = NULL;
	for (int tries = 0; tries < PG_TRIES; tries++) {
		pg_revive(g);
		PQclear(r);
		r = PQexecParams(g->conn, sql, n, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) == want)
			return r;
		if (!pg_retryable(r) || PQtransactionStatus(g->conn) != PQTRANS_IDLE)
			break;
	}
	pg_fail(g, cause, what, r);
	PQclear(r);
	return NULL;
}

static int pg_cmd(struct pg *g, const char *sql, int n, const char *const *params,
    long long *changed, const char *what, char **cause)
{
	PGresult *r = pg_run(g, sql, n, params, PGRES_COMMAND_OK, what, cause);
	if (!r)
		return -1;
	if (changed)
		*changed = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return 0;
}

static void pg_rollback(struct pg *g)
{
	if (PQtransactionStatus(g->conn) != PQTRANS_IDLE)
		PQclear(PQexec(g->conn, "ROLLBACK"));
}

static long long col_ll(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* A JSON array of strings, for ids and results passed as one parameter. */
static char *json_ids(const char *const *ids, int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return xstrdup("[]");
	putc('[', m);
	for (int i = 0; i < n; i++) {
		if (i)
			putc(',', m);
		store_json_write_string(m, ids[i]);
	}
	putc(']', m);
	fclose(m);
	return buf;
}

/* ---- load ---- */

static int pg_load_begin(struct store *s, const char *id_field, char **cause)
{
	struct pg *g = (struct pg *)s;
	const char *p[1] = { id_field };
	PGresult *r;
	errno = EIO;
	g->load_n = 0;
	pg_revive(g);
	if (pg_cmd(g, "BEGIN", 0, NULL, NULL, "cannot start a transaction", cause) < 0)
		return -1;
	if (!(r = pg_run(g, "SELECT pg_advisory_xact_lock(" LOCK_LOAD ")", 0, NULL,
	    PGRES_TUPLES_OK, "cannot lock the store for loading", cause)))
		goto fail;
	PQclear(r);
	if (!(r = pg_run(g, "SELECT value FROM psup_meta WHERE key = 'id_field'", 0, NULL,
	    PGRES_TUPLES_OK, "cannot read the store's settings", cause)))
		goto fail;
	if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), id_field) != 0) {
		fail(cause, "postgresql %s holds items loaded with --id-field %s, not %s",
		    g->name, PQgetvalue(r, 0, 0), id_field);
		PQclear(r);
		pg_rollback(g);
		errno = EINVAL;
		return -1;
	}
	PQclear(r);
	if (pg_cmd(g, "INSERT INTO psup_meta (key, value) VALUES ('id_field', $1)"
	    " ON CONFLICT (key) DO UPDATE SET value = excluded.value", 1, p, NULL,
	    "cannot record the id field", cause) < 0)
		goto fail;
	if (pg_cmd(g, "CREATE TEMP TABLE psup_load (n bigint, id text, id_int integer,"
	    " json text, priority bigint) ON COMMIT DROP", 0, NULL, NULL,
	    "cannot make the load table", cause) < 0)
		goto fail;
	/* Items stream to the server as they are read: nothing is held. */
	if (!(r = pg_run(g, "COPY psup_load FROM STDIN", 0, NULL, PGRES_COPY_IN,
	    "cannot start loading", cause)))
		goto fail;
	PQclear(r);
	g->copying = 1;
	return 0;
fail:
	pg_rollback(g);
	errno = EIO;
	return -1;
}

/* Appends s to the COPY text row, escaped. */
static void copy_field(FILE *m, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': fputs("\\\\", m); break;
		case '\t': fputs("\\t", m); break;
		case '\n': fputs("\\n", m); break;
		case '\r': fputs("\\r", m); break;
		default: putc(*s, m); break;
		}
	}
}

static int pg_load_add(struct store *s, const struct store_load_item *it, char **cause)
{
	struct pg *g = (struct pg *)s;
	char *row = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&row, &len);
	if (!m)
		return fail(cause, "postgresql %s: out of memory", g->name);
	fprintf(m, "%lld\t", ++g->load_n);
	copy_field(m, it->id);
	fprintf(m, "\t%d\t", it->id_int);
	copy_field(m, it->json);
	fprintf(m, "\t%lld\n", it->priority);
	fclose(m);
	int rc = PQputCopyData(g->conn, row, (int)len);
	free(row);
	if (rc != 1)
		return pg_fail(g, cause, "cannot send an item", NULL);
	return 0;
}

/* Ends the COPY; with why set, aborts it. */
static int pg_copy_end(struct pg *g, const char *why, char **cause)
{
	int rc = 0;
	g->copying = 0;
	if (PQputCopyEnd(g->conn, why) != 1)
		rc = pg_fail(g, cause, "cannot finish loading", NULL);
	PGresult *r;
	while ((r = PQgetResult(g->conn)) != NULL) {
		if (rc == 0 && !why && PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = pg_fail(g, cause, "cannot load items", r);
		PQclear(r);
	}
	return rc;
}

static int pg_load_end(struct store *s, int commit, long long *added, char **cause)
{
	struct pg *g = (struct pg *)s;
	long long n = 0;
	if (!commit) {
		if (g->copying)
			pg_copy_end(g, "load abandoned: bad input", NULL);
		pg_rollback(g);
		return 0;
	}
	if (g->copying && pg_copy_end(g, NULL, cause) < 0)
		goto fail;
	/* New ids go after every item already there, in file order. */
	if (pg_cmd(g, "INSERT INTO psup_items (seq, id, id_int, json, priority)"
	    " SELECT b.base + l.n, l.id, l.id_int, l.json, l.priority FROM psup_load l,"
	    " (SELECT coalesce(max(seq), 0) AS base FROM psup_items) b ORDER BY l.n"
	    " ON CONFLICT (id) DO NOTHING", 0, NULL, &n, "cannot add items", cause) < 0)
		goto fail;
	if (pg_cmd(g, "COMMIT", 0, NULL, NULL, "cannot commit", cause) < 0)
		goto fail;
	if (added)
		*added = n;
	return 0;
fail:
	pg_rollback(g);
	return -1;
}

/* ---- queue ---- */

static int pg_claim(struct store *s, const char *owner, int max, long long lease_ms,
    struct store_item **items, int *n, char **cause)
{
	struct pg *g = (struct pg *)s;
	char smax[24], slease[24];
	snprintf(smax, sizeof smax, "%d", max);
	snprintf(slease, sizeof slease, "%lld", lease_ms);
	const char *p[3] = { owner, smax, slease };
	PGresult *r = pg_run(g, claim_sql, 3, p, PGRES_TUPLES_OK, "cannot claim items", cause);
	if (!r)
		return -1;
	int rows = PQntuples(r);
	struct store_item *v = rows ? xcalloc((size_t)rows, sizeof *v) : NULL;
	for (int i = 0; i < rows; i++) {
		v[i].seq = col_ll(r, i, 0);
		v[i].id = xstrdup(PQgetvalue(r, i, 1));
		v[i].json = xstrdup(PQgetvalue(r, i, 2));
		v[i].attempts = (int)col_ll(r, i, 3);
	}
	PQclear(r);
	*items = v;
	*n = rows;
	return 0;
}

static int pg_renew(struct store *s, const char *owner, long long lease_ms, char **cause)
{
	struct pg *g = (struct pg *)s;
	char slease[24];
	snprintf(slease, sizeof slease, "%lld", lease_ms);
	const char *p[2] = { owner, slease };
	return pg_cmd(g, "UPDATE psup_items SET lease_until = " NOW_MS " + $2::bigint"
	    " WHERE owner = $1 AND state = 'leased'", 2, p, NULL, "cannot renew leases", cause);
}

static int pg_finish(struct store *s, const char *owner, const struct store_result *r,
    int n, int *stale, char **cause)
{
	struct pg *g = (struct pg *)s;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return fail(cause, "postgresql %s: out of memory", g->name);
	/* One statement for the whole batch: one round trip, one commit. */
	putc('[', m);
	for (int i = 0; i < n; i++) {
		char *owned;
		const char *result = store_json_result(r[i].result, &owned);
		const char *error = r[i].ok ? NULL : (r[i].error ? r[i].error : "failed");
		fprintf(m, "%s{\"id\":", i ? "," : "");
		store_json_write_string(m, r[i].id);
		fprintf(m, ",\"ok\":%s,\"attempts\":%d,\"http_status\":%d,\"latency_ms\":%lld,"
		    "\"tokens\":%lld,\"result\":", r[i].ok ? "true" : "false", r[i].attempts,
		    r[i].http_status, r[i].latency_ms, r[i].tokens);
		if (result)
			store_json_write_string(m, result);
		else
			fputs("null", m);
		fputs(",\"error\":", m);
		if (error)
			store_json_write_string(m, error);
		else
			fputs("null", m);
		putc('}', m);
		free(owned);
	}
	putc(']', m);
	fclose(m);
	const char *p[2] = { owner, buf };
	long long changed = 0;
	int rc = pg_cmd(g, finish_sql, 2, p, &changed, "cannot record results", cause);
	free(buf);
	if (rc == 0)
		*stale = n - (int)changed;
	return rc;
}

static int pg_release(struct store *s, const char *owner, const char *const *ids, int n,
    char **cause)
{
	struct pg *g = (struct pg *)s;
	if (!ids) {
		const char *p[1] = { owner };
		return pg_cmd(g, RELEASE_SET, 1, p, NULL, "cannot release items", cause);
	}
	char *list = json_ids(ids, n);
	const char *p[2] = { owner, list };
	int rc = pg_cmd(g, RELEASE_SET IDS_IN(2), 2, p, NULL, "cannot release items", cause);
	free(list);
	return rc;
}

static int pg_retry(struct store *s, const char *const *ids, int n, long long *moved,
    char **cause)
{
	struct pg *g = (struct pg *)s;
	if (!ids)
		return pg_cmd(g, RETRY_SET, 0, NULL, moved, "cannot return failed items", cause);
	char *list = json_ids(ids, n);
	const char *p[1] = { list };
	int rc = pg_cmd(g, RETRY_SET IDS_IN(1), 1, p, moved, "cannot return failed items",
	    cause);
	free(list);
	return rc;
}

/* ---- reading ---- */

static int pg_counts(struct store *s, struct store_counts *c, char **cause)
{
	struct pg *g = (struct pg *)s;
	PGresult *r = pg_run(g, counts_sql, 0, NULL, PGRES_TUPLES_OK, "cannot count items",
	    cause);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *state = PQgetvalue(r, i, 0);
		long long cnt = col_ll(r, i, 1);
		c->total += cnt;
		if (strcmp(state, "pending") == 0) {
			c->pending = cnt;
		} else if (strcmp(state, "leased") == 0) {
			c->leased = cnt;
			c->expired = col_ll(r, i, 6);
		} else if (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0) {
			long long first = col_ll(r, i, 4), last = col_ll(r, i, 5);
			if (state[0] == 'd')
				c->done = cnt;
			else
				c->failed = cnt;
			c->attempts += col_ll(r, i, 2);
			if (first && (!c->first_finish_ms || first < c->first_finish_ms))
				c->first_finish_ms = first;
			if (last > c->last_finish_ms)
				c->last_finish_ms = last;
		}
		c->tokens += col_ll(r, i, 3);
	}
	PQclear(r);
	return 0;
}

static int pg_error_classes(struct store *s, store_class_cb cb, void *arg, char **cause)
{
	struct pg *g = (struct pg *)s;
	PGresult *r = pg_run(g, classes_sql, 0, NULL, PGRES_TUPLES_OK, "cannot read errors",
	    cause);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
		cb((int)col_ll(r, i, 0), PQgetvalue(r, i, 1), col_ll(r, i, 2), arg);
	PQclear(r);
	return 0;
}

static int pg_export_rows(struct store *s, int failed_only, store_row_cb cb, void *arg,
    char **cause)
{
	struct pg *g = (struct pg *)s;
	const char *sql = failed_only ?
	    "SELECT id, id_int, state, attempts, coalesce(http_status, 0),"
	    " coalesce(latency_ms, 0), result, error FROM psup_items"
	    " WHERE state = 'failed' ORDER BY seq" :
	    "SELECT id, id_int, state, attempts, coalesce(http_status, 0),"
	    " coalesce(latency_ms, 0), result, error FROM psup_items"
	    " WHERE state IN ('done', 'failed') ORDER BY seq";
	pg_revive(g);
	if (!PQsendQueryParams(g->conn, sql, 0, NULL, NULL, NULL, NULL, 0))
		return pg_fail(g, cause, "cannot read results", NULL);
	/* Row by row: an export of millions never sits in memory. */
	PQsetSingleRowMode(g->conn);
	int rc = 0;
	PGresult *r;
	while ((r = PQgetResult(g->conn)) != NULL) {
		ExecStatusType st = PQresultStatus(r);
		if (rc == 0 && st == PGRES_SINGLE_TUPLE) {
			struct store_row row = {
				.id = PQgetvalue(r, 0, 0),
				.id_int = (int)col_ll(r, 0, 1),
				.ok = strcmp(PQgetvalue(r, 0, 2), "done") == 0,
				.attempts = col_ll(r, 0, 3),
				.http_status = col_ll(r, 0, 4),
				.latency_ms = col_ll(r, 0, 5),
				.result = PQgetisnull(r, 0, 6) ? NULL : PQgetvalue(r, 0, 6),
				.error = PQgetisnull(r, 0, 7) ? NULL : PQgetvalue(r, 0, 7),
			};
			rc = cb(&row, arg, cause);
		} else if (rc == 0 && st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE) {
			rc = pg_fail(g, cause, "cannot read results", r);
		}
		PQclear(r);
	}
	return rc;
}

/* ---- open and close ---- */

static void pg_close(struct store *s)
{
	struct pg *g = (struct pg *)s;
	PQfinish(g->conn);
	free(g->name);
	free(g);
}

static const struct store_ops pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.load_begin = pg_load_begin,
	.load_add = pg_load_add,
	.load_end = pg_load_end,
	.claim = pg_claim,
	.renew = pg_renew,
	.finish = pg_finish,
	.release = pg_release,
	.counts = pg_counts,
	.error_classes = pg_error_classes,
	.export_rows = pg_export_rows,
	.retry = pg_retry,
};

static int pg_check_schema(struct pg *g, char **cause)
{
	PGresult *r = PQexec(g->conn, "SELECT value FROM psup_meta WHERE key = 'schema_version'");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		int missing = st && strcmp(st, "42P01") == 0;
		if (missing)
			fail(cause, "postgresql %s: no such job store (create it with "
			    "psup-worker init)", g->name);
		else
			pg_fail(g, cause, "cannot read the store", r);
		PQclear(r);
		return -1;
	}
	long long version = PQntuples(r) == 1 ? col_ll(r, 0, 0) : 0;
	PQclear(r);
	if (version < 1)
		return fail(cause, "postgresql %s: not a psup job store (no schema version)",
		    g->name);
	if (version > STORE_SCHEMA_VERSION)
		return fail(cause, "postgresql %s: store schema version %lld is newer than this "
		    "psup-worker understands (%d)", g->name, version, STORE_SCHEMA_VERSION);
	return 0;
}

int store_pg_open(const char *url, int create, struct store **out, char **cause)
{
	*out = NULL;
	struct pg *g = xcalloc(1, sizeof *g);
	g->base.ops = &pg_ops;
	g->conn = PQconnectdb(url);
	if (PQstatus(g->conn) != CONNECTION_OK) {
		g->name = xstrdup("server");
		pg_fail(g, cause, "cannot connect", NULL);
		pg_close(&g->base);
		return -1;
	}
	const char *host = PQhost(g->conn);
	g->name = xasprintf("%s@%s", PQdb(g->conn), host && *host ? host : "localhost");
	/* Warnings such as "relation already exists, skipping" are noise here. */
	PQclear(PQexec(g->conn, "SET client_min_messages = error"));
	if (create) {
		PGresult *r = PQexec(g->conn, schema_sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_fail(g, cause, "cannot create the schema", r);
			PQclear(r);
			pg_rollback(g);
			pg_close(&g->base);
			return -1;
		}
		PQclear(r);
	}
	if (pg_check_schema(g, cause) < 0) {
		pg_close(&g->base);
		return -1;
	}
	*out = &g->base;
	return 0;
}
