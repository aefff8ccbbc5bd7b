/* The SQLite job store: one file in WAL mode shared by every worker on the
 * host. Every write is one BEGIN IMMEDIATE transaction, retried past
 * SQLITE_BUSY/LOCKED (on top of the busy timeout) so that many workers on
 * one file never fail because another holds the write lock. */
#include "clock.h"
#include "store_backend.h"
#include "xalloc.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long one SQLite call waits on a lock (in busy_cb) before our own
 * loop takes over, and how long that loop keeps trying: a lock held this
 * long means a stuck process, which is worth an error. */
#define BUSY_TIMEOUT_MS 5000
#define BUSY_GIVE_UP_MS (10 * 60 * 1000)

enum stmt_id {
	ST_CLAIM_SELECT, ST_CLAIM_UPDATE, ST_RENEW, ST_FINISH, ST_RELEASE_ALL,
	ST_RELEASE_ONE, ST_RETRY_ALL, ST_RETRY_ONE, ST_LOAD_INSERT, ST_META_GET,
	ST_META_SET, ST_COUNTS, ST_CLASSES, ST_EXPORT_ALL, ST_EXPORT_FAILED,
	ST_HAS_ITEMS, ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	/* Two index walks, each bounded by the limit, merged: pending items by
	 * priority then input order, and leases that ran out. */
	[ST_CLAIM_SELECT] =
	"SELECT seq, id, json, attempts FROM ("
	" SELECT * FROM (SELECT seq, id, json, attempts, priority FROM items"
	"  WHERE state = 'pending' ORDER BY priority DESC, seq LIMIT ?1)"
	" UNION ALL"
	" SELECT * FROM (SELECT seq, id, json, attempts, priority FROM items"
	"  WHERE state = 'leased' AND lease_until < ?2 ORDER BY priority DESC, seq LIMIT ?1))"
	" ORDER BY priority DESC, seq LIMIT ?1",
	[ST_CLAIM_UPDATE] =
	"UPDATE items SET state = 'leased', owner = ?1, lease_until = ?2 WHERE seq = ?3",
	[ST_RENEW] =
	"UPDATE items SET lease_until = ?2 WHERE owner = ?1 AND state = 'leased'",
	[ST_FINISH] =
	"UPDATE items SET state = ?3, attempts = ?4, http_status = ?5, latency_ms = ?6,"
	" result = ?7, error = ?8, tokens = ?9, finished_at = ?10, owner = NULL,"
	" lease_until = NULL WHERE id = ?1 AND owner = ?2 AND state = 'leased'",
	[ST_RELEASE_ALL] =
	"UPDATE items SET state = 'pending', owner = NULL, lease_until = NULL"
	" WHERE owner = ?1 AND state = 'leased'",
	[ST_RELEASE_ONE] =
	"UPDATE items SET state = 'pending', owner = NULL, lease_until = NULL"
	" WHERE owner = ?1 AND state = 'leased' AND id = ?2",
	[ST_RETRY_ALL] =
	"UPDATE items SET state = 'pending', attempts = 0, http_status = NULL,"
	" latency_ms = NULL, result = NULL, error = NULL, tokens = 0, finished_at = NULL"
	" WHERE state = 'failed'",
	[ST_RETRY_ONE] =
	"UPDATE items SET state = 'pending', attempts = 0, http_status = NULL,"
	" latency_ms = NULL, result = NULL, error = NULL, tokens = 0, finished_at = NULL"
	" WHERE state = 'failed' AND id = ?1",
	[ST_LOAD_INSERT] =
	"INSERT INTO items (id, id_int, json, priority) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT (id) DO NOTHING",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[ST_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
	[ST_COUNTS] =
	"SELECT state, count(*), coalesce(sum(attempts), 0), coalesce(sum(tokens), 0),"
	" coalesce(min(finished_at), 0), coalesce(max(finished_at), 0),"
	" coalesce(sum(lease_until < ?1), 0) FROM items GROUP BY state",
	[ST_CLASSES] =
	"SELECT coalesce(http_status, 0), coalesce(error, ''), count(*) FROM items"
	" WHERE state = 'failed' GROUP BY 1, 2",
	[ST_EXPORT_ALL] =
	"SELECT id, id_int, state, attempts, coalesce(http_status, 0),"
	" coalesce(latency_ms, 0), result, error FROM items"
	" WHERE state IN ('done', 'failed') ORDER BY seq",
	[ST_EXPORT_FAILED] =
	"SELECT id, id_int, state, attempts, coalesce(http_status, 0),"
	" coalesce(latency_ms, 0), result, error FROM items"
	" WHERE state = 'failed' ORDER BY seq",
	[ST_HAS_ITEMS] = "SELECT EXISTS (SELECT 1 FROM items)",
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS items ("
	" seq INTEGER PRIMARY KEY,"           /* input order */
	" id TEXT NOT NULL UNIQUE,"
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
	"CREATE INDEX IF NOT EXISTS items_claim ON items (state, priority DESC, seq);"
	"CREATE INDEX IF NOT EXISTS items_lease ON items (state, lease_until);"
	"CREATE INDEX IF NOT EXISTS items_owner ON items (owner) WHERE owner IS NOT NULL;"
	"INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');";

struct sq {
	struct store base;
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[ST_COUNT];
	long long load_added;
	int64_t busy_since;      /* start of the current wait in busy_cb */
};

static int is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* Sleeps a little before another try at a lock: doubling, with jitter so
 * that workers that collided do not collide again in step. */
static unsigned jitter_state;

static unsigned jitter(void)
{
	/* xorshift32, seeded per process so workers do not pause in step */
	unsigned x = jitter_state;
	if (!x)
		x = ((unsigned)getpid() * 2654435761u ^ (unsigned)clock_mono_ns()) | 1u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return jitter_state = x;
}

static void busy_pause(int *delay_ms)
{
	long ms = *delay_ms / 2 + (long)(jitter() % (unsigned)(*delay_ms / 2 + 1));
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	if (*delay_ms < 100)
		*delay_ms *= 2;
}

/* The busy timeout, done here rather than by sqlite3_busy_timeout: its
 * waits grow to 100 ms, so a worker that waits keeps losing the lock to one
 * that just let it go, and can starve while the queue drains. Short
 * jittered waits give every worker its turn. */
static int busy_cb(void *arg, int n)
{
	int64_t *since = arg;
	int64_t now = clock_mono_ms();
	if (n == 0)
		*since = now;
	else if (now - *since > BUSY_TIMEOUT_MS)
		return 0;
	long us = 200 + (long)(jitter() % (n < 10 ? 800u : 4800u));
	struct timespec ts = { 0, us * 1000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 1;
}

static int sq_fail(struct sq *q, char **cause, const char *what)
{
	return fail(cause, "%s: %s: %s", q->path, what, sqlite3_errmsg(q->db));
}

/* Runs SQL that may meet a lock (BEGIN IMMEDIATE, pragmas), trying again
 * until it is free or BUSY_GIVE_UP_MS have passed. */
static int sq_exec_retry(struct sq *q, const char *sql, const char *what, char **cause)
{
	int64_t give_up = clock_mono_ms() + BUSY_GIVE_UP_MS;
	int delay = 2;
	for (;;) {
		int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if (!is_busy(rc) || clock_mono_ms() > give_up)
			return sq_fail(q, cause, what);
		busy_pause(&delay);
	}
}

static int sq_begin(struct sq *q, char **cause)
{
	return sq_exec_retry(q, "BEGIN IMMEDIATE", "cannot start a transaction", cause);
}

static int sq_commit(struct sq *q, char **cause)
{
	if (sq_exec_retry(q, "COMMIT", "cannot commit", cause) < 0) {
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static void sq_rollback(struct sq *q)
{
	if (!sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Returns the cached statement, reset and unbound, or NULL with *cause. */
static sqlite3_stmt *sq_stmt(struct sq *q, enum stmt_id id, char **cause)
{
	if (!q->st[id]) {
		if (sqlite3_prepare_v3(q->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		    &q->st[id], NULL) != SQLITE_OK) {
			sq_fail(q, cause, "cannot prepare a statement");
			return NULL;
		}
	}
	return q->st[id];
}

static void sq_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* One step; outside a transaction a read may meet a lock (WAL recovery,
 * a checkpoint), so it is tried again there. */
static int sq_step(struct sq *q, sqlite3_stmt *st)
{
	int64_t give_up = 0;
	int delay = 2;
	for (;;) {
		int rc = sqlite3_step(st);
		if (!is_busy(rc) || !sqlite3_get_autocommit(q->db))
			return rc;
		if (!give_up)
			give_up = clock_mono_ms() + BUSY_GIVE_UP_MS;
		else if (clock_mono_ms() > give_up)
			return rc;
		sqlite3_reset(st);
		busy_pause(&delay);
	}
}

/* Runs a statement that returns no rows. */
static int sq_run(struct sq *q, sqlite3_stmt *st, const char *what, char **cause)
{
	int rc = sq_step(q, st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		sq_fail(q, cause, what);
		sq_done(st);
		return -1;
	}
	sq_done(st);
	return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static char *column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return xstrdup(t ? (const char *)t : "");
}

/* ---- load ---- */

static int sq_load_begin(struct store *s, const char *id_field, char **cause)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st;
	errno = EIO;
	q->load_added = 0;
	if (sq_begin(q, cause) < 0)
		return -1;
	if (!(st = sq_stmt(q, ST_META_GET, cause)))
		goto fail;
	sqlite3_bind_text(st, 1, "id_field", -1, SQLITE_STATIC);
	int rc = sq_step(q, st);
	char *old = rc == SQLITE_ROW ? column_dup(st, 0) : NULL;
	sq_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq_fail(q, cause, "cannot read the store's settings");
		goto fail;
	}
	if (old && strcmp(old, id_field) != 0) {
		fail(cause, "%s holds items loaded with --id-field %s, not %s", q->path,
		    old, id_field);
		free(old);
		sq_rollback(q);
		errno = EINVAL;
		return -1;
	}
	free(old);
	if (!(st = sq_stmt(q, ST_META_SET, cause)))
		goto fail;
	sqlite3_bind_text(st, 1, "id_field", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id_field, -1, SQLITE_STATIC);
	if (sq_run(q, st, "cannot record the id field", cause) < 0)
		goto fail;
	return 0;
fail:
	sq_rollback(q);
	errno = EIO;
	return -1;
}

static int sq_load_add(struct store *s, const struct store_load_item *it, char **cause)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_stmt(q, ST_LOAD_INSERT, cause);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, it->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, it->id_int);
	sqlite3_bind_text(st, 3, it->json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, it->priority);
	if (sq_run(q, st, "cannot add an item", cause) < 0)
		return -1;
	q->load_added += sqlite3_changes(q->db);
	return 0;
}

static int sq_load_end(struct store *s, int commit, long long *added, char **cause)
{
	struct sq *q = (struct sq *)s;
	if (!commit) {
		sq_rollback(q);
		return 0;
	}
	if (sq_commit(q, cause) < 0)
		return -1;
	if (added)
		*added = q->load_added;
	return 0;
}

/* ---- queue ---- */

static int sq_claim(struct store *s, const char *owner, int max, long long lease_ms,
    struct store_item **items, int *n, char **cause)
{
	struct sq *q = (struct sq *)s;
	long long now = clock_real_ms();
	struct store_item *v = NULL;
	int cnt = 0, rc = SQLITE_DONE;
	sqlite3_stmt *sel, *upd;
	if (sq_begin(q, cause) < 0)
		return -1;
	if (!(sel = sq_stmt(q, ST_CLAIM_SELECT, cause)) ||
	    !(upd = sq_stmt(q, ST_CLAIM_UPDATE, cause)))
		goto fail;
	sqlite3_bind_int(sel, 1, max);
	sqlite3_bind_int64(sel, 2, now);
	v = xcalloc((size_t)max, sizeof *v);
	while (cnt < max && (rc = sq_step(q, sel)) == SQLITE_ROW) {
		v[cnt].seq = sqlite3_column_int64(sel, 0);
		v[cnt].id = column_dup(sel, 1);
		v[cnt].json = column_dup(sel, 2);
		v[cnt].attempts = sqlite3_column_int(sel, 3);
		cnt++;
	}
	sq_done(sel);
	if (cnt < max && rc != SQLITE_DONE) {
		sq_fail(q, cause, "cannot select items to claim");
		goto fail;
	}
	for (int i = 0; i < cnt; i++) {
		sqlite3_bind_text(upd, 1, owner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 2, now + lease_ms);
		sqlite3_bind_int64(upd, 3, v[i].seq);
		if (sq_run(q, upd, "cannot lease an item", cause) < 0)
			goto fail;
	}
	if (sq_commit(q, cause) < 0)
		goto fail_done;
	if (cnt == 0) {
		free(v);
		v = NULL;
	}
	*items = v;
	*n = cnt;
	return 0;
fail:
	sq_rollback(q);
fail_done:
	store_items_free(v, cnt);
	return -1;
}

static int sq_renew(struct store *s, const char *owner, long long lease_ms, char **cause)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st;
	if (sq_begin(q, cause) < 0)
		return -1;
	if (!(st = sq_stmt(q, ST_RENEW, cause)))
		goto fail;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, clock_real_ms() + lease_ms);
	if (sq_run(q, st, "cannot renew leases", cause) < 0)
		goto fail;
	return sq_commit(q, cause);
fail:
	sq_rollback(q);
	return -1;
}

static int sq_finish(struct store *s, const char *owner, const struct store_result *r,
    int n, int *stale, char **cause)
{
	struct sq *q = (struct sq *)s;
	long long now = clock_real_ms();
	sqlite3_stmt *st;
	int gone = 0;
	if (sq_begin(q, cause) < 0)
		return -1;
	if (!(st = sq_stmt(q, ST_FINISH, cause)))
		goto fail;
	for (int i = 0; i < n; i++) {
		char *owned;
		const char *result = store_json_result(r[i].result, &owned);
		sqlite3_bind_text(st, 1, r[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r[i].ok ? "done" : "failed", -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, r[i].attempts);
		sqlite3_bind_int(st, 5, r[i].http_status);
		sqlite3_bind_int64(st, 6, r[i].latency_ms);
		bind_text(st, 7, result);
		bind_text(st, 8, r[i].ok ? NULL : (r[i].error ? r[i].error : "failed"));
		sqlite3_bind_int64(st, 9, r[i].tokens);
		sqlite3_bind_int64(st, 10, now);
		int rc = sq_run(q, st, "cannot record a result", cause);
		free(owned);
		if (rc < 0)
			goto fail;
		if (sqlite3_changes(q->db) == 0)
			gone++;
	}
	if (sq_commit(q, cause) < 0)
		return -1;
	*stale = gone;
	return 0;
fail:
	sq_rollback(q);
	return -1;
}

/* Runs the "all" statement, or the "one" statement for each id, in one
 * transaction; *changed sums the rows changed. */
static int sq_update_ids(struct sq *q, enum stmt_id all, enum stmt_id one,
    const char *owner, const char *const *ids, int n, long long *changed,
    const char *what, char **cause)
{
	sqlite3_stmt *st;
	long long sum = 0;
	int first = owner ? 2 : 1;
	if (sq_begin(q, cause) < 0)
		return -1;
	if (!(st = sq_stmt(q, ids ? one : all, cause)))
		goto fail;
	for (int i = 0; i < (ids ? n : 1); i++) {
		if (owner)
			sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
		if (ids)
			sqlite3_bind_text(st, first, ids[i], -1, SQLITE_STATIC);
		if (sq_run(q, st, what, cause) < 0)
			goto fail;
		sum += sqlite3_changes(q->db);
	}
	if (sq_commit(q, cause) < 0)
		return -1;
	if (changed)
		*changed = sum;
	return 0;
fail:
	sq_rollback(q);
	return -1;
}

static int sq_release(struct store *s, const char *owner, const char *const *ids, int n,
    char **cause)
{
	return sq_update_ids((struct sq *)s, ST_RELEASE_ALL, ST_RELEASE_ONE, owner, ids, n,
	    NULL, "cannot release items", cause);
}

static int sq_retry(struct store *s, const char *const *ids, int n, long long *moved,
    char **cause)
{
	return sq_update_ids((struct sq *)s, ST_RETRY_ALL, ST_RETRY_ONE, NULL, ids, n,
	    moved, "cannot return failed items", cause);
}

/* ---- reading ---- */

static int sq_counts(struct store *s, struct store_counts *c, char **cause)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_stmt(q, ST_COUNTS, cause);
	int rc;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, clock_real_ms());
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
			c->expired = sqlite3_column_int64(st, 6);
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

static int sq_error_classes(struct store *s, store_class_cb cb, void *arg, char **cause)
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

static int sq_export_rows(struct store *s, int failed_only, store_row_cb cb, void *arg,
    char **cause)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_stmt(q, failed_only ? ST_EXPORT_FAILED : ST_EXPORT_ALL, cause);
	int rc;
	if (!st)
		return -1;
	while ((rc = sq_step(q, st)) == SQLITE_ROW) {
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
		};
		if (!row.id)
			row.id = "";
		if (cb(&row, arg, cause) < 0) {
			sq_done(st);
			return -1;
		}
	}
	sq_done(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, cause, "cannot read results");
	return 0;
}

