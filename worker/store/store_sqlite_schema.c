/* The SQLite job store's schema: made at version 1, moved to the current
 * version in one transaction, and the tag column added to stores made
 * before tags. */
#include "store_sqlite.h"
#include "xalloc.h"

#include <sqlite3.h>
#include <string.h>

/* The indexes of items besides its key: made with the schema, and again
 * after a first load that went without them. The ids' unique index is a
 * named one, which a load can drop; stores made before it hold the one
 * their UNIQUE column made, which stays. */
#define INDEX_ID "CREATE UNIQUE INDEX IF NOT EXISTS items_id ON items (id)"
/* Each of these covers the items of one state only: a claim or a finish
 * moves an item out of its state, and then costs one entry taken out of
 * one index and one put in another, not a move inside each of them. The
 * leased items are found by owner (renew, release) through their lease
 * index too. The statements name the state as a literal, which is what
 * lets SQLite use an index of one state. */
#define INDEX_CLAIM \
	"CREATE INDEX IF NOT EXISTS items_claim ON items (priority DESC, seq)" \
	" WHERE state = 'pending'"
#define INDEX_LEASE \
	"CREATE INDEX IF NOT EXISTS items_lease ON items (lease_until) WHERE state = 'leased'"
#define INDEX_FAILED \
	"CREATE INDEX IF NOT EXISTS items_failed ON items (seq) WHERE state = 'failed'"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS items ("
	" seq INTEGER PRIMARY KEY,"           /* input order */
	" id TEXT NOT NULL,"
	" id_int INTEGER NOT NULL DEFAULT 0," /* the id was a JSON integer */
	" json TEXT NOT NULL,"
	" priority INTEGER NOT NULL DEFAULT 0,"
	" state TEXT NOT NULL DEFAULT 'pending',"
	" owner TEXT,"
	" lease_until INTEGER,"               /* real time, ms */
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" http_status INTEGER,"
	" latency_ms INTEGER,"
	" result TEXT,"                       /* JSON text */
	" error TEXT,"
	" tokens INTEGER NOT NULL DEFAULT 0,"
	" finished_at INTEGER);"              /* real time, ms */
	INDEX_ID ";" INDEX_CLAIM ";" INDEX_LEASE ";" INDEX_FAILED ";"
	"INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');";

/* Version 2: the counts by state, counted once from the items. Run in the
 * transaction that moves a store from 1 to 2 (or creates it). */
static const char counts_sql[] =
	"CREATE TABLE counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0, tokens INTEGER NOT NULL DEFAULT 0,"
	" first_finish INTEGER, last_finish INTEGER);"
	"INSERT INTO counts (state, n, attempts, tokens, first_finish, last_finish)"
	" SELECT state, count(*), coalesce(sum(attempts), 0), coalesce(sum(tokens), 0),"
	" min(finished_at), max(finished_at) FROM items GROUP BY state;"
	"INSERT OR IGNORE INTO counts (state) VALUES ('pending'), ('leased'), ('done'), ('failed');"
	"UPDATE meta SET value = '2' WHERE key = 'schema_version';";

/* The item's tag, kept beside its JSON so that a subset by tag is an index
 * range. Partial: a store that uses no tags pays nothing for it. Added to
 * stores made before tags by sq_add_tag; builds that know no tags leave
 * it NULL, which is right for what they load. */
static const char tag_sql[] =
	"ALTER TABLE items ADD COLUMN tag TEXT;"
	"CREATE INDEX IF NOT EXISTS items_tag ON items (tag, state, priority DESC, seq)"
	" WHERE tag IS NOT NULL;";
/* Version 3: which endpoint of the job file answered each item, and what
 * it cost. */
static const char endpoint_sql[] =
	"ALTER TABLE items ADD COLUMN endpoint TEXT;"
	"ALTER TABLE items ADD COLUMN cost REAL;"
	"UPDATE meta SET value = '3' WHERE key = 'schema_version';";

/* Version 4: items' JSON in a table of its own. A claim or a finish
 * rewrites its item's whole row, and an item's JSON (a prompt: often
 * kilobytes) is most of it, rewritten twice for nothing: out of the row,
 * it is written once, by the load. Dropping the column makes the claims
 * of a build before it that still runs on the store fail ("no such
 * column"), rather than send items without their JSON; those builds
 * refuse a version 4 store when they open it. */
static const char payload_sql[] =
	"CREATE TABLE payloads (seq INTEGER PRIMARY KEY, json TEXT NOT NULL);"
	"INSERT INTO payloads (seq, json) SELECT seq, json FROM items;"
	"ALTER TABLE items DROP COLUMN json;"
	"UPDATE meta SET value = '4' WHERE key = 'schema_version';";

static long long sq_schema_version(struct sq *q, char **cause);

/* The steps from each version to the next: the SQL that moves a store
 * of version below "to" there. */
static const struct {
	long long to;
	const char *sql, *what;
} steps[] = {
	{ 2, counts_sql, "cannot add the counts to the store" },
	{ 3, endpoint_sql, "cannot add the endpoints to the store" },
	{ 4, payload_sql, "cannot move the items' JSON to a table of its own" },
};

/* Moves a version 1, 2 or 3 store to 4 in one write transaction (another
 * process may have done it meanwhile: the version is read again inside). */
static int sq_migrate(struct sq *q, char **cause)
{
	if (sq_begin(q, cause) < 0)
		return -1;
	long long version = sq_schema_version(q, cause);
	if (version < 0) {
		sq_rollback(q);
		return -1;
	}
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if (version < steps[i].to &&
		    sqlite3_exec(q->db, steps[i].sql, NULL, NULL, NULL) != SQLITE_OK) {
			sq_fail(q, cause, steps[i].what);
			sq_rollback(q);
			return -1;
		}
	}
	return sq_commit(q, cause);
}

