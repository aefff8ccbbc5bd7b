/* Job stores for the store's unit tests (see storefix.h). */
#include "storefix.h"
#include "tap.h"
#include "xalloc.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dir;
static const char *pg_url;
static int n_store;

void storefix_bail(const char *what, const char *why)
{
	printf("Bail out! %s: %s\n", what, why ? why : "");
	exit(1);
}

void storefix_begin(const char *name)
{
	dir = xasprintf("/tmp/psup-test-%s-XXXXXX", name);
	if (!mkdtemp(dir))
		storefix_bail("mkdtemp", dir);
	pg_url = getenv("PSUP_TEST_STORE_URL");
	if (pg_url && !*pg_url)
		pg_url = NULL;
	diag("backend: %s", pg_url ? "postgresql" : "sqlite");
}

void storefix_end(void)
{
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	free(cmd);
	free(dir);
	dir = NULL;
}

const char *storefix_pg_url(void)
{
	return pg_url;
}

char *storefix_path(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

void storefix_put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		storefix_bail("cannot write", path);
}

char *storefix_write(const char *name, const char *text)
{
	char *path = storefix_path(name);
	storefix_put(path, text);
	return path;
}

/* Drops psup's tables, so that the next open starts an empty store. */
static void pg_empty(void)
{
	PGconn *c = PQconnectdb(pg_url);
	if (PQstatus(c) != CONNECTION_OK)
		storefix_bail("connect", PQerrorMessage(c));
	PGresult *r = PQexec(c, "SET client_min_messages = warning;"
	    "DROP TABLE IF EXISTS psup_items, psup_meta, psup_counts, psup_payloads;"
	    "DROP FUNCTION IF EXISTS psup_count_cb() CASCADE");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		storefix_bail("empty the store", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

char *storefix_url(int fresh)
{
	if (pg_url) {
		if (fresh)
			pg_empty();
		return xstrdup(pg_url);
	}
	if (fresh)
		n_store++;
	return xasprintf("sqlite:%s/store-%d.db", dir, n_store);
}

struct store *storefix_open(int fresh)
{
	struct store *s = NULL;
	char *cause = NULL, *url = storefix_url(fresh);
	if (store_open(url, &s, &cause) < 0)
		storefix_bail(url, cause);
	free(url);
	return s;
}

struct store *storefix_loaded(const char *text)
{
	struct store *s = storefix_open(1);
	char *path = storefix_write("items.jsonl", text), *cause = NULL;
	long long added = 0, skipped = 0;
	if (store_load(s, path, "id", "p", &added, &skipped, &cause) < 0)
		storefix_bail("load", cause);
	free(path);
	return s;
}

char *storefix_ids(struct store_item *items, int n, const char *sep)
{
	char *out = xstrdup("");
	for (int i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%s", out, i ? sep : "", items[i].id);
		free(out);
		out = next;
	}
	store_items_free(items, n);
	return out;
}

char *storefix_claim(struct store *s, const char *owner, int max, long long lease_ms)
{
	struct store_item *it = NULL;
	int n = 0;
	char *cause = NULL;
	if (store_claim(s, owner, max, lease_ms, &it, &n, &cause) < 0)
		storefix_bail("claim", cause);
	return storefix_ids(it, n, ",");
}

struct store_counts storefix_counts(struct store *s)
{
	struct store_counts c;
	char *cause = NULL;
	if (store_counts(s, &c, &cause) < 0)
		storefix_bail("counts", cause);
	return c;
}

void storefix_pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}
