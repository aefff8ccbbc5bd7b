/* The PostgreSQL job store's data: loading items with COPY, and reading
 * counts, error classes and results. */
#include "buf.h"
#include "store_pg.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The counts the triggers keep, and the leases that ran out (an index
 * range), in one snapshot. */
static const char counts_sql[] =
	"SELECT state, sum(n), sum(attempts), sum(tokens), coalesce(min(first_finish), 0),"
	" coalesce(max(last_finish), 0), (SELECT count(*) FROM psup_items"
	"  WHERE state = 'leased' AND lease_until < " NOW_MS ") FROM psup_counts GROUP BY state";

/* A subset's counts (store_where), from its rows: the counts the triggers
 * keep cover every item. */
static const char counts_where_sql[] =
	"SELECT state, count(*), coalesce(sum(attempts), 0), coalesce(sum(tokens), 0),"
	" coalesce(min(finished_at), 0), coalesce(max(finished_at), 0),"
	" count(*) FILTER (WHERE state = 'leased' AND lease_until < " NOW_MS ")"
	" FROM psup_items WHERE true{W} GROUP BY state";

static const char classes_sql[] =
	"SELECT coalesce(http_status, 0), coalesce(error, ''), count(*) FROM psup_items"
	" WHERE state = 'failed'{W} GROUP BY 1, 2";

/* ---- load ---- */

/* Runs n commands in order, stopping at the first that fails. */
static int pg_cmd_each(struct pg *g, const char *const *sql, size_t n, const char *what,
    char **cause)
{
	for (size_t i = 0; i < n; i++)
		if (pg_cmd(g, sql[i], 0, NULL, NULL, what, cause) < 0)
			return -1;
	return 0;
}

/* Drops a direct load's file of rows. */
static void pg_load_close(struct pg *g)
{
	if (g->load_rows)
		fclose(g->load_rows);
	g->load_rows = NULL;
}

int pg_load_begin(struct store *s, const char *id_field, char **cause)
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
	/* The first load into an empty store goes straight into the tables:
	 * the items' JSON streams into psup_payloads, and their rows go to a
	 * temporary file, sent into psup_items after (each table by COPY,
	 * which writes rows in batches). Its keys and claim indexes are made
	 * after it from the sorted whole (less than half the work of keeping
	 * them row by row), and its counts set once from the number loaded,
	 * not by the trigger, whose transition table would hold every row
	 * again. No id can be there twice: store_load refuses a file that
	 * repeats one. All of it is undone if the load is. Later loads go
	 * through a table of their own, to skip the ids already there. */
	if (!(r = pg_run(g, "SELECT NOT EXISTS (SELECT 1 FROM psup_items)", 0, NULL,
	    PGRES_TUPLES_OK, "cannot read the store", cause)))
		goto fail;
	g->load_direct = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	static const char *const bare_sql[] = {
		"DROP INDEX psup_items_claim, psup_items_lease",
		"ALTER TABLE psup_items DROP CONSTRAINT psup_items_id_key",
		"ALTER TABLE psup_items DROP CONSTRAINT psup_items_pkey",
		"ALTER TABLE psup_items DISABLE TRIGGER psup_count_ins",
		/* JSON of items no longer there (deleted by hand): not ours */
		"DELETE FROM psup_payloads",
		"ALTER TABLE psup_payloads DROP CONSTRAINT psup_payloads_pkey",
		/* the default (64 MB) sorts a million ids on disk */
		"SET LOCAL maintenance_work_mem = '256MB'",
	};
	if (g->load_direct && pg_cmd_each(g, bare_sql, sizeof bare_sql / sizeof bare_sql[0],
	    "cannot prepare the load", cause) < 0)
		goto fail;
	if (g->load_direct && !(g->load_rows = tmpfile())) {
		fail(cause, "postgresql %s: cannot make a temporary file: %s", g->name,
		    strerror(errno));
		goto fail;
	}
	if (!g->load_direct && pg_cmd(g, "CREATE TEMP TABLE psup_load (n bigint, id text,"
	    " id_int integer, json text, priority bigint, tag text) ON COMMIT DROP", 0, NULL, NULL,
	    "cannot make the load table", cause) < 0)
		goto fail;
	/* Items stream to the server as they are read: nothing is held. */
	if (!(r = pg_run(g, g->load_direct ? "COPY psup_payloads (seq, json) FROM STDIN" :
	    "COPY psup_load FROM STDIN", 0, NULL, PGRES_COPY_IN, "cannot start loading", cause)))
		goto fail;
	PQclear(r);
	g->copying = 1;
	return 0;
