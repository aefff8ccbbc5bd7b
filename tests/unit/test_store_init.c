/* A first load into an empty store goes without the store's indexes (and,
 * on PostgreSQL, without its count trigger) and makes them after: they are
 * all there once it commits, and all still there when it fails; later
 * loads skip the ids already held. Runs on SQLite in a temp dir, or with
 * PSUP_TEST_STORE_URL (a postgresql:// URL) on that server. */
#include "store.h"
#include "storefix.h"
#include "tap.h"
#include "xalloc.h"

#include <errno.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define bail storefix_bail

/* What the store's catalogue says (one value, malloc'd): its indexes on
 * the items, then, on PostgreSQL, whether the count trigger is on. */
static const char indexes_sq[] = "SELECT group_concat(name, ',') FROM (SELECT name"
    " FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' ORDER BY name)";
static const char indexes_pg[] = "SELECT string_agg(indexname, ',' ORDER BY indexname)"
    " || ' ' || (SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'psup_count_ins')"
    " FROM pg_indexes WHERE tablename = 'psup_items'";
#define WANT_SQ "items_claim,items_failed,items_id,items_lease,items_tag"
#define WANT_PG "psup_items_claim,psup_items_failed,psup_items_id_key,psup_items_lease," \
	"psup_items_pkey,psup_items_tag O"

