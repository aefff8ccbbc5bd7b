/* The SQLite job store's data: loading items, and reading counts, error
 * classes and results. */
#include "clock.h"
#include "store_sqlite.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- load ---- */

/* A load writes far more pages than SQLite's default cache holds (2 MB):
 * each one spilt to the log before the commit is written again there and
 * read back. The cache is raised for the load (it holds what the load
 * touches, no more), and put back after. */
#define LOAD_CACHE_KIB 65536

/* A pragma's one answer as a number (0 when it gives none). */
static int sq_pragma_int(struct sq *q, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v = 0;
	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Outside a transaction, before a load (loading) and after it. A first
 * load, into an empty store that no other process has open, runs with a
 * rollback journal instead of the write-ahead log: the journal keeps the
 * few pages the store had, and the loaded pages are written once, into
 * the store, not to the log and then again into the store. A crash
 * leaves the journal, and the next open of the store rolls the load back
 * from it, synchronous = FULL making sure the journal is on disk before
 * the store is written. With another process on the store the switch is
 * refused, and the load goes through the log as any write. Either way
 * the store is back in WAL mode after (and the next open sets it again,
 * were that refused). */
static void sq_load_mode(struct sq *q, int loading)
{
	char sql[64];
	if (loading) {
		q->load_journal = 0;
		q->load_cache = sq_pragma_int(q, "PRAGMA cache_size");
		snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", LOAD_CACHE_KIB);
		sqlite3_exec(q->db, sql, NULL, NULL, NULL);
		if (sq_pragma_int(q, "SELECT EXISTS (SELECT 1 FROM items)") == 0 &&
		    sqlite3_exec(q->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) == SQLITE_OK) {
			sqlite3_stmt *st = NULL;
			if (sqlite3_prepare_v2(q->db, "PRAGMA journal_mode = DELETE", -1, &st,
			    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
				const char *mode = (const char *)sqlite3_column_text(st, 0);
				q->load_journal = mode && strcmp(mode, "delete") == 0;
			}
			sqlite3_finalize(st);
			if (!q->load_journal)
				sqlite3_exec(q->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
		}
		return;
	}
	/* neither a cache size nor the journal is a correctness matter here:
	 * a refusal leaves the store as safe as before */
	if (q->load_cache) {
		snprintf(sql, sizeof sql, "PRAGMA cache_size = %d", q->load_cache);
		sqlite3_exec(q->db, sql, NULL, NULL, NULL);
	}
	if (q->load_journal) {
		sqlite3_exec(q->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		sqlite3_exec(q->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
		q->load_journal = 0;
	}
}

int sq_load_begin(struct store *s, const char *id_field, char **cause)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st;
	int e = EIO;
	q->load_added = 0;
	sq_load_mode(q, 1);
	if (sq_begin(q, cause) < 0)
		goto out;
	if (!(st = sq_stmt(q, ST_META_GET, cause)))
		goto fail;
	sqlite3_bind_text(st, 1, "id_field", -1, SQLITE_STATIC);
	int rc = sq_step(q, st);
	char *old = rc == SQLITE_ROW ? sq_column_dup(st, 0) : NULL;
	sq_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq_fail(q, cause, "cannot read the store's settings");
		goto fail;
	}
	if (old && strcmp(old, id_field) != 0) {
		fail(cause, "%s holds items loaded with --id-field %s, not %s", q->path,
		    old, id_field);
		free(old);
		e = EINVAL;
		goto fail;
	}
	free(old);
	if (!(st = sq_stmt(q, ST_META_SET, cause)))
		goto fail;
	sqlite3_bind_text(st, 1, "id_field", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id_field, -1, SQLITE_STATIC);
	if (sq_run(q, st, "cannot record the id field", cause) < 0)
		goto fail;
	/* A first load goes into the table alone, its indexes made after it
	 * from the sorted whole: ids arrive in no order, and each one put in
	 * the index on its own is a walk down the tree. The file holds no id
	 * twice (store_load checked), so nothing needs the index meanwhile.
	 * The index drop is undone if the load is. */
	if (!(st = sq_stmt(q, ST_HAS_ITEMS, cause)))
		goto fail;
	rc = sq_step(q, st);
	q->load_bare = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
	q->load_next_seq = 1;
	sq_done(st);
	if (rc != SQLITE_ROW) {
		sq_fail(q, cause, "cannot read the store");
		goto fail;
	}
	if (q->load_bare && sq_index_drop(q, cause) < 0)
		goto fail;
	return 0;
fail:
	sq_rollback(q);
out:
	sq_load_mode(q, 0);
	errno = e;
	return -1;
}

/* Writes the items' rows held, each row on its own or SQ_LOAD_ROWS in one
 * statement. Returns 0, or -1 with *cause. */
static int sq_load_items(struct sq *q, char **cause)
{
	int n = q->load_held, whole = n == SQ_LOAD_ROWS;
	sqlite3_stmt *st = sq_stmt(q, whole ? ST_LOAD_ITEMS : ST_LOAD_ITEM, cause);
	if (!st)
		return -1;
	for (int i = 0; i < n; i++) {
		const struct sq_held *h = &q->load_row[i];
		int p = whole ? 5 * i : 0;
		sqlite3_bind_int64(st, p + 1, h->seq);
		sqlite3_bind_text(st, p + 2, h->id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, p + 3, h->id_int);
		sqlite3_bind_int64(st, p + 4, h->priority);
		sq_bind_text(st, p + 5, h->tag);
		if ((!whole || i == n - 1) && sq_run(q, st, "cannot add an item", cause) < 0)
			return -1;
	}
	return 0;
}

/* Writes what is held (all of it, or none when !write), and lets it go.
 * Returns 0, or -1 with *cause. */
static int sq_load_flush(struct sq *q, int write, char **cause)
{
	int rc = 0, n = q->load_held, whole = n == SQ_LOAD_ROWS;
	sqlite3_stmt *st = NULL;
	if (write && n > 0 && q->load_bare && sq_load_items(q, cause) < 0)
		rc = -1;
	if (rc == 0 && write && n > 0 && !(st = sq_stmt(q, whole ? ST_LOAD_PAYLOADS :
	    ST_LOAD_PAYLOAD, cause)))
		rc = -1;
	for (int i = 0; i < n; i++) {
		if (rc == 0 && st) {
			int p = whole ? 2 * i : 0;
			sqlite3_bind_int64(st, p + 1, q->load_row[i].seq);
			sqlite3_bind_text(st, p + 2, q->load_row[i].json, -1, SQLITE_STATIC);
			if ((!whole || i == n - 1) && sq_run(q, st, "cannot add an item", cause) < 0)
				rc = -1;
		}
	}
	for (int i = 0; i < n; i++)
		free(q->load_row[i].json);
	q->load_held = 0;
	return rc;
}

/* A first load holds each item's whole row, to be written SQ_LOAD_ROWS at
 * a time: one statement per item was half the load's time. The empty
 * table gives rowids from 1 on, as SQLite would have. The JSON, id and
 * tag are copied into one allocation. */
static void sq_load_hold_row(struct sq *q, const struct store_load_item *it)
{
	size_t lj = strlen(it->json) + 1, li = strlen(it->id) + 1;
	size_t lt = it->tag ? strlen(it->tag) + 1 : 0;
	struct sq_held *h = &q->load_row[q->load_held++];
	h->json = xmalloc(lj + li + lt);
	memcpy(h->json, it->json, lj);
	h->id = memcpy(h->json + lj, it->id, li);
	h->tag = it->tag ? memcpy(h->json + lj + li, it->tag, lt) : NULL;
	h->seq = q->load_next_seq++;
	h->id_int = it->id_int;
	h->priority = it->priority;
}

int sq_load_add(struct store *s, const struct store_load_item *it, char **cause)
{
	struct sq *q = (struct sq *)s;
	if (q->load_bare) {
		sq_load_hold_row(q, it);
	} else {
		sqlite3_stmt *st = sq_stmt(q, ST_LOAD_INSERT, cause);
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, it->id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, it->id_int);
		sqlite3_bind_int64(st, 3, it->priority);
		sq_bind_text(st, 4, it->tag);
		if (sq_run(q, st, "cannot add an item", cause) < 0)
			return -1;
		if (sqlite3_changes(q->db) == 0)
			return 0;
		/* new: its JSON goes beside it, under the seq it was given, with
		 * others in one statement */
		struct sq_held *h = &q->load_row[q->load_held++];
		h->seq = sqlite3_last_insert_rowid(q->db);
		h->json = xstrdup(it->json);
	}
	q->load_added++;
	return q->load_held == SQ_LOAD_ROWS ? sq_load_flush(q, 1, cause) : 0;
}

int sq_load_end(struct store *s, int commit, long long *added, char **cause)
{
	struct sq *q = (struct sq *)s;
	int rc = 0;
	if (!commit) {
		sq_load_flush(q, 0, NULL);
		sq_rollback(q);
	} else if (sq_load_flush(q, 1, cause) < 0 || (q->load_bare && sq_index_make(q, cause) < 0) ||
	    sq_count_add(q, "pending", q->load_added, 0, 0, 0, cause) < 0) {
		sq_rollback(q);
		rc = -1;
	} else {
		rc = sq_commit(q, cause);
	}
	sq_load_mode(q, 0);
	if (rc == 0 && commit && added)
		*added = q->load_added;
	return rc;
}

/* ---- reading ---- */

int sq_counts(struct store *s, struct store_counts *c, char **cause)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_stmt(q, ST_EXPIRED, cause);
	int rc;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, clock_real_ms());
	rc = sq_step(q, st);
	c->expired = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sq_done(st);
	if (rc != SQLITE_ROW)
		return sq_fail(q, cause, "cannot count expired leases");
	/* The counts and the leases are read outside a transaction: a worker
	 * may move items between the two reads, as it may after them. */
	if (!(st = sq_stmt(q, ST_COUNTS, cause)))
		return -1;
	while ((rc = sq_step(q, st)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 0);
		long long cnt = sqlite3_column_int64(st, 1);
		c->total += cnt;
		if (!state)
			continue;
		if (strcmp(state, "pending") == 0) {
			c->pending = cnt;
		} else if (strcmp(state, "leased") == 0) {
			c->leased = cnt;
		} else if (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0) {
			long long first = sqlite3_column_int64(st, 4);
			long long last = sqlite3_column_int64(st, 5);
			if (state[0] == 'd')
				c->done = cnt;
			else
				c->failed = cnt;
			c->attempts += sqlite3_column_int64(st, 2);
			if (first && (!c->first_finish_ms || first < c->first_finish_ms))
				c->first_finish_ms = first;
			if (last > c->last_finish_ms)
				c->last_finish_ms = last;
		}
		c->tokens += sqlite3_column_int64(st, 3);
	}
	sq_done(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, cause, "cannot count items");
	return 0;
}