fail:
	pg_load_close(g);
	pg_rollback(g);
	errno = EIO;
	return -1;
}

/* Appends s to the COPY text row, escaped. */
static void copy_field(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': buf_puts(b, "\\\\"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		default: buf_addc(b, *s); break;
		}
	}
}

/* Appends the COPY text of the item's row to b: n, id, id_int, its JSON
 * when with_json, priority, tag. */
static void copy_row(struct buf *b, long long n, const struct store_load_item *it,
    int with_json)
{
	buf_printf(b, "%lld\t", n);
	copy_field(b, it->id);
	buf_printf(b, "\t%d\t", it->id_int);
	if (with_json) {
		copy_field(b, it->json);
		buf_addc(b, '\t');
	}
	buf_printf(b, "%lld\t", it->priority);
	if (it->tag)
		copy_field(b, it->tag);
	else
		buf_puts(b, "\\N");
	buf_addc(b, '\n');
}

int pg_load_add(struct store *s, const struct store_load_item *it, char **cause)
{
	struct pg *g = (struct pg *)s;
	struct buf row = { 0 };
	long long n = ++g->load_n;
	if (g->load_direct) {
		/* the row to the file, the JSON to psup_payloads now */
		copy_row(&row, n, it, 0);
		size_t put = fwrite(row.p, 1, row.len, g->load_rows);
		int full = put == row.len;
		buf_free(&row);
		if (!full)
			return fail(cause, "postgresql %s: cannot write a temporary file: %s",
			    g->name, strerror(errno));
		buf_printf(&row, "%lld\t", n);
		copy_field(&row, it->json);
		buf_addc(&row, '\n');
	} else {
		copy_row(&row, n, it, 1);
	}
	int rc = PQputCopyData(g->conn, row.p, (int)row.len);
	buf_free(&row);
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

/* Sends a direct load's file of rows into psup_items by COPY. */
static int pg_copy_rows(struct pg *g, char **cause)
{
	char chunk[65536];
	size_t got;
	PGresult *r = pg_run(g, "COPY psup_items (seq, id, id_int, priority, tag) FROM STDIN", 0,
	    NULL, PGRES_COPY_IN, "cannot start loading", cause);
	if (!r)
		return -1;
	PQclear(r);
	g->copying = 1;
	rewind(g->load_rows);
	while ((got = fread(chunk, 1, sizeof chunk, g->load_rows)) > 0) {
		if (PQputCopyData(g->conn, chunk, (int)got) != 1) {
			pg_fail(g, cause, "cannot send an item", NULL);
			pg_copy_end(g, "load abandoned", NULL);
			return -1;
		}
	}
	if (ferror(g->load_rows)) {
		fail(cause, "postgresql %s: cannot read a temporary file: %s", g->name,
		    strerror(errno));
		pg_copy_end(g, "load abandoned", NULL);
		return -1;
	}
	return pg_copy_end(g, NULL, cause);
}

int pg_load_end(struct store *s, int commit, long long *added, char **cause)
{
	struct pg *g = (struct pg *)s;
	long long n = 0;
	if (!commit) {
		if (g->copying)
			pg_copy_end(g, "load abandoned: bad input", NULL);
		pg_load_close(g);
		pg_rollback(g);
		return 0;
	}
	if (g->copying && pg_copy_end(g, NULL, cause) < 0)
		goto fail;
	if (g->load_direct) {
		static const char *const index_sql[] = {
			"ALTER TABLE psup_items ADD CONSTRAINT psup_items_pkey PRIMARY KEY (seq)",
			"ALTER TABLE psup_payloads ADD CONSTRAINT psup_payloads_pkey PRIMARY KEY (seq)",
			"ALTER TABLE psup_items ADD CONSTRAINT psup_items_id_key UNIQUE (id)",
			PG_INDEX_CLAIM, PG_INDEX_LEASE,
			"ALTER TABLE psup_items ENABLE TRIGGER psup_count_ins",
		};
		char num[32];
		const char *p[1] = { num };
		n = g->load_n;
		snprintf(num, sizeof num, "%lld", n);
		if (pg_copy_rows(g, cause) < 0 ||
		    pg_cmd_each(g, index_sql, sizeof index_sql / sizeof index_sql[0],
		    "cannot index the items", cause) < 0 ||
		    pg_cmd(g, "INSERT INTO psup_counts AS c (shard, state, n)"
		    " VALUES (pg_backend_pid() % 16, 'pending', $1::bigint)"
		    " ON CONFLICT (shard, state) DO UPDATE SET n = c.n + excluded.n", 1, p, NULL,
		    "cannot count the items", cause) < 0)
			goto fail;
	} else if (pg_cmd(g, "WITH a AS (INSERT INTO psup_items (seq, id, id_int, priority, tag)"
	    /* new ids go after every item already there, in file order */
	    " SELECT b.base + l.n, l.id, l.id_int, l.priority, l.tag FROM psup_load l,"
	    " (SELECT coalesce(max(seq), 0) AS base FROM psup_items) b ORDER BY l.n"
	    " ON CONFLICT (id) DO NOTHING RETURNING seq, id)"
	    " INSERT INTO psup_payloads (seq, json) SELECT a.seq, l.json FROM a"
	    " JOIN psup_load l ON l.id = a.id", 0, NULL, &n, "cannot add items", cause) < 0) {
		goto fail;
	}
	pg_load_close(g);
	if (pg_cmd(g, "COMMIT", 0, NULL, NULL, "cannot commit", cause) < 0)
		goto fail;
	if (added)
		*added = n;
	return 0;
fail:
	pg_load_close(g);
	pg_rollback(g);
	return -1;
}

/* ---- reading ---- */

int pg_counts(struct store *s, struct store_counts *c, char **cause)
{
	struct pg *g = (struct pg *)s;
	PGresult *r = pg_run_where(g, PG_PREP_N, g->base.where.n ? counts_where_sql : counts_sql,
	    0, NULL, PGRES_TUPLES_OK, "cannot count items", cause);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *state = PQgetvalue(r, i, 0);
		long long cnt = pg_col_ll(r, i, 1);
		c->total += cnt;
		if (strcmp(state, "pending") == 0) {
			c->pending = cnt;
		} else if (strcmp(state, "leased") == 0) {
			c->leased = cnt;
			c->expired = pg_col_ll(r, i, 6);
		} else if (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0) {
			long long first = pg_col_ll(r, i, 4), last = pg_col_ll(r, i, 5);
			if (state[0] == 'd')
				c->done = cnt;
			else
				c->failed = cnt;
			c->attempts += pg_col_ll(r, i, 2);
			if (first && (!c->first_finish_ms || first < c->first_finish_ms))
				c->first_finish_ms = first;
			if (last > c->last_finish_ms)
				c->last_finish_ms = last;
		}
		c->tokens += pg_col_ll(r, i, 3);
	}
	PQclear(r);
	return 0;
}

