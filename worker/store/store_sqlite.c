/* The SQLite job store: one file in WAL mode shared by every worker on the
 * host. Every write is one BEGIN IMMEDIATE transaction, retried past
 * SQLITE_BUSY/LOCKED (on top of the busy timeout) so that many workers on
 * one file never fail because another holds the write lock. */
#include "clock.h"
#include "store_sqlite.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
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

/* A result written over its item (ST_FINISH, ST_FINISH_SEQ). */
#define FINISH_SET \
	"UPDATE items SET state = ?3, attempts = ?4, http_status = ?5, latency_ms = ?6," \
	" result = ?7, error = ?8, tokens = ?9, finished_at = ?10, endpoint = ?11, cost = ?12," \
	" owner = NULL, lease_until = NULL"

/* ST_LOAD_PAYLOADS's rows: SQ_LOAD_ROWS of (seq, json). */
#define LOAD_ROWS4 "(?, ?), (?, ?), (?, ?), (?, ?)"
#define LOAD_ROWS32 LOAD_ROWS4 ", " LOAD_ROWS4 ", " LOAD_ROWS4 ", " LOAD_ROWS4 ", " \
	LOAD_ROWS4 ", " LOAD_ROWS4 ", " LOAD_ROWS4 ", " LOAD_ROWS4
/* ST_LOAD_ITEMS's rows: SQ_LOAD_ROWS of (seq, id, id_int, priority, tag). */
#define LOAD_ITEM "(?, ?, ?, ?, ?)"
#define LOAD_ITEMS4 LOAD_ITEM ", " LOAD_ITEM ", " LOAD_ITEM ", " LOAD_ITEM
#define LOAD_ITEMS32 LOAD_ITEMS4 ", " LOAD_ITEMS4 ", " LOAD_ITEMS4 ", " LOAD_ITEMS4 ", " \
	LOAD_ITEMS4 ", " LOAD_ITEMS4 ", " LOAD_ITEMS4 ", " LOAD_ITEMS4

/* What export writes of each item. */
#define EXPORT_COLS "SELECT id, id_int, state, attempts, coalesce(http_status, 0)," \
	" coalesce(latency_ms, 0), result, error, endpoint, tokens, coalesce(cost, 0)"