/* ---- open and close ---- */

static void sq_close(struct store *s)
{
	struct sq *q = (struct sq *)s;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	free(q->path);
	free(q);
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.load_begin = sq_load_begin,
	.load_add = sq_load_add,
	.load_end = sq_load_end,
	.claim = sq_claim,
	.renew = sq_renew,
	.finish = sq_finish,
	.release = sq_release,
	.counts = sq_counts,
	.error_classes = sq_error_classes,
	.export_rows = sq_export_rows,
	.retry = sq_retry,
};

/* Checks that the file holds a psup job store this build understands. */
static int sq_check_schema(struct sq *q, char **cause)
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
	if (version < 1)
		return fail(cause, "%s: not a psup job store (no schema version)", q->path);
	if (version > STORE_SCHEMA_VERSION)
		return fail(cause, "%s: store schema version %lld is newer than this "
		    "psup-worker understands (%d)", q->path, version, STORE_SCHEMA_VERSION);
	return 0;
}

static int sq_setup(struct sq *q, int create, char **cause)
{
	sqlite3_busy_handler(q->db, busy_cb, &q->busy_since);
	/* The pragma answers with the mode in force: check it took. */
	int64_t give_up = clock_mono_ms() + BUSY_GIVE_UP_MS;
	int delay = 2;
	for (;;) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(q->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const char *mode = (const char *)sqlite3_column_text(st, 0);
			int wal = mode && strcmp(mode, "wal") == 0;
			sqlite3_finalize(st);
			if (!wal)
				return fail(cause, "%s: cannot use WAL mode (journal mode stays %s)",
				    q->path, mode ? mode : "unknown");
			break;
		}
		sqlite3_finalize(st);
		if (!is_busy(rc) || clock_mono_ms() > give_up)
			return sq_fail(q, cause, "cannot switch to WAL mode");
		busy_pause(&delay);
	}
	if (sq_exec_retry(q, "PRAGMA synchronous = NORMAL", "cannot set synchronous", cause) < 0)
		return -1;
	if (create) {
		if (sq_begin(q, cause) < 0)
			return -1;
		if (sqlite3_exec(q->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
			sq_fail(q, cause, "cannot create the schema");
			sq_rollback(q);
			return -1;
		}
		if (sq_commit(q, cause) < 0)
			return -1;
	}
	return sq_check_schema(q, cause);
}

int store_sqlite_open(const char *path, int create, struct store **out, char **cause)
{
	struct stat sb;
	*out = NULL;
	if (!create && stat(path, &sb) < 0) {
		if (errno == ENOENT)
			return fail(cause, "%s: no such job store (create it with "
			    "psup-worker init)", path);
		return fail(cause, "%s: %s", path, strerror(errno));
	}
	struct sq *q = xcalloc(1, sizeof *q);
	q->base.ops = &sqlite_ops;
	q->path = xstrdup(path);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &q->db, flags, NULL) != SQLITE_OK) {
		if (q->db)
			sq_fail(q, cause, "cannot open");
		else
			fail(cause, "%s: cannot open: out of memory", path);
		sq_close(&q->base);
		return -1;
	}
	sqlite3_extended_result_codes(q->db, 0);
	if (sq_setup(q, create, cause) < 0) {
		sq_close(&q->base);
		return -1;
	}
	*out = &q->base;
	return 0;
}