int pg_error_classes(struct store *s, store_class_cb cb, void *arg, char **cause)
{
	struct pg *g = (struct pg *)s;
	PGresult *r = pg_run_where(g, PG_PREP_N, classes_sql, 0, NULL, PGRES_TUPLES_OK,
	    "cannot read errors", cause);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
		cb((int)pg_col_ll(r, i, 0), PQgetvalue(r, i, 1), pg_col_ll(r, i, 2), arg);
	PQclear(r);
	return 0;
}

int pg_export_rows(struct store *s, unsigned flags, store_row_cb cb, void *arg,
    char **cause)
{
	struct pg *g = (struct pg *)s;
#define PG_EXPORT_COLS "SELECT id, id_int, state, attempts, coalesce(http_status, 0)," \
	" coalesce(latency_ms, 0), result, error, endpoint, tokens, coalesce(cost, 0)"
	static const char *const sqls[] = {
		PG_EXPORT_COLS " FROM psup_items WHERE state IN ('done', 'failed'){W} ORDER BY seq",
		PG_EXPORT_COLS " FROM psup_items WHERE state = 'failed'{W} ORDER BY seq",
		PG_EXPORT_COLS ", " PG_ITEM_JSON
		" FROM psup_items WHERE state IN ('done', 'failed'){W} ORDER BY seq",
		PG_EXPORT_COLS ", " PG_ITEM_JSON " FROM psup_items WHERE state = 'failed'{W} ORDER BY seq",
	};
#undef PG_EXPORT_COLS
	const char *sql = sqls[flags & (STORE_EXPORT_FAILED | STORE_EXPORT_ITEM)];
	const char **params;
	int n_params;
	char *text = pg_where(g, sql, 0, NULL, &params, &n_params);
	pg_revive(g);
	int sent = PQsendQueryParams(g->conn, text, n_params, NULL, params, NULL, NULL, 0);
	free(text);
	free(params);
	if (!sent)
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
				.id_int = (int)pg_col_ll(r, 0, 1),
				.ok = strcmp(PQgetvalue(r, 0, 2), "done") == 0,
				.attempts = pg_col_ll(r, 0, 3),
				.http_status = pg_col_ll(r, 0, 4),
				.latency_ms = pg_col_ll(r, 0, 5),
				.result = PQgetisnull(r, 0, 6) ? NULL : PQgetvalue(r, 0, 6),
				.error = PQgetisnull(r, 0, 7) ? NULL : PQgetvalue(r, 0, 7),
				.endpoint = PQgetisnull(r, 0, 8) ? NULL : PQgetvalue(r, 0, 8),
				.tokens = pg_col_ll(r, 0, 9),
				.cost = strtod(PQgetvalue(r, 0, 10), NULL),
				.item = PQnfields(r) > 11 ? PQgetvalue(r, 0, 11) : NULL,
			};
			rc = cb(&row, arg, cause);
		} else if (rc == 0 && st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE) {
			rc = pg_fail(g, cause, "cannot read results", r);
		}
		PQclear(r);
	}
	return rc;
}


