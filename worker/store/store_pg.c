/* The PostgreSQL job store: one queue for workers on many hosts. Claims
 * lock rows with FOR UPDATE SKIP LOCKED, so workers never wait on each
 * other; lease times come from the server's clock, the one clock every
 * host shares. Tables are psup_items and psup_meta in the connection's
 * schema (choose another with ?options=-csearch_path%3Dname). */
#include "store_pg.h"
#include "xalloc.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

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
	PG_INDEX_CLAIM ";" PG_INDEX_LEASE ";" PG_INDEX_FAILED ";"
	"INSERT INTO psup_meta (key, value) VALUES ('schema_version', '1') ON CONFLICT DO NOTHING;"
	"COMMIT;";

/* Version 2: the counts by state, kept by statement triggers (one upsert
 * per statement that adds or moves items, whatever moves them) in rows
 * spread over 16 shards by backend, so that workers committing at once do
 * not queue on one row. Run inside the schema lock once the store is seen
 * still at version 1: the items are locked first, in the one mode the
 * trigger changes need (taking a weaker one first and then this one would
 * deadlock with a load), and counted once. */
static const char counts_sql[] =
	"LOCK TABLE psup_items IN ACCESS EXCLUSIVE MODE;"
	"CREATE TABLE IF NOT EXISTS psup_counts (shard integer NOT NULL, state text NOT NULL,"
	" n bigint NOT NULL DEFAULT 0, attempts bigint NOT NULL DEFAULT 0,"
	" tokens bigint NOT NULL DEFAULT 0, first_finish bigint, last_finish bigint,"
	" PRIMARY KEY (shard, state));"
	"CREATE OR REPLACE FUNCTION psup_count_cb() RETURNS trigger LANGUAGE plpgsql AS $f$"
	" BEGIN"
	"  IF TG_OP = 'INSERT' THEN"
	"   INSERT INTO psup_counts AS c SELECT pg_backend_pid() % 16, state, count(*),"
	"    sum(attempts), sum(tokens), min(finished_at), max(finished_at)"
	"    FROM psup_new GROUP BY state"
	"   ON CONFLICT (shard, state) DO UPDATE SET n = c.n + excluded.n,"
	"    attempts = c.attempts + excluded.attempts, tokens = c.tokens + excluded.tokens,"
	"    first_finish = least(c.first_finish, excluded.first_finish),"
	"    last_finish = greatest(c.last_finish, excluded.last_finish);"
	"  ELSE"
	"   INSERT INTO psup_counts AS c SELECT pg_backend_pid() % 16, state, sum(dn), sum(da),"
	"    sum(dt), min(f), max(f) FROM ("
	"     SELECT state, -1 AS dn, -attempts::bigint AS da, -tokens AS dt, NULL::bigint AS f"
	"     FROM psup_old UNION ALL"
	"     SELECT state, 1, attempts, tokens, finished_at FROM psup_new) d GROUP BY state"
	"    HAVING sum(dn) <> 0 OR sum(da) <> 0 OR sum(dt) <> 0 OR max(f) IS NOT NULL"
	"   ON CONFLICT (shard, state) DO UPDATE SET n = c.n + excluded.n,"
	"    attempts = c.attempts + excluded.attempts, tokens = c.tokens + excluded.tokens,"
	"    first_finish = least(c.first_finish, excluded.first_finish),"
	"    last_finish = greatest(c.last_finish, excluded.last_finish);"
	"  END IF;"
	"  RETURN NULL;"
	" END $f$;"
	"DROP TRIGGER IF EXISTS psup_count_ins ON psup_items;"
	"CREATE TRIGGER psup_count_ins AFTER INSERT ON psup_items"
	" REFERENCING NEW TABLE AS psup_new FOR EACH STATEMENT EXECUTE FUNCTION psup_count_cb();"
	"DROP TRIGGER IF EXISTS psup_count_upd ON psup_items;"
	"CREATE TRIGGER psup_count_upd AFTER UPDATE ON psup_items"
	" REFERENCING OLD TABLE AS psup_old NEW TABLE AS psup_new"
	" FOR EACH STATEMENT EXECUTE FUNCTION psup_count_cb();"
	"DELETE FROM psup_counts;"
	"INSERT INTO psup_counts SELECT 0, state, count(*), sum(attempts), sum(tokens),"
	" min(finished_at), max(finished_at) FROM psup_items GROUP BY state;"
	"UPDATE psup_meta SET value = '2' WHERE key = 'schema_version';"
	"COMMIT;";