static const char *const stmt_sql[ST_COUNT] = {
	/* Two index walks, each bounded by the limit, merged: pending items by
	 * priority then input order, and leases that ran out, except our own:
	 * we still hold those (a store away let them run out), and taking them
	 * again would send them twice. */
	[ST_CLAIM_SELECT] =
	"SELECT seq, id, (SELECT json FROM payloads p WHERE p.seq = u.seq), attempts, state FROM ("
	" SELECT * FROM (SELECT seq, id, attempts, priority, state FROM items"
	"  WHERE state = 'pending'{W} ORDER BY priority DESC, seq LIMIT ?1)"
	" UNION ALL"
	" SELECT * FROM (SELECT seq, id, attempts, priority, state FROM items"
	"  WHERE state = 'leased' AND lease_until < ?2 AND owner <> ?3{W}"
	"  ORDER BY priority DESC, seq LIMIT ?1)) u"
	" ORDER BY priority DESC, seq LIMIT ?1",
	/* Also the claim's when no lease ran out: one walk in index order,
	 * without the merge's sort. */
	[ST_PEEK] =
	"SELECT seq, id, " SQ_ITEM_JSON ", attempts, state FROM items WHERE state = 'pending'{W}"
	" ORDER BY priority DESC, seq LIMIT ?1",
	[ST_ANY_EXPIRED] =
	"SELECT EXISTS (SELECT 1 FROM items WHERE state = 'leased' AND lease_until < ?1{W})",
	/* The claim when no lease ran out: the items ST_PEEK read just before
	 * (in the same write transaction), leased in one statement: each costs
	 * a row updated, not a statement run. */
	[ST_CLAIM_PENDING] =
	"UPDATE items SET state = 'leased', owner = ?2, lease_until = ?3 WHERE seq IN"
	" (SELECT seq FROM items WHERE state = 'pending'{W} ORDER BY priority DESC, seq LIMIT ?1)",
	[ST_CLAIM_UPDATE] =
	"UPDATE items SET state = 'leased', owner = ?1, lease_until = ?2 WHERE seq = ?3",
	[ST_RENEW] =
	"UPDATE items SET lease_until = ?2 WHERE owner = ?1 AND state = 'leased'",
	[ST_FINISH] = FINISH_SET " WHERE id = ?1 AND state = ?2",
	/* by the row's key, not a search of the ids' index; the id still
	 * has to match */
	[ST_FINISH_SEQ] = FINISH_SET " WHERE seq = ?13 AND id = ?1 AND state = ?2",
	/* an item that already holds this very result (see sq_finish) */
	[ST_FINISHED_SAME] =
	"SELECT 1 FROM items WHERE id = ?1 AND (?2 IS NULL OR seq = ?2) AND state = ?3"
	" AND attempts = ?4 AND result IS ?5 AND error IS ?6",
	[ST_RELEASE_ALL] =
	"UPDATE items SET state = 'pending', owner = NULL, lease_until = NULL"
	" WHERE owner = ?1 AND state = 'leased'",
	[ST_RELEASE_ONE] =
	"UPDATE items SET state = 'pending', owner = NULL, lease_until = NULL"
	" WHERE owner = ?1 AND state = 'leased' AND id = ?2",
	[ST_RELEASE_TRIED] =
	"UPDATE items SET state = 'pending', owner = NULL, lease_until = NULL, attempts = ?3"
	" WHERE owner = ?1 AND state = 'leased' AND id = ?2",
	[ST_RETRY_ALL] =
	"UPDATE items SET state = 'pending', attempts = 0, http_status = NULL,"
	" latency_ms = NULL, result = NULL, error = NULL, tokens = 0, finished_at = NULL,"
	" endpoint = NULL, cost = NULL WHERE state = 'failed'{W}",
	[ST_RETRY_ONE] =
	"UPDATE items SET state = 'pending', attempts = 0, http_status = NULL,"
	" latency_ms = NULL, result = NULL, error = NULL, tokens = 0, finished_at = NULL,"
	" endpoint = NULL, cost = NULL WHERE state = 'failed' AND id = ?1{W}",
	[ST_LOAD_INSERT] =
	/* OR IGNORE, not ON CONFLICT (id): a first load goes without the
	 * ids' index, and OR IGNORE needs none (the columns it could find
	 * NULL are never bound NULL). */
	"INSERT OR IGNORE INTO items (id, id_int, priority, tag) VALUES (?1, ?2, ?3, ?4)",
	/* the JSON of the item ST_LOAD_INSERT added */
	[ST_LOAD_PAYLOAD] = "INSERT INTO payloads (seq, json) VALUES (?1, ?2)",
	/* SQ_LOAD_ROWS of them in one statement */
	[ST_LOAD_PAYLOADS] = "INSERT INTO payloads (seq, json) VALUES " LOAD_ROWS32,
	/* a first load's items, each under the seq the load gave it: one, and
	 * SQ_LOAD_ROWS at once */
	[ST_LOAD_ITEM] = "INSERT INTO items (seq, id, id_int, priority, tag) VALUES " LOAD_ITEM,
	[ST_LOAD_ITEMS] = "INSERT INTO items (seq, id, id_int, priority, tag) VALUES " LOAD_ITEMS32,
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[ST_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
	[ST_COUNTS] =
	"SELECT state, n, attempts, tokens, coalesce(first_finish, 0),"
	" coalesce(last_finish, 0) FROM counts",
	[ST_COUNT_ADD] =
	"UPDATE counts SET n = n + ?2, attempts = attempts + ?3, tokens = tokens + ?4,"
	" first_finish = CASE WHEN ?5 IS NULL THEN first_finish"
	"  ELSE min(coalesce(first_finish, ?5), ?5) END,"
	" last_finish = CASE WHEN ?5 IS NULL THEN last_finish"
	"  ELSE max(coalesce(last_finish, ?5), ?5) END WHERE state = ?1",
	/* an index range: only the leases that ran out are visited */
	[ST_EXPIRED] =
	"SELECT count(*) FROM items WHERE state = 'leased' AND lease_until < ?1{W}",
	/* the leased rows (an index range), few: a batch per worker */
	[ST_OWNERS] =
	"SELECT DISTINCT owner FROM items WHERE state = 'leased'"
	" AND substr(owner, 1, length(?1)) = ?1",
	[ST_RECOUNT_FAILED] =
	"UPDATE counts SET (n, attempts, tokens, first_finish, last_finish) ="
	" (SELECT count(*), coalesce(sum(attempts), 0), coalesce(sum(tokens), 0),"
	"  min(finished_at), max(finished_at) FROM items WHERE state = 'failed')"
	" WHERE state = 'failed'",
	[ST_CLASSES] =
	"SELECT coalesce(http_status, 0), coalesce(error, ''), count(*) FROM items"
	" WHERE state = 'failed'{W} GROUP BY 1, 2",
	[ST_EXPORT_ALL] = EXPORT_COLS " FROM items WHERE state IN ('done', 'failed'){W} ORDER BY seq",
	[ST_EXPORT_FAILED] = EXPORT_COLS " FROM items WHERE state = 'failed'{W} ORDER BY seq",
	[ST_EXPORT_ALL_ITEM] = EXPORT_COLS ", " SQ_ITEM_JSON
	" FROM items WHERE state IN ('done', 'failed'){W} ORDER BY seq",
	[ST_EXPORT_FAILED_ITEM] = EXPORT_COLS ", " SQ_ITEM_JSON
	" FROM items WHERE state = 'failed'{W} ORDER BY seq",
	[ST_HAS_ITEMS] = "SELECT EXISTS (SELECT 1 FROM items)",
	/* No index holds the done items (each would cost every finish an
	 * entry more): the counts say first whether there are any to read, so
	 * that `status` of a big job not started yet reads no rows. The left
	 * side of a CROSS JOIN is SQLite's outer loop: no row there, no scan
	 * (a condition in the WHERE would be tried on each row). */
	[ST_SPEND] =
	"SELECT endpoint, count(*), sum(state = 'done'), coalesce(sum(tokens), 0),"
	" coalesce(sum(latency_ms), 0), coalesce(sum(cost), 0) FROM (SELECT 1 WHERE EXISTS"
	"  (SELECT 1 FROM counts WHERE state IN ('done', 'failed') AND n > 0)) CROSS JOIN items"
	" WHERE state IN ('done', 'failed') GROUP BY endpoint ORDER BY endpoint",
};

/* With a subset (store_where) these replace their statement: the counts
 * kept by state cover every item, so a subset's are counted from its rows
 * (through the tag's index for a tag). */
static const char *const where_sql[ST_COUNT] = {
	[ST_COUNTS] =
	"SELECT state, count(*), coalesce(sum(attempts), 0), coalesce(sum(tokens), 0),"
	" coalesce(min(finished_at), 0), coalesce(max(finished_at), 0) FROM items"
	" WHERE 1{W} GROUP BY state",
};

/* The first parameter of a subset's conditions: past any a statement has. */
#define WHERE_PARAM 100

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

int sq_fail(struct sq *q, char **cause, const char *what)
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

int sq_begin(struct sq *q, char **cause)
{
	return sq_exec_retry(q, "BEGIN IMMEDIATE", "cannot start a transaction", cause);
}

int sq_commit(struct sq *q, char **cause)
{
	if (sq_exec_retry(q, "COMMIT", "cannot commit", cause) < 0) {
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

void sq_rollback(struct sq *q)
{
	if (!sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Returns the cached statement, reset and unbound, or NULL with *cause. */
/* The subset's conditions as SQL, their parameters numbered from
 * WHERE_PARAM. A field's value is compared as text, true and false as
 * written (json_extract would give 1 and 0). */
static char *where_cond(const struct store_filter *f)
{
	char *out = xstrdup("");
	for (int i = 0, p = WHERE_PARAM; i < f->n; i++) {
		char *next;
		if (!f->cond[i].field) {
			next = xasprintf("%s AND tag = ?%d", out, p);
			p += 1;
		} else {
			next = xasprintf("%s AND CASE json_type(" SQ_ITEM_JSON ", ?%d)"
			    " WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
			    " ELSE CAST(json_extract(" SQ_ITEM_JSON ", ?%d) AS TEXT) END = ?%d",
			    out, p, p, p + 1);
			p += 2;
		}
		free(out);
		out = next;
	}
	return out;
}

/* Binds the subset's parameters (sq_done clears them with the rest). */
static void where_bind(struct sq *q, sqlite3_stmt *st)
{
	const struct store_filter *f = &q->base.where;
	for (int i = 0, p = WHERE_PARAM; i < f->n; i++) {
		const struct store_cond *c = &f->cond[i];
		if (c->field) {
			/* a quoted label: the name as is (the parser refused '"') */
			char *path = xasprintf("$.\"%s\"", c->field);
			sqlite3_bind_text(st, p++, path, -1, SQLITE_TRANSIENT);
			free(path);
		}
		sqlite3_bind_text(st, p++, c->value, -1, SQLITE_STATIC);
	}
}

sqlite3_stmt *sq_stmt(struct sq *q, enum stmt_id id, char **cause)
{
	const struct store_filter *f = &q->base.where;
	int filtered = where_sql[id] || strstr(stmt_sql[id], "{W}");
	int subset = filtered && f->n > 0;
	/* made for another subset: made again */
	if (q->st[id] && filtered && q->st_where_gen[id] != q->base.where_gen) {
		sqlite3_finalize(q->st[id]);
		q->st[id] = NULL;
	}
	if (!q->st[id]) {
		q->st_where_gen[id] = q->base.where_gen;
		char *cond = subset ? where_cond(f) : xstrdup("");
		char *sql = store_where_sql(subset && where_sql[id] ? where_sql[id] : stmt_sql[id],
		    cond);
		int rc = sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &q->st[id], NULL);
		free(sql);
		free(cond);
		if (rc != SQLITE_OK) {
			sq_fail(q, cause, "cannot prepare a statement");
			return NULL;
		}
	}
	if (subset)
		where_bind(q, q->st[id]);
	return q->st[id];
}

void sq_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* One step; outside a transaction a read may meet a lock (WAL recovery,
 * a checkpoint), so it is tried again there. */
int sq_step(struct sq *q, sqlite3_stmt *st)
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
int sq_run(struct sq *q, sqlite3_stmt *st, const char *what, char **cause)
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

int sq_count_add(struct sq *q, const char *state, long long n, long long attempts,
    long long tokens, long long finished_ms, char **cause)
{
	if (n == 0)
		return 0;
	sqlite3_stmt *st = sq_stmt(q, ST_COUNT_ADD, cause);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n);
	sqlite3_bind_int64(st, 3, attempts);
	sqlite3_bind_int64(st, 4, tokens);
	if (finished_ms)
		sqlite3_bind_int64(st, 5, finished_ms);
	else
		sqlite3_bind_null(st, 5);
	return sq_run(q, st, "cannot count items", cause);
}

void sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

char *sq_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return xstrdup(t ? (const char *)t : "");
}

/* ---- open and close ---- */

/* A file does not go away as a server does. */
int sq_lost(struct store *s)
{
	(void)s;
	return 0;
}

/* Lock waits are bounded already (busy_cb, BUSY_GIVE_UP_MS). */
int sq_bound(struct store *s, long long ms, char **cause)
{
	(void)s;
	(void)ms;
	(void)cause;
	return 0;
}

void sq_close(struct store *s)
{
	struct sq *q = (struct sq *)s;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	free(q->path);
	free(q);
}

static const struct store_ops sqlite_ops = STORE_OPS_TABLE("sqlite", sq);

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
	return sq_schema(q, create, cause);
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
	/* Results and prompts are the user's own: a new store is 0600 whatever
	 * the umask (SQLite gives its -wal and -shm files the database's mode). */
	if (create && strcmp(path, ":memory:") != 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			close(fd);
		else if (errno != EEXIST)
			return fail(cause, "%s: cannot create: %s", path, strerror(errno));
	}
	struct sq *q = xcalloc(1, sizeof *q);
	q->base.ops = &sqlite_ops;
	q->path = xstrdup(path);
	q->base.name = q->path;
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