int pg_spend(struct store *s, store_spend_cb cb, void *arg, char **cause)
{
	struct pg *g = (struct pg *)s;
	/* No index holds the done items (each would cost every finish an
	 * entry more): the counts say first whether there are any to read, so
	 * that `status` of a big job not started yet reads no rows. */
	PGresult *r = pg_run(g, "SELECT endpoint, count(*), sum((state = 'done')::int),"
	    " coalesce(sum(tokens), 0), coalesce(sum(latency_ms), 0), coalesce(sum(cost), 0)"
	    " FROM psup_items WHERE state IN ('done', 'failed') AND EXISTS (SELECT 1 FROM"
	    " psup_counts WHERE state IN ('done', 'failed') AND n > 0) GROUP BY endpoint"
	    " ORDER BY endpoint", 0, NULL, PGRES_TUPLES_OK, "cannot read the spend", cause);
	if (!r)
		return -1;
	int rc = 0;
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		struct store_spend sp = {
			.endpoint = PQgetisnull(r, i, 0) ? NULL : PQgetvalue(r, i, 0),
			.items = pg_col_ll(r, i, 1),
			.ok = pg_col_ll(r, i, 2),
			.tokens = pg_col_ll(r, i, 3),
			.latency_ms = pg_col_ll(r, i, 4),
			.cost = strtod(PQgetvalue(r, i, 5), NULL),
		};
		rc = cb(&sp, arg, cause);
	}
	PQclear(r);
	return rc;
}
