/* The store's "first result wins" rule: a result is written when its item
 * is not yet done or failed, whoever holds the lease now (the worker's own
 * ran out while the store was away, another took it over, or it was
 * released), and counted stale otherwise; a worker never claims its own
 * leases that ran out (it still holds those items). Runs on SQLite in a
 * temp dir, or with PSUP_TEST_STORE_URL (a postgresql:// URL) on that
 * server. */
#include "store.h"
#include "tap.h"
#include "xalloc.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/psup-test-first-XXXXXX";
static const char *pg_url;

static void bail(const char *what, const char *why)
{
	printf("Bail out! %s: %s\n", what, why ? why : "");
	exit(1);
}

/* A fresh store of the items a..f. */
static struct store *fresh(void)
{
	char *cause = NULL, *url;
	if (pg_url) {
		PGconn *c = PQconnectdb(pg_url);
		if (PQstatus(c) != CONNECTION_OK)
			bail("connect", PQerrorMessage(c));
		PQclear(PQexec(c, "SET client_min_messages = warning;"
		    "DROP TABLE IF EXISTS psup_items, psup_meta, psup_counts;"
		    "DROP FUNCTION IF EXISTS psup_count_cb() CASCADE"));
		PQfinish(c);
		url = xstrdup(pg_url);
	} else {
		url = xasprintf("sqlite:%s/first.db", dir);
	}
	char *items = xasprintf("%s/items.jsonl", dir);
	FILE *f = fopen(items, "w");
	if (!f)
		bail("fopen", items);
	for (char c = 'a'; c <= 'f'; c++)
		fprintf(f, "{\"id\":\"%c\"}\n", c);
	fclose(f);
	struct store *s = NULL;
	long long added, skipped;
	if (store_open(url, &s, &cause) < 0 ||
	    store_load(s, items, "id", NULL, &added, &skipped, &cause) < 0)
		bail(url, cause);
	free(items);
	free(url);
	return s;
}

/* Claims up to max and returns the ids joined (malloc'd). */
static char *claim(struct store *s, const char *owner, int max, long long lease_ms)
{
	struct store_item *it = NULL;
	int n = 0;
	char *cause = NULL;
	if (store_claim(s, owner, max, lease_ms, &it, &n, &cause) < 0)
		bail("claim", cause);
	char *out = xstrdup("");
	for (int i = 0; i < n; i++) {
		char *next = xasprintf("%s%s", out, it[i].id);
		free(out);
		out = next;
	}
	store_items_free(it, n);
	return out;
}

static int finish(struct store *s, const char *owner, const char *id, int ok,
    const char *result)
{
	struct store_result r = { .id = id, .ok = ok, .attempts = 1, .http_status = ok ? 200 : 500,
	    .result = result, .error = ok ? NULL : "HTTP 500" };
	int stale = -1;
	char *cause = NULL;
	if (store_finish(s, owner, &r, 1, &stale, &cause) < 0)
		bail("finish", cause);
	return stale;
}

/* The "result" field of id's export line, or "" when not exported. */
static char *exported(struct store *s, const char *id)
{
	char *buf = NULL, *cause = NULL;
	size_t len = 0;
	long long written = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m || store_export(s, m, 0, &written, &cause) < 0)
		bail("export", cause);
	fclose(m);
	char *key = xasprintf("{\"id\":\"%s\",", id);
	char *line = strstr(buf, key), *out = xstrdup("");
	if (line) {
		char *res = strstr(line, "\"result\":");
		char *end = res ? strpbrk(res + 9, ",}") : NULL;
		if (res && end && res < strchr(line, '\n')) {
			free(out);
			out = xasprintf("%.*s", (int)(end - res - 9), res + 9);
		}
	}
	free(key);
	free(buf);
	return out;
}

static struct store_counts counts(struct store *s)
{
	struct store_counts c;
	char *cause = NULL;
	if (store_counts(s, &c, &cause) < 0)
		bail("counts", cause);
	return c;
}

int main(void)
{
	pg_url = getenv("PSUP_TEST_STORE_URL");
	if (pg_url && !*pg_url)
		pg_url = NULL;
	if (!mkdtemp(dir))
		bail("mkdtemp", dir);
	diag("backend: %s", pg_url ? "postgresql" : "sqlite");
	struct store *s = fresh();
	char *cause = NULL;
	is_int(store_bound(s, 60000, &cause), 0, "statements can be bounded");
	is_int(store_lost(s), 0, "the store is not lost");
	is_int(store_remote(s), pg_url != NULL, "a server is remote, a file is not");

	char *ids = claim(s, "w1", 4, 1);
	is_str(ids, "abcd", "w1 leases a-d briefly");
	free(ids);
	struct timespec ts = { 0, 30 * 1000000L };
	nanosleep(&ts, NULL);
	ids = claim(s, "w1", 6, 60000);
	is_str(ids, "ef", "w1 does not take back its own leases that ran out");
	free(ids);
	ids = claim(s, "w2", 6, 60000);
	is_str(ids, "abcd", "w2 takes them over");
	free(ids);
	is_int(finish(s, "w2", "b", 1, "\"w2\""), 0, "w2 finishes b");
	is_int(finish(s, "w2", "d", 0, NULL), 0, "w2 fails d");
	const char *c_only[] = { "c" };
	is_int(store_release(s, "w2", c_only, 1, &cause), 0, "w2 releases c");

	/* w1's results, late: each row is one item and what happens to it. */
	static const struct {
		const char *id, *state;
		int stale;
		const char *kept;
	} rows[] = {
		{ "a", "leased to w2", 0, "\"w1\"" },
		{ "b", "done by w2", 1, "\"w2\"" },
		{ "c", "released (pending)", 0, "\"w1\"" },
		{ "d", "failed by w2", 1, "null" },
		{ "e", "still w1's", 0, "\"w1\"" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *what = xasprintf("w1's result for %s (%s) %s", rows[i].id, rows[i].state,
		    rows[i].stale ? "is stale" : "is written");
		is_int(finish(s, "w1", rows[i].id, 1, "\"w1\""), rows[i].stale, "%s", what);
		free(what);
		char *got = exported(s, rows[i].id);
		what = xasprintf("%s keeps the first result", rows[i].id);
		is_str(got, rows[i].kept, "%s", what);
		free(got);
		free(what);
	}
	is_int(finish(s, "w2", "a", 1, "\"w2\""), 1, "w2's later result for a is stale");
	char *got = exported(s, "a");
	is_str(got, "\"w1\"", "a keeps w1's");
	free(got);

	struct store_counts c = counts(s);
	is_int(c.done, 4, "done: a b c e");
	is_int(c.failed, 1, "failed: d");
	is_int(c.leased, 1, "leased: f");
	is_int(c.pending, 0, "pending: none");
	is_int(c.total, c.done + c.failed + c.leased + c.pending, "the counts add up");
	store_close(s);

	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	free(cmd);
	return done_testing();
}
