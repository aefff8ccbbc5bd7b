/* The store's "first result wins" rule: a result is written when its item
 * is not yet done or failed, whoever holds the lease now (the worker's own
 * ran out while the store was away, another took it over, or it was
 * released), and counted stale otherwise, unless the item holds that very
 * result already (a batch sent again after its commit's answer was lost);
 * a worker never claims its own leases that ran out (it still holds those
 * items). Runs on SQLite in a temp dir, or with PSUP_TEST_STORE_URL (a
 * postgresql:// URL) on that server. */
#include "store.h"
#include "storefix.h"
#include "tap.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define bail storefix_bail

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
	if (!m || store_export(s, m, 0, &written, NULL, &cause) < 0)
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

int main(void)
{
	storefix_begin("first");
	struct store *s = storefix_loaded("{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n"
	    "{\"id\":\"d\"}\n{\"id\":\"e\"}\n{\"id\":\"f\"}\n");
	char *cause = NULL;
	is_int(store_bound(s, 60000, &cause), 0, "statements can be bounded");
	is_int(store_lost(s), 0, "the store is not lost");
	is_int(store_remote(s), storefix_pg_url() != NULL, "a server is remote, a file is not");

	char *ids = storefix_claim(s, "w1", 4, 1);
	is_str(ids, "a,b,c,d", "w1 leases a-d briefly");
	free(ids);
	storefix_pause_ms(30);
	ids = storefix_claim(s, "w1", 6, 60000);
	is_str(ids, "e,f", "w1 does not take back its own leases that ran out");
	free(ids);
	ids = storefix_claim(s, "w2", 6, 60000);
	is_str(ids, "a,b,c,d", "w2 takes them over");
	free(ids);
	is_int(finish(s, "w2", "b", 1, "\"w2\""), 0, "w2 finishes b");
	is_int(finish(s, "w2", "d", 0, NULL), 0, "w2 fails d");
	const char *c_only[] = { "c" };
	is_int(store_release(s, "w2", c_only, NULL, 1, &cause), 0, "w2 releases c");

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
	is_int(finish(s, "w1", "e", 1, "\"w1\""), 0,
	    "w1's result for e sent again (its commit's answer lost) is not stale: it is there");
	is_int(finish(s, "w1", "b", 1, "\"w2\""), 0, "nor is a result equal to the one kept");
	is_int(finish(s, "w2", "a", 1, "\"w2\""), 1, "w2's later result for a is stale");
	char *got = exported(s, "a");
	is_str(got, "\"w1\"", "a keeps w1's");
	free(got);

	struct store_counts c = storefix_counts(s);
	is_int(c.done, 4, "done: a b c e");
	is_int(c.failed, 1, "failed: d");
	is_int(c.leased, 1, "leased: f");
	is_int(c.pending, 0, "pending: none");
	is_int(c.total, c.done + c.failed + c.leased + c.pending, "the counts add up");
	store_close(s);

	storefix_end();
	return done_testing();
}