int sq_error_classes(struct store *s, store_class_cb cb, void *arg, char **cause)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_stmt(q, ST_CLASSES, cause);
	int rc;
	if (!st)
		return -1;
	while ((rc = sq_step(q, st)) == SQLITE_ROW) {
		cb(sqlite3_column_int(st, 0), (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_int64(st, 2), arg);
	}
	sq_done(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, cause, "cannot read errors");
	return 0;
}

/* Steps st (prepared statement id), calling row for each row until it
 * returns < 0; what names the read in an error. */
static int sq_each(struct sq *q, int id, int (*row)(sqlite3_stmt *st, void *arg, char **cause),
    void *arg, const char *what, char **cause)
{
	sqlite3_stmt *st = sq_stmt(q, id, cause);
	int rc;
	if (!st)
		return -1;
	while ((rc = sq_step(q, st)) == SQLITE_ROW) {
		if (row(st, arg, cause) < 0) {
			sq_done(st);
			return -1;
		}
	}
	sq_done(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, cause, what);
	return 0;
}

struct row_call {
	store_row_cb row;
	store_spend_cb spend;
	void *arg;
};

static int export_row(sqlite3_stmt *st, void *arg, char **cause)
{
	const struct row_call *c = arg;
	const char *state = (const char *)sqlite3_column_text(st, 2);
	struct store_row row = {
		.id = (const char *)sqlite3_column_text(st, 0),
		.id_int = sqlite3_column_int(st, 1),
		.ok = state && strcmp(state, "done") == 0,
		.attempts = sqlite3_column_int64(st, 3),
		.http_status = sqlite3_column_int64(st, 4),
		.latency_ms = sqlite3_column_int64(st, 5),
		.result = (const char *)sqlite3_column_text(st, 6),
		.error = (const char *)sqlite3_column_text(st, 7),
		.endpoint = (const char *)sqlite3_column_text(st, 8),
		.tokens = sqlite3_column_int64(st, 9),
		.cost = sqlite3_column_double(st, 10),
		.item = sqlite3_column_count(st) > 11 ? (const char *)sqlite3_column_text(st, 11) : NULL,
	};
	if (!row.id)
		row.id = "";
	return c->row(&row, c->arg, cause);
}