/* Runs sql on the current store and returns its one value (malloc'd). */
static char *catalogue(const char *sql_sq, const char *sql_pg)
{
	char *out = NULL;
	if (storefix_pg_url()) {
		PGconn *c = PQconnectdb(storefix_pg_url());
		PGresult *r = PQexec(c, sql_pg);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			out = xstrdup(PQgetvalue(r, 0, 0));
		else if (PQresultStatus(r) != PGRES_COMMAND_OK)
			bail("catalogue", PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return out ? out : xstrdup("");
	}
	char *url = storefix_url(0);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_open(url + strlen("sqlite:"), &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql_sq, -1, &st, NULL) != SQLITE_OK)
		bail("catalogue", sqlite3_errmsg(db));
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = xstrdup((const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		bail("catalogue", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(url);
	return out ? out : xstrdup("");
}

static void check_indexes(const char *when)
{
	char *got = catalogue(indexes_sq, indexes_pg);
	is_str(got, storefix_pg_url() ? WANT_PG : WANT_SQ, "indexes %s", when);
	free(got);
}

static long long load(struct store *s, const char *path, const char *tag, long long *skipped,
    char **cause)
{
	long long added = -1;
	*cause = NULL;
	if (store_load_tagged(s, path, "id", "p", tag, &added, skipped, cause) < 0)
		return -1;
	return added;
}

/* A store made before the ids had a named index holds the one its UNIQUE
 * column made: a first load keeps that one and adds no second. */
static void test_old_store(void)
{
	if (storefix_pg_url()) {
		skip(4, "the UNIQUE column's index is SQLite's");
		return;
	}
	store_close(storefix_open(1));
	char *url = storefix_url(0), *path = storefix_write("old.jsonl", "{\"id\":\"a\"}\n"
	    "{\"id\":\"b\"}\n");
	sqlite3 *db = NULL;
	ok(sqlite3_open(url + strlen("sqlite:"), &db) == SQLITE_OK &&
	    sqlite3_exec(db, "DROP TABLE items; DROP TABLE payloads;"
	    " CREATE TABLE items (seq INTEGER PRIMARY KEY,"
	    " id TEXT NOT NULL UNIQUE, id_int INTEGER NOT NULL DEFAULT 0, json TEXT NOT NULL,"
	    " priority INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'pending',"
	    " owner TEXT, lease_until INTEGER, attempts INTEGER NOT NULL DEFAULT 0,"
	    " http_status INTEGER, latency_ms INTEGER, result TEXT, error TEXT,"
	    " tokens INTEGER NOT NULL DEFAULT 0, finished_at INTEGER, tag TEXT,"
	    " endpoint TEXT, cost REAL);"
	    " UPDATE meta SET value = '3' WHERE key = 'schema_version'", NULL, NULL,
	    NULL) == SQLITE_OK,
	    "made an empty store of the schema before: %s", db ? sqlite3_errmsg(db) : "");
	sqlite3_close(db);
	struct store *s = storefix_open(0);
	long long skipped = -1;
	char *cause = NULL;
	is_int(load(s, path, NULL, &skipped, &cause), 2, "loaded into it");
	char *got = catalogue(indexes_sq, NULL);
	is_str(got, "items_claim,items_failed,items_lease,sqlite_autoindex_items_1",
	    "its own id index kept, no second one");
	free(got);
	is_int(load(s, path, NULL, &skipped, &cause), 0, "a reload adds nothing");
	store_close(s);
	free(path);
	free(url);
}

/* A first load holds items and writes them many rows per statement: a
 * file of 70 items (two whole batches and some over) keeps every item's
 * JSON with its id, its priority and its tag, in input order; one failing
 * on its last line after two whole batches leaves nothing. */
static void test_batches(void)
{
	char *text = NULL, *bad = NULL;
	size_t tlen = 0, blen = 0;
	FILE *t = open_memstream(&text, &tlen), *b = open_memstream(&bad, &blen);
	for (int i = 0; i < 70; i++) {
		fprintf(t, "{\"id\":\"k%d\",\"p\":%d,\"n\":%d}\n", i, i % 10 == 3, i);
		fprintf(b, "{\"id\":\"k%d\"}\n", i);
	}
	fputs("{\"id\":\"k5\"}\n", b);
	fclose(t);
	fclose(b);
	char *path = storefix_write("batch.jsonl", text), *badpath = storefix_write("batchbad.jsonl", bad);
	long long skipped = -1;
	char *cause = NULL;
	struct store *s = storefix_open(1);
	is_int(load(s, badpath, NULL, &skipped, &cause), -1, "a first load failing on line 71");
	free(cause);
	is_int(storefix_counts(s).total, 0, "loads none of the 70 before it");
	is_int(load(s, path, "big", &skipped, &cause), 70, "a first load of 70 adds them all");
	check_indexes("all there after 70");

	struct store_item *it = NULL;
	int n = 0, order = 1, json = 1;
	if (store_claim(s, "w", 100, 60000, &it, &n, &cause) < 0)
		bail("claim", cause);
	is_int(n, 70, "all 70 claimed");
	/* the 7 of priority 1 (3, 13, ... 63) first, then the rest in input order */
	int want[70], w = 0;
	for (int pass = 1; pass >= 0; pass--)
		for (int i = 0; i < 70; i++)
			if ((i % 10 == 3) == pass)
				want[w++] = i;
	for (int i = 0; i < n && i < 70; i++) {
		char id[16], body[64];
		snprintf(id, sizeof id, "k%d", want[i]);
		snprintf(body, sizeof body, "{\"id\":\"k%d\",\"p\":%d,\"n\":%d}", want[i],
		    want[i] % 10 == 3, want[i]);
		order &= strcmp(it[i].id, id) == 0;
		json &= strcmp(it[i].json, body) == 0;
	}
	ok(order, "claimed by priority, then in input order");
	ok(json, "each item with its own JSON");
	free(storefix_ids(it, n, ","));
	char *tags = catalogue("SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' ||"
	    " (max(seq) - min(seq)) FROM items WHERE tag = 'big'", "SELECT count(*) || ' ' ||"
	    " count(DISTINCT seq) || ' ' || (max(seq) - min(seq)) FROM psup_items"
	    " WHERE tag = 'big'");
	is_str(tags, "70 70 69", "each item tagged, under 70 seqs in a row");
	free(tags);
	store_close(s);
	free(text);
	free(bad);
	free(path);
	free(badpath);
}

/* A first load may run with a rollback journal (alone on the store) or
 * through the log (another process has it open): the store is in WAL
 * mode after either. */
static void test_journal(void)
{
	if (storefix_pg_url()) {
		skip(4, "journal modes are SQLite's");
		return;
	}
	char *path = storefix_write("j.jsonl", "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
	long long skipped = -1;
	char *cause = NULL;
	struct store *s = storefix_open(1);
	is_int(load(s, path, NULL, &skipped, &cause), 2, "a first load alone on the store");
	store_close(s);
	char *mode = catalogue("PRAGMA journal_mode", NULL);
	is_str(mode, "wal", "leaves it in WAL mode");
	free(mode);

	s = storefix_open(1);
	char *url = storefix_url(0);
	sqlite3 *other = NULL;
	if (sqlite3_open(url + strlen("sqlite:"), &other) != SQLITE_OK ||
	    sqlite3_exec(other, "SELECT count(*) FROM items", NULL, NULL, NULL) != SQLITE_OK)
		bail("open the store beside", sqlite3_errmsg(other));
	is_int(load(s, path, NULL, &skipped, &cause), 2, "a first load with another on the store");
	store_close(s);
	sqlite3_close(other);
	mode = catalogue("PRAGMA journal_mode", NULL);
	is_str(mode, "wal", "leaves it in WAL mode too");
	free(mode);
	free(url);
	free(path);
}

int main(void)
{
	storefix_begin("init");
	struct store *s = storefix_open(1);
	char *bad = storefix_write("bad.jsonl", "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"a\"}\n");
	char *first = storefix_write("first.jsonl", "{\"id\":\"c\",\"p\":0}\n{\"id\":\"a\"}\n"
	    "{\"id\":7}\n{\"id\":\"b\",\"p\":2}\n");
	char *more = storefix_write("more.jsonl", "{\"id\":\"a\"}\n{\"id\":\"d\"}\n{\"id\":7}\n");
	long long skipped = -1;
	char *cause = NULL;

	errno = 0;
	is_int(load(s, bad, NULL, &skipped, &cause), -1, "a first load with an id twice fails");
	is_int(errno, EINVAL, "as bad input");
	char *want = xasprintf("%s:3: duplicate id \"a\" (first on line 1)", bad);
	is_str(cause, want, "naming the file and line");
	free(want);
	free(cause);
	is_int(storefix_counts(s).total, 0, "nothing added");
	check_indexes("all there after the failed load");

	is_int(load(s, first, "t1", &skipped, &cause), 4, "a first load adds every item");
	check_indexes("all there after it");
	struct store_counts c = storefix_counts(s);
	is_int(c.total, 4, "4 counted");
	is_int(c.pending, 4, "4 pending");
	is_int(load(s, first, NULL, &skipped, &cause), 0, "loading it again adds nothing");
	is_int(skipped, 4, "and skips all 4");
	is_int(load(s, more, "t2", &skipped, &cause), 1, "a second file adds its new id");
	is_int(skipped, 2, "and skips the 2 held");
	c = storefix_counts(s);
	is_int(c.total, 5, "5 counted");
	is_int(c.pending, 5, "5 pending");
	check_indexes("all there after the second load");

	char *ids = storefix_claim(s, "w", 10, 60000);
	is_str(ids, "b,c,a,7,d", "claimed by priority, then in input order");
	free(ids);
	char *tags = catalogue("SELECT group_concat(tag, ',') FROM (SELECT tag FROM items"
	    " ORDER BY seq)", "SELECT string_agg(tag, ',' ORDER BY seq) FROM psup_items");
	is_str(tags, "t1,t1,t1,t1,t2", "each load tagged what it added");
	free(tags);
	store_close(s);
	free(bad);
	free(first);
	free(more);

	test_old_store();
	test_batches();
	test_journal();
	storefix_end();
	return done_testing();
}