/* Version 3: which endpoint of the job file answered each item and what it
 * cost (run after
 * 2, under the schema lock; adding the column again is a no-op). */
static const char endpoint_sql[] =
	"BEGIN; SELECT pg_advisory_xact_lock(" LOCK_SCHEMA ");"
	"ALTER TABLE psup_items ADD COLUMN IF NOT EXISTS endpoint text;"
	"ALTER TABLE psup_items ADD COLUMN IF NOT EXISTS cost double precision;"
	"UPDATE psup_meta SET value = '3' WHERE key = 'schema_version';"
	"COMMIT;";

/* Version 4: items' JSON in a table of its own. A claim or a finish
 * writes a new version of its item's whole row, and an item's JSON (a
 * prompt: often kilobytes, kept in the row below about 2 KB) was most of
 * it, written again with each state change and its log record: out of the
 * row, it is written once, by the load. The column is dropped, so the
 * claims of an earlier build still running on the store fail instead of
 * sending items without their JSON (its finishes still go through);
 * earlier builds refuse a version 4 store when they open it. Under the
 * schema lock; the column is looked for, as another process may have
 * moved it meanwhile. */
static const char payload_sql[] =
	"BEGIN; SELECT pg_advisory_xact_lock(" LOCK_SCHEMA ");"
	"CREATE TABLE IF NOT EXISTS psup_payloads (seq bigint PRIMARY KEY, json text NOT NULL);"
	"DO $f$ BEGIN"
	" IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'psup_items'::regclass"
	"  AND attname = 'json' AND NOT attisdropped) THEN"
	"  INSERT INTO psup_payloads (seq, json) SELECT seq, json FROM psup_items;"
	"  ALTER TABLE psup_items DROP COLUMN json;"
	" END IF;"
	" END $f$;"
	"UPDATE psup_meta SET value = '4' WHERE key = 'schema_version';"
	"COMMIT;";

int pg_fail(struct pg *g, char **cause, const char *what, const PGresult *r)
{
	const char *msg = r ? PQresultErrorMessage(r) : "";
	if (!msg || !*msg)
		msg = PQerrorMessage(g->conn);
	char *m = xstrdup(msg && *msg ? msg : "unknown error");
	/* One line, as every psup error: libpq's line breaks and the tabs
	 * that indent its continuation lines become single spaces. */
	char *o = m;
	for (const char *p = m; *p; p++) {
		int space = *p == '\n' || *p == '\t' || *p == ' ';
		if (!space)
			*o++ = *p;
		else if (o > m && o[-1] != ' ')
			*o++ = ' ';
	}
	while (o > m && o[-1] == ' ')
		o--;
	*o = '\0';
	fail(cause, "postgresql %s: %s: %s", g->name, what, m);
	free(m);
	return -1;
}

/* The session's settings, again after each reconnection: warnings such
 * as "relation already exists, skipping" are noise here, and a bounded
 * store (store_bound) keeps its bound. */
static void pg_session(struct pg *g)
{
	PQclear(PQexec(g->conn, "SET client_min_messages = error"));
	if (g->timeout_ms > 0) {
		char sql[64];
		snprintf(sql, sizeof sql, "SET statement_timeout = %lld", g->timeout_ms);
		PQclear(PQexec(g->conn, sql));
	}
}