int sq_export_rows(struct store *s, unsigned flags, store_row_cb cb, void *arg,
    char **cause)
{
	static const int stmt[] = { ST_EXPORT_ALL, ST_EXPORT_FAILED, ST_EXPORT_ALL_ITEM,
		ST_EXPORT_FAILED_ITEM };
	struct row_call c = { .row = cb, .arg = arg };
	return sq_each((struct sq *)s, stmt[flags & (STORE_EXPORT_FAILED | STORE_EXPORT_ITEM)],
	    export_row, &c, "cannot read results", cause);
}

static int spend_row(sqlite3_stmt *st, void *arg, char **cause)
{
	const struct row_call *c = arg;
	struct store_spend sp = {
		.endpoint = (const char *)sqlite3_column_text(st, 0),
		.items = sqlite3_column_int64(st, 1),
		.ok = sqlite3_column_int64(st, 2),
		.tokens = sqlite3_column_int64(st, 3),
		.latency_ms = sqlite3_column_int64(st, 4),
		.cost = sqlite3_column_double(st, 5),
	};
	return c->spend(&sp, c->arg, cause);
}

int sq_spend(struct store *s, store_spend_cb cb, void *arg, char **cause)
{
	struct row_call c = { .spend = cb, .arg = arg };
	return sq_each((struct sq *)s, ST_SPEND, spend_row, &c, "cannot read the spend", cause);
}
