/* The job store's subsets: tags given at load, store_where by tag and by
 * item field, and every operation that follows it (claim, peek, counts,
 * error classes, export); a store made before tags gets them when opened.
 * Runs on SQLite in a temp dir; with PSUP_TEST_STORE_URL set (a
 * postgresql:// URL) on that server instead. */
#include "filter.h"
#include "store.h"
#include "storefix.h"
#include "tap.h"
#include "xalloc.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define bail storefix_bail
#define open_store storefix_open

static void pg_exec(const char *sql)
{
	PGconn *c = PQconnectdb(storefix_pg_url());
	if (PQstatus(c) != CONNECTION_OK)
		bail("connect", PQerrorMessage(c));
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		bail(sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

static void load(struct store *s, const char *name, const char *text, const char *tag,
    long long want_added)
{
	char *path = storefix_write(name, text), *cause = NULL;
	long long added = -1, skipped = -1;
	if (store_load_tagged(s, path, "id", NULL, tag, &added, &skipped, &cause) < 0)
		bail("load", cause);
	is_int(added, want_added, "load %s%s%s: %lld added", name, tag ? " tagged " : "",
	    tag ? tag : "", want_added);
	free(path);
}

/* A filter from --where texts, NULL-terminated. */
static struct store_filter where_of(const char *const *texts)
{
	struct store_filter f = { 0 };
	for (; *texts; texts++) {
		char *cause = NULL;
		if (filter_add(&f, *texts, &cause) < 0)
			bail(*texts, cause);
	}
	return f;
}

static char *peek_ids(struct store *s)
{
	struct store_item *it = NULL;
	int n = 0;
	char *cause = NULL;
	if (store_peek(s, 100, &it, &n, &cause) < 0)
		bail("peek", cause);
	return storefix_ids(it, n, ",");
}

static void check_peek(struct store *s, const char *const *texts, const char *want)
{
	struct store_filter f = where_of(texts);
	char *shown = filter_text(&f);
	store_where(s, &f);
	char *got = peek_ids(s);
	is_str(got, want, "where %s: %s", shown, want);
	free(got);
	free(shown);
	store_filter_free(&f);
}

static const char items_a[] =
	"{\"id\":\"a1\",\"lang\":\"en\",\"n\":1,\"ok\":true}\n"
	"{\"id\":\"a2\",\"lang\":\"fr\",\"n\":2,\"ok\":false}\n"
	"{\"id\":\"a3\",\"lang\":\"en\",\"n\":3,\"ok\":true,\"tag\":\"inner\"}\n"
	"{\"id\":\"a4\",\"lang\":\"fr\",\"n\":4.5,\"x.y\":\"dot\"}\n";
static const char items_b[] =
	"{\"id\":\"b1\",\"lang\":\"fr\",\"n\":1}\n"
	"{\"id\":\"b2\",\"lang\":null}\n";
static const char items_c[] = "{\"id\":\"c1\",\"lang\":\"en\"}\n";

static void test_select(void)
{
	struct store *s = open_store(1);
	load(s, "a.jsonl", items_a, "src-a", 4);
	load(s, "b.jsonl", items_b, "src-b", 2);
	load(s, "c.jsonl", items_c, NULL, 1);
	/* loading again with another tag adds nothing and moves no tag */
	load(s, "a.jsonl", items_a, "src-z", 0);

	check_peek(s, (const char *const[]){ NULL }, "a1,a2,a3,a4,b1,b2,c1");
	check_peek(s, (const char *const[]){ "tag=src-a", NULL }, "a1,a2,a3,a4");
	check_peek(s, (const char *const[]){ "tag=src-b", NULL }, "b1,b2");
	check_peek(s, (const char *const[]){ "tag=src-z", NULL }, "");
	check_peek(s, (const char *const[]){ "lang=fr", NULL }, "a2,a4,b1");
	check_peek(s, (const char *const[]){ "lang=fr", "tag=src-a", NULL }, "a2,a4");
	check_peek(s, (const char *const[]){ "n=1", NULL }, "a1,b1");
	check_peek(s, (const char *const[]){ "n=4.5", NULL }, "a4");
	check_peek(s, (const char *const[]){ "ok=true", NULL }, "a1,a3");
	check_peek(s, (const char *const[]){ "ok=false", NULL }, "a2");
	check_peek(s, (const char *const[]){ "lang=null", NULL }, "");
	check_peek(s, (const char *const[]){ "nope=1", NULL }, "");
	check_peek(s, (const char *const[]){ "item.tag=inner", NULL }, "a3");
	check_peek(s, (const char *const[]){ "tag=inner", NULL }, "");
	check_peek(s, (const char *const[]){ "x.y=dot", NULL }, "a4");
	store_close(s);
}

/* A subset's run: claims take only its items, counts count only them
 * (a run ends when they are finished), errors and exports show only them. */
static void test_operations(void)
{
	struct store *all = open_store(1);
	load(all, "a.jsonl", items_a, "src-a", 4);
	load(all, "b.jsonl", items_b, "src-b", 2);
	struct store *s = open_store(0);
	struct store_filter f = where_of((const char *const[]){ "tag=src-b", NULL });
	store_where(s, &f);
	store_filter_free(&f);

	struct store_counts c = storefix_counts(s);
	is_int(c.total, 2, "the subset holds 2 items");
	is_int(c.pending, 2, "both pending");
	char *got = storefix_claim(s, "w1", 10, 60000);
	is_str(got, "b1,b2", "a claim takes only the subset's items");
	free(got);
	got = storefix_claim(s, "w1", 10, 60000);
	is_str(got, "", "and then finds nothing more");
	free(got);
	c = storefix_counts(s);
	is_int(c.leased, 2, "counts: 2 leased");
	is_int(c.pending, 0, "none pending");

	struct store_result r[2] = {
		{ .id = "b1", .ok = 1, .attempts = 1, .http_status = 200, .result = "\"x\"",
		  .tokens = 7 },
		{ .id = "b2", .ok = 0, .attempts = 3, .http_status = 503, .error = "HTTP 503: busy" },
	};
	int stale = -1;
	char *cause = NULL;
	if (store_finish(s, "w1", r, 2, &stale, &cause) < 0)
		bail("finish", cause);
	c = storefix_counts(s);
	ok(c.pending == 0 && c.leased == 0, "the subset is finished: a run over it ends");
	is_int(c.done, 1, "1 done");
	is_int(c.failed, 1, "1 failed");
	is_int(c.attempts, 4, "attempts of the subset");
	is_int(c.tokens, 7, "tokens of the subset");
	ok(c.first_finish_ms > 0 && c.last_finish_ms >= c.first_finish_ms, "its finish span");
	struct store_counts whole = storefix_counts(all);
	is_int(whole.pending, 4, "the rest of the job is still pending");

	struct store_error_class *ec = NULL;
	int n_ec = 0;
	if (store_error_classes(s, &ec, &n_ec, &cause) < 0)
		bail("error classes", cause);
	ok(n_ec == 1 && ec[0].http_status == 503 && ec[0].count == 1, "the subset's one error class");
	store_error_classes_free(ec, n_ec);

	char *buf = NULL;
	size_t len = 0;
	long long written = -1;
	FILE *m = open_memstream(&buf, &len);
	if (store_export(s, m, 0, &written, NULL, &cause) < 0)
		bail("export", cause);
	fclose(m);
	is_int(written, 2, "export writes the subset's 2 results");
	ok(strstr(buf, "\"b1\"") && strstr(buf, "\"b2\"") && !strstr(buf, "\"a1\""),
	    "and only theirs");
	free(buf);

	/* a subset of other items claims from what is left */
	f = where_of((const char *const[]){ "lang=fr", NULL });
	struct store *fr = open_store(0);
	store_where(fr, &f);
	store_filter_free(&f);
	got = storefix_claim(fr, "w1", 1, 60000);
	is_str(got, "a2", "a field subset claims in input order");
	free(got);
	got = storefix_claim(fr, "w1", 10, 60000);
	is_str(got, "a4", "and skips finished items of other subsets");
	free(got);

	/* a retry puts back only the subset's failed items */
	got = storefix_claim(all, "w9", 1, 60000);
	is_str(got, "a1", "a1 claimed outside the subsets");
	free(got);
	struct store_result a1 = { .id = "a1", .ok = 0, .attempts = 1, .http_status = 500,
	    .error = "HTTP 500" };
	if (store_finish(all, "w9", &a1, 1, &stale, &cause) < 0)
		bail("finish", cause);
	long long moved = -1;
	if (store_retry(s, NULL, 0, &moved, &cause) < 0)
		bail("retry", cause);
	is_int(moved, 1, "retry of tag=src-b moves its 1 failed item");
	whole = storefix_counts(all);
	is_int(whole.failed, 1, "a1 (src-a) stays failed");
	is_int(storefix_counts(s).pending, 1, "b2 is pending again");
	store_close(fr);
	store_close(s);
	store_close(all);
}

/* A store made before tags: opening it adds the column; its items have
 * none, new loads can tag theirs. */
static void test_migrate(void)
{
	struct store *s = open_store(1);
	load(s, "a.jsonl", items_a, NULL, 4);
	store_close(s);
	if (storefix_pg_url()) {
		pg_exec("DROP INDEX psup_items_tag; ALTER TABLE psup_items DROP COLUMN tag");
	} else {
		char *url = storefix_url(0);
		char *path = xstrdup(url + strlen("sqlite:"));
		free(url);
		sqlite3 *db = NULL;
		if (sqlite3_open(path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "DROP INDEX items_tag; ALTER TABLE items DROP COLUMN tag",
		    NULL, NULL, NULL) != SQLITE_OK)
			bail("drop the tag column", sqlite3_errmsg(db));
		sqlite3_close(db);
		free(path);
	}
	s = open_store(0);
	load(s, "b.jsonl", items_b, "new", 2);
	check_peek(s, (const char *const[]){ "tag=new", NULL }, "b1,b2");
	check_peek(s, (const char *const[]){ "lang=en", NULL }, "a1,a3");
	store_close(s);
	s = open_store(0);
	check_peek(s, (const char *const[]){ NULL }, "a1,a2,a3,a4,b1,b2");
	store_close(s);
}

int main(void)
{
	storefix_begin("where");
	test_select();
	test_operations();
	test_migrate();
	storefix_end();
	return done_testing();
}
