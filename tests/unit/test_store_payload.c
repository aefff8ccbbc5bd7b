/* Items' JSON in a table of its own (SQLite stores, version 4): a store of
 * version 3, its JSON in each item's row, is moved when opened, every item
 * keeping its JSON, and a worker of a build before, still running on the
 * store, can no longer claim: its claims fail instead of sending items
 * without their JSON. SQLite only: PostgreSQL keeps a big value out of
 * the row by itself (TOAST). */
#include "store.h"
#include "storefix.h"
#include "tap.h"
#include "xalloc.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define bail storefix_bail

/* The version 3 schema: the JSON in each item's row. */
static const char old_sql[] =
	"DROP TABLE items; DROP TABLE payloads;"
	"CREATE TABLE items (seq INTEGER PRIMARY KEY, id TEXT NOT NULL,"
	" id_int INTEGER NOT NULL DEFAULT 0, json TEXT NOT NULL,"
	" priority INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'pending',"
	" owner TEXT, lease_until INTEGER, attempts INTEGER NOT NULL DEFAULT 0,"
	" http_status INTEGER, latency_ms INTEGER, result TEXT, error TEXT,"
	" tokens INTEGER NOT NULL DEFAULT 0, finished_at INTEGER, endpoint TEXT, cost REAL,"
	" tag TEXT);"
	"CREATE UNIQUE INDEX items_id ON items (id);"
	"CREATE INDEX items_claim ON items (priority DESC, seq) WHERE state = 'pending';"
	"CREATE INDEX items_lease ON items (lease_until) WHERE state = 'leased';"
	"CREATE INDEX items_failed ON items (seq) WHERE state = 'failed';"
	"CREATE INDEX items_tag ON items (tag, state, priority DESC, seq) WHERE tag IS NOT NULL;"
	"INSERT INTO items (id, json, priority, state, owner, lease_until, attempts, result,"
	" finished_at) VALUES"
	" ('a', '{\"id\":\"a\",\"k\":1}', 0, 'done', NULL, NULL, 1, '\"ra\"', 1000),"
	" ('b', '{\"id\":\"b\",\"k\":2}', 0, 'leased', 'old-worker', 1, 1, NULL, NULL),"
	" ('c', '{\"id\":\"c\",\"k\":1}', 5, 'pending', NULL, NULL, 0, NULL, NULL),"
	" ('d', '{\"id\":\"d\",\"k\":2}', 0, 'pending', NULL, NULL, 0, NULL, NULL);"
	"UPDATE counts SET n = CASE state WHEN 'done' THEN 1 WHEN 'leased' THEN 1"
	" WHEN 'pending' THEN 2 ELSE 0 END, attempts = CASE state WHEN 'done' THEN 1 ELSE 0 END;"
	"UPDATE meta SET value = '3' WHERE key = 'schema_version';";

/* One value of sql (its first column, first row) on the store at url, or
 * SQLite's message (malloc'd). */
static char *one(const char *url, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out;
	if (sqlite3_open(url + strlen("sqlite:"), &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		out = xstrdup(sqlite3_column_text(st, 0) ?
		    (const char *)sqlite3_column_text(st, 0) : "NULL");
	else
		out = xstrdup(db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* The items as "id=json" joined with spaces (malloc'd); frees them. */
static char *items_text(struct store_item *it, int n)
{
	char *out = xstrdup("");
	for (int i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%s=%s", out, i ? " " : "", it[i].id, it[i].json);
		free(out);
		out = next;
	}
	store_items_free(it, n);
	return out;
}

static void test_moved(void)
{
	store_close(storefix_open(1));
	char *url = storefix_url(0), *cause = NULL;
	sqlite3 *db = NULL, *old = NULL;
	sqlite3_stmt *old_claim = NULL;
	ok(sqlite3_open(url + strlen("sqlite:"), &db) == SQLITE_OK &&
	    sqlite3_exec(db, old_sql, NULL, NULL, NULL) == SQLITE_OK,
	    "made a version 3 store: %s", db ? sqlite3_errmsg(db) : "");
	sqlite3_close(db);
	/* a worker of the build before, its claim prepared, as it runs */
	ok(sqlite3_open(url + strlen("sqlite:"), &old) == SQLITE_OK &&
	    sqlite3_prepare_v2(old, "SELECT seq, id, json, attempts, state FROM items"
	    " WHERE state = 'pending' ORDER BY priority DESC, seq LIMIT 10", -1, &old_claim,
	    NULL) == SQLITE_OK, "a worker of the build before is on it");

	struct store *s = NULL;
	ok(store_open_existing(url, &s, &cause) == 0, "it opens: %s", cause ? cause : "");
	char *got = one(url, "SELECT value FROM meta WHERE key = 'schema_version'");
	is_str(got, "4", "and is moved to version 4");
	free(got);
	got = one(url, "SELECT group_concat(name, ',') FROM pragma_table_info('items')"
	    " WHERE name = 'json'");
	is_str(got, "NULL", "its items' rows hold no JSON");
	free(got);
	got = one(url, "SELECT count(*) FROM payloads");
	is_str(got, "4", "each item's JSON is beside them");
	free(got);

	int rc = sqlite3_step(old_claim);
	ok(rc != SQLITE_ROW && strstr(sqlite3_errmsg(old), "no such column: json"),
	    "the other build's claim fails, sending nothing: %s", sqlite3_errmsg(old));
	sqlite3_finalize(old_claim);
	sqlite3_close(old);

	struct store_item *it = NULL;
	int n = 0;
	ok(store_peek(s, 10, &it, &n, &cause) == 0, "peek");
	got = items_text(it, n);
	is_str(got, "c={\"id\":\"c\",\"k\":1} d={\"id\":\"d\",\"k\":2}", "peeked with their JSON");
	free(got);
	/* b's lease ran out long ago: the claim that takes it over */
	ok(store_claim(s, "w", 10, 60000, &it, &n, &cause) == 0, "claim");
	got = items_text(it, n);
	is_str(got, "c={\"id\":\"c\",\"k\":1} b={\"id\":\"b\",\"k\":2} d={\"id\":\"d\",\"k\":2}",
	    "claimed with their JSON, in claim order");
	free(got);
	store_close(s);
	free(url);
}

/* New items keep their JSON; a subset by a field of it finds them. */
static void test_loaded(void)
{
	struct store *s = storefix_loaded("{\"id\":\"x\",\"k\":1}\n{\"id\":\"y\",\"k\":2}\n"
	    "{\"id\":\"z\",\"k\":2}\n");
	char *cause = NULL, *got;
	char field[] = "k", value[] = "2";
	struct store_cond c = { .field = field, .value = value };
	struct store_filter f = { .cond = &c, .n = 1 };
	store_where(s, &f);
	struct store_item *it = NULL;
	int n = 0;
	ok(store_claim(s, "w", 10, 60000, &it, &n, &cause) == 0, "claim a subset by field");
	got = items_text(it, n);
	is_str(got, "y={\"id\":\"y\",\"k\":2} z={\"id\":\"z\",\"k\":2}", "its items, with their JSON");
	free(got);
	store_where(s, NULL);
	ok(store_claim(s, "w", 10, 60000, &it, &n, &cause) == 0, "claim the rest");
	got = items_text(it, n);
	is_str(got, "x={\"id\":\"x\",\"k\":1}", "the one left");
	free(got);
	store_close(s);
}

int main(void)
{
	storefix_begin("payload");
	if (storefix_pg_url()) {
		skip(15, "items' JSON in a table of its own is SQLite's");
	} else {
		test_moved();
		test_loaded();
	}
	storefix_end();
	return done_testing();
}