/* Checks that the file holds a psup job store this build understands,
 * moving an older one to this build's version. */
static int sq_check_schema(struct sq *q, char **cause)
{
	long long version = sq_schema_version(q, cause);
	if (version < 0)
		return -1;
	if (version < 1)
		return fail(cause, "%s: not a psup job store (no schema version)", q->path);
	if (version > STORE_SCHEMA_VERSION)
		return fail(cause, "%s: store schema version %lld is newer than this "
		    "psup-worker understands (%d)", q->path, version, STORE_SCHEMA_VERSION);
	if (version < STORE_SCHEMA_VERSION)
		return sq_migrate(q, cause);
	return 0;
}

/* The schema version (0 when none is recorded), or -1 with *cause. */
static long long sq_schema_version(struct sq *q, char **cause)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(q->db, "SELECT value FROM meta WHERE key = 'schema_version'",
	    -1, &st, NULL);
	if (rc != SQLITE_OK) {
		const char *msg = sqlite3_errmsg(q->db);
		if (strstr(msg, "no such table"))
			return fail(cause, "%s: not a psup job store (create it with "
			    "psup-worker init)", q->path);
		return sq_fail(q, cause, "cannot read the store");
	}
	rc = sq_step(q, st);
	long long version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq_fail(q, cause, "cannot read the store");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return version;
}

/* Adds the tag column to a store made before tags, once: the column is
 * looked for again inside the write transaction, as another process may
 * have added it meanwhile. */
static int sq_has_tag(struct sq *q)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(q->db, "SELECT tag FROM items LIMIT 0", -1, &st, NULL);
	sqlite3_finalize(st);
	return rc == SQLITE_OK;
}

static int sq_add_tag(struct sq *q, char **cause)
{
	if (sq_has_tag(q))
		return 0;
	if (sq_begin(q, cause) < 0)
		return -1;
	if (sq_has_tag(q) || sqlite3_exec(q->db, tag_sql, NULL, NULL, NULL) == SQLITE_OK)
		return sq_commit(q, cause);
	/* added by another process after our schema was read: done */
	int added = strstr(sqlite3_errmsg(q->db), "duplicate column") != NULL;
	if (!added)
		sq_fail(q, cause, "cannot add tags to the store");
	sq_rollback(q);
	return added ? 0 : -1;
}

/* 1 while the store has the indexes of builds before those of one state
 * each (INDEX_CLAIM): whole-table claim and lease indexes, one of owners,
 * none of failed items; 0 if not, -1 failed. */
static int sq_old_indexes(struct sq *q)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(q->db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND ((name IN ('items_claim', 'items_lease') AND sql NOT LIKE '%WHERE%')"
	    "  OR name = 'items_owner')"
	    " OR NOT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'items_failed')",
	    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	int old = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) > 0 : -1;
	sqlite3_finalize(st);
	return old;
}

/* The indexes moved to those of one state each, once, in a write
 * transaction (looked at again inside it: another process may have moved
 * them meanwhile). Builds before them run the same statements on these
 * indexes, so the schema version stays and workers of both share a
 * store. */
static int sq_state_indexes(struct sq *q, char **cause)
{
	int old = sq_old_indexes(q);
	if (old == 0)
		return 0;
	if (old < 0)
		return sq_fail(q, cause, "cannot read the store's indexes");
	if (sq_begin(q, cause) < 0)
		return -1;
	if ((old = sq_old_indexes(q)) < 0 || (old && sqlite3_exec(q->db, "DROP INDEX IF EXISTS"
	    " items_claim; DROP INDEX IF EXISTS items_lease; DROP INDEX IF EXISTS items_owner;"
	    INDEX_CLAIM ";" INDEX_LEASE ";" INDEX_FAILED, NULL, NULL, NULL) != SQLITE_OK)) {
		sq_fail(q, cause, "cannot move the store to its new indexes");
		sq_rollback(q);
		return -1;
	}
	return sq_commit(q, cause);
}

int sq_schema(struct sq *q, int create, char **cause)
{
	if (create) {
		if (sq_begin(q, cause) < 0)
			return -1;
		/* A new store is made at version 1 and moved to the current
		 * version at once, so there is one way to each version. */
		if (sqlite3_exec(q->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
			sq_fail(q, cause, "cannot create the schema");
			sq_rollback(q);
			return -1;
		}
		if (sq_commit(q, cause) < 0)
			return -1;
	}
	if (sq_check_schema(q, cause) < 0 || sq_add_tag(q, cause) < 0)
		return -1;
	return sq_state_indexes(q, cause);
}

int sq_index_drop(struct sq *q, char **cause)
{
	if (sqlite3_exec(q->db, "DROP INDEX IF EXISTS items_id; DROP INDEX IF EXISTS items_claim;"
	    " DROP INDEX IF EXISTS items_lease", NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(q, cause, "cannot prepare the load");
	return 0;
}

int sq_index_make(struct sq *q, char **cause)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(q->db, "SELECT 1 FROM sqlite_master"
	    " WHERE name = 'sqlite_autoindex_items_1'", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_fail(q, cause, "cannot read the store's indexes");
	if ((rc == SQLITE_DONE && sqlite3_exec(q->db, INDEX_ID, NULL, NULL, NULL) != SQLITE_OK) ||
	    sqlite3_exec(q->db, INDEX_CLAIM ";" INDEX_LEASE ";" INDEX_FAILED, NULL, NULL,
	    NULL) != SQLITE_OK)
		return sq_fail(q, cause, "cannot index the items");
	return 0;
}