/* The connection's prepared statements are gone (a new connection). */
static void pg_unprepare(struct pg *g)
{
	for (int i = 0; i < PG_PREP_N; i++) {
		free(g->prep[i]);
		g->prep[i] = NULL;
	}
}

/* A dead connection (server restart, network) is reopened before an
 * operation; what was in flight on it is lost, and leases cover that. */
void pg_revive(struct pg *g)
{
	if (PQstatus(g->conn) != CONNECTION_BAD)
		return;
	pg_unprepare(g);
	PQreset(g->conn);
	if (PQstatus(g->conn) == CONNECTION_OK)
		pg_session(g);
}

int pg_lost(struct store *s)
{
	return PQstatus(((struct pg *)s)->conn) == CONNECTION_BAD;
}

int pg_bound(struct store *s, long long ms, char **cause)
{
	struct pg *g = (struct pg *)s;
	char v[24];
	snprintf(v, sizeof v, "%lld", ms);
	const char *p[1] = { v };
	g->timeout_ms = ms;
	/* set_config, not SET: SET takes no parameters. */
	PGresult *r = pg_run(g, "SELECT set_config('statement_timeout', $1, false)", 1, p,
	    PGRES_TUPLES_OK, "cannot bound statements", cause);
	PQclear(r);
	return r ? 0 : -1;
}

static int pg_retryable(const PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	return st && (strcmp(st, "40P01") == 0 || strcmp(st, "40001") == 0);
}

/* Runs sql once: as the statement prepared in slot (preparing it when
 * the connection has not got this text there), or, with slot PG_PREP_N,
 * parsed and planned for this run alone. */
