/* Inside the SQLite job store (store_sqlite*.c only): the handle, its
 * cached statements, and the helpers its files share. store_sqlite.c holds
 * the connection (locks, retries, statements), store_sqlite_schema.c the
 * schema and its migrations, store_sqlite_queue.c claims and leases,
 * store_sqlite_data.c loading and reading. */
#ifndef PSUP_STORE_SQLITE_H
#define PSUP_STORE_SQLITE_H

#include <sqlite3.h>
#include <stdint.h>

#include "store_backend.h"

/* An item's JSON, in a statement whose row of items is items. */
#define SQ_ITEM_JSON "(SELECT json FROM payloads p WHERE p.seq = items.seq)"

/* The rows ST_LOAD_PAYLOADS and ST_LOAD_ITEMS write at once. */
#define SQ_LOAD_ROWS 32

enum stmt_id {
	ST_CLAIM_SELECT, ST_CLAIM_UPDATE, ST_RENEW, ST_FINISH, ST_RELEASE_ALL,
	ST_RELEASE_ONE, ST_RELEASE_TRIED, ST_RETRY_ALL, ST_RETRY_ONE, ST_LOAD_INSERT, ST_META_GET,
	ST_META_SET, ST_COUNTS, ST_CLASSES, ST_EXPORT_ALL, ST_EXPORT_FAILED,
	ST_EXPORT_ALL_ITEM, ST_EXPORT_FAILED_ITEM,
	ST_HAS_ITEMS, ST_FINISH_SEQ, ST_ANY_EXPIRED, ST_COUNT_ADD, ST_EXPIRED, ST_RECOUNT_FAILED, ST_OWNERS, ST_PEEK, ST_SPEND,
	ST_FINISHED_SAME, ST_CLAIM_PENDING, ST_LOAD_PAYLOAD, ST_LOAD_PAYLOADS,
	ST_LOAD_ITEM, ST_LOAD_ITEMS,
	ST_COUNT
};

struct sq {
	struct store base;
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[ST_COUNT];
	unsigned st_where_gen[ST_COUNT]; /* the store_where each was made for */
	long long load_added;
	/* items loaded, not yet written: SQ_LOAD_ROWS at a time. Their JSON
	 * always waits here; in a first load the items' rows wait too, id and
	 * tag in the JSON's allocation. */
	struct sq_held {
		long long seq, priority;
		int id_int;
		char *json;
		const char *id, *tag;
	} load_row[SQ_LOAD_ROWS];
	int load_held;
	long long load_next_seq;  /* a first load's next seq */
	int load_bare;           /* the load goes into an empty store without its indexes */
	int load_cache;          /* the cache_size in force before the load */
	int load_journal;        /* the load runs with a rollback journal */
	int64_t busy_since;      /* start of the current wait in busy_cb */
};

int sq_fail(struct sq *q, char **cause, const char *what);
/* BEGIN IMMEDIATE, retried past a lock held by another worker. */
int sq_begin(struct sq *q, char **cause);
/* COMMIT (rolled back when it fails). */
int sq_commit(struct sq *q, char **cause);
void sq_rollback(struct sq *q);
/* Returns the cached statement id, or NULL with *cause. */
sqlite3_stmt *sq_stmt(struct sq *q, enum stmt_id id, char **cause);
/* Resets st and clears its bindings for the next use. */
void sq_done(sqlite3_stmt *st);
/* One step, tried again past a lock outside a transaction. */
int sq_step(struct sq *q, sqlite3_stmt *st);
/* Runs st (no rows wanted) and resets it. Returns 0 or -1 with *cause. */
int sq_run(struct sq *q, sqlite3_stmt *st, const char *what, char **cause);
/* Binds s, or NULL, as text parameter i (s must outlive the step). */
void sq_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Column i as a malloc'd string ("" for NULL). */
char *sq_column_dup(sqlite3_stmt *st, int i);
/* Inside a write transaction: adds n items (and their attempts and tokens)
 * to state's counts; finished_ms, when not 0, widens its span of finishes. */
int sq_count_add(struct sq *q, const char *state, long long n, long long attempts,
    long long tokens, long long finished_ms, char **cause);

/* Creates the schema (create) or checks it, migrating an older store to
 * this build's version. Returns 0, or -1 with *cause. */
int sq_schema(struct sq *q, int create, char **cause);

/* Inside a write transaction on an empty store: drops the indexes of items
 * that a load can do without (sq_index_drop), and makes them again from
 * the loaded whole (sq_index_make). Return 0, or -1 with *cause. */
int sq_index_drop(struct sq *q, char **cause);
int sq_index_make(struct sq *q, char **cause);

STORE_OPS_DECLARE(sq);

#endif