static PGresult *pg_exec(struct pg *g, enum pg_prep slot, const char *sql, int n,
    const char *const *params)
{
	if (slot == PG_PREP_N)
		return PQexecParams(g->conn, sql, n, NULL, params, NULL, NULL, 0);
	char name[16];
	snprintf(name, sizeof name, "psup_%d", (int)slot);
	if (!g->prep[slot] || strcmp(g->prep[slot], sql) != 0) {
		if (g->prep[slot]) {
			char dealloc[32];
			snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", name);
			PQclear(PQexec(g->conn, dealloc));
			free(g->prep[slot]);
			g->prep[slot] = NULL;
		}
		PGresult *r = PQprepare(g->conn, name, sql, n, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			return r;
		PQclear(r);
		g->prep[slot] = xstrdup(sql);
	}
	return PQexecPrepared(g->conn, name, n, params, NULL, NULL, 0);
}

PGresult *pg_run_prep(struct pg *g, enum pg_prep slot, const char *sql, int n,
    const char *const *params, ExecStatusType want, const char *what, char **cause)
{
	PGresult *r = NULL;
	for (int tries = 0; tries < PG_TRIES; tries++) {
		pg_revive(g);
		PQclear(r);
		r = pg_exec(g, slot, sql, n, params);
		if (PQresultStatus(r) == want)
			return r;
		if (!pg_retryable(r) || PQtransactionStatus(g->conn) != PQTRANS_IDLE)
			break;
	}
	pg_fail(g, cause, what, r);
	PQclear(r);
	return NULL;
}

PGresult *pg_run(struct pg *g, const char *sql, int n, const char *const *params,
    ExecStatusType want, const char *what, char **cause)
{
	return pg_run_prep(g, PG_PREP_N, sql, n, params, want, what, cause);
}

char *pg_where(struct pg *g, const char *sql, int n, const char *const *params,
    const char ***all, int *n_all)
{
	const struct store_filter *f = &g->base.where;
	const char **v = xcalloc((size_t)(n + 2 * f->n + 1), sizeof *v);
	char *cond = xstrdup("");
	int k = 0;
	for (; k < n; k++)
		v[k] = params[k];
	for (int i = 0; i < f->n; i++) {
		char *next;
		/* A field's value as text: ->> gives strings unquoted, numbers,
		 * true and false as written, and NULL for null. */
		if (f->cond[i].field) {
			v[k++] = f->cond[i].field;
			next = xasprintf("%s AND (" PG_ITEM_JSON "::json ->> $%d::text) = $%d",
			    cond, k, k + 1);
		} else {
			next = xasprintf("%s AND tag = $%d", cond, k + 1);
		}
		v[k++] = f->cond[i].value;
		free(cond);
		cond = next;
	}
	char *out = store_where_sql(sql, cond);
	free(cond);
	*all = v;
	*n_all = k;
	return out;
}

PGresult *pg_run_where(struct pg *g, enum pg_prep slot, const char *sql, int n,
    const char *const *params, ExecStatusType want, const char *what, char **cause)
{
	const char **all;
	int n_all;
	char *text = pg_where(g, sql, n, params, &all, &n_all);
	PGresult *r = pg_run_prep(g, slot, text, n_all, all, want, what, cause);
	free(text);
	free(all);
	return r;
}

int pg_cmd(struct pg *g, const char *sql, int n, const char *const *params,
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

void pg_rollback(struct pg *g)
{
	if (PQtransactionStatus(g->conn) != PQTRANS_IDLE)
		PQclear(PQexec(g->conn, "ROLLBACK"));
}

long long pg_col_ll(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* A JSON array of ids (or of ids with attempts), passed as one parameter. */
char *pg_json_ids(const char *const *ids, const int *attempts, int n)
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
		if (attempts)
			fputs("{\"id\":", m);
		store_json_write_string(m, ids[i]);
		if (attempts)
			fprintf(m, ",\"attempts\":%d}", attempts[i]);
	}
	putc(']', m);
	fclose(m);
	return buf;
}

/* ---- open and close ---- */

void pg_close(struct store *s)
{
	struct pg *g = (struct pg *)s;
	if (g->load_rows)
		fclose(g->load_rows);
	PQfinish(g->conn);
	pg_unprepare(g);
	free(g->name);
	free(g);
}

static const struct store_ops pg_ops = STORE_OPS_TABLE("postgresql", pg);

/* Runs sql, the end of a schema transaction (it commits); on failure rolls
 * back and says what failed. */
static int pg_schema_step(struct pg *g, const char *sql, const char *what, char **cause)
{
	PGresult *r = PQexec(g->conn, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail(g, cause, what, r);
		PQclear(r);
		pg_rollback(g);
		return -1;
	}
	PQclear(r);
	return 0;
}

/* Moves a version 1 store to 2, unless another process did meanwhile. */
static int pg_migrate(struct pg *g, char **cause)
{
	PGresult *r = PQexec(g->conn, "BEGIN; SELECT pg_advisory_xact_lock(" LOCK_SCHEMA ");"
	    "SELECT value FROM psup_meta WHERE key = 'schema_version'");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail(g, cause, "cannot add the counts to the store", r);
		PQclear(r);
		pg_rollback(g);
		return -1;
	}
	int done = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "1") != 0;
	PQclear(r);
	return pg_schema_step(g, done ? "COMMIT" : counts_sql, "cannot add the counts to the store",
	    cause);
}

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
	long long version = PQntuples(r) == 1 ? pg_col_ll(r, 0, 0) : 0;
	PQclear(r);
	if (version < 1)
		return fail(cause, "postgresql %s: not a psup job store (no schema version)",
		    g->name);
	if (version > STORE_SCHEMA_VERSION)
		return fail(cause, "postgresql %s: store schema version %lld is newer than this "
		    "psup-worker understands (%d)", g->name, version, STORE_SCHEMA_VERSION);
	/* a new store too: made at 1, moved to 2, 3 and 4 here */
	if (version < 2 && pg_migrate(g, cause) < 0)
		return -1;
	if (version < 3 &&
	    pg_schema_step(g, endpoint_sql, "cannot add the endpoints to the store", cause) < 0)
		return -1;
	if (version < 4)
		return pg_schema_step(g, payload_sql,
		    "cannot move the items' JSON to a table of its own", cause);
	return 0;
}

/* Adds the tag column (and its index) to a store made before tags, once,
 * under the schema lock: another process may be doing it too. Builds that
 * know no tags leave it NULL, which is right for what they load. */
static int pg_add_tag(struct pg *g, char **cause)
{
	PGresult *r = PQexec(g->conn, "SELECT tag FROM psup_items LIMIT 0");
	int have = PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	if (have)
		return 0;
	return pg_schema_step(g, "BEGIN; SELECT pg_advisory_xact_lock(" LOCK_SCHEMA ");"
	    "ALTER TABLE psup_items ADD COLUMN IF NOT EXISTS tag text;" PG_INDEX_TAG ";COMMIT",
	    "cannot add tags to the store", cause);
}

/* True while the store still has the indexes of builds before those of
 * one state each (PG_INDEX_CLAIM): whole-table claim and lease indexes,
 * none of the failed items, one of owners. */
static const char old_indexes_sql[] =
	"SELECT EXISTS (SELECT 1 FROM pg_index WHERE indpred IS NULL AND indexrelid IN"
	" (to_regclass('psup_items_claim'), to_regclass('psup_items_lease')))"
	" OR to_regclass('psup_items_failed') IS NULL"
	" OR to_regclass('psup_items_owner') IS NOT NULL";

/* The indexes moved to those of one state each, once, under the schema
 * lock, unless another process did it meanwhile. Builds before them work
 * on these as well (the same statements find the same index ranges), so
 * the schema version stays: workers of either build share the store. The
 * items are locked first, in the mode the index changes need. */
static int pg_state_indexes(struct pg *g, char **cause)
{
	static const char *const what = "cannot move the store to its new indexes";
	PGresult *r = PQexec(g->conn, old_indexes_sql);
	int old = PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!old)
		return 0;
	r = PQexec(g->conn, "BEGIN; SELECT pg_advisory_xact_lock(" LOCK_SCHEMA ");"
	    "LOCK TABLE psup_items IN ACCESS EXCLUSIVE MODE;");
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		PQclear(r);
		r = PQexec(g->conn, old_indexes_sql);
	}
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail(g, cause, what, r);
		PQclear(r);
		pg_rollback(g);
		return -1;
	}
	old = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return pg_schema_step(g, old ? "DROP INDEX IF EXISTS psup_items_claim, psup_items_lease,"
	    " psup_items_owner;" PG_INDEX_CLAIM ";" PG_INDEX_LEASE ";" PG_INDEX_FAILED ";COMMIT" :
	    "COMMIT", what, cause);
}

int store_pg_open(const char *url, int create, struct store **out, char **cause)
{
	*out = NULL;
	struct pg *g = xcalloc(1, sizeof *g);
	g->base.ops = &pg_ops;
	g->base.remote = 1;
	/* No network wait is unbounded: a connection attempt, an idle link
	 * (keepalives), and data the server does not acknowledge
	 * (tcp_user_timeout) each give up within seconds, so a cut link fails
	 * calls instead of hanging them. The URL's own settings come last and
	 * win. */
	static const char *const keys[] = { "connect_timeout", "keepalives", "keepalives_idle",
		"keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname", NULL };
	const char *const vals[] = { "5", "1", "5", "2", "3", "10000", url, NULL };
	g->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(g->conn) != CONNECTION_OK) {
		g->name = xstrdup("server");
		g->base.name = g->name;
		pg_fail(g, cause, "cannot connect", NULL);
		pg_close(&g->base);
		return -1;
	}
	const char *host = PQhost(g->conn);
	g->name = xasprintf("%s@%s", PQdb(g->conn), host && *host ? host : "localhost");
	g->base.name = g->name;
	pg_session(g);
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
	if (pg_check_schema(g, cause) < 0 || pg_add_tag(g, cause) < 0 ||
	    pg_state_indexes(g, cause) < 0) {
		pg_close(&g->base);
		return -1;
	}
	*out = &g->base;
	return 0;
}
