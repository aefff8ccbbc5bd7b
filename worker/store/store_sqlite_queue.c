/* The SQLite job store's queue: claims, lease renewal, results, release
 * and retry, each one write transaction. */
#include "clock.h"
#include "store_sqlite.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Steps st, whose rows are (seq, id, json, attempts, state), into v: at
 * most max items, *cnt of them, *from_pending of which were pending.
 * Returns the last step's result. */
static int sq_read_items(struct sq *q, sqlite3_stmt *st, int max, struct store_item *v,
    int *cnt, int *from_pending)
{
	int rc = SQLITE_DONE;
	while (*cnt < max && (rc = sq_step(q, st)) == SQLITE_ROW) {
		struct store_item *it = &v[(*cnt)++];
		it->seq = sqlite3_column_int64(st, 0);
		it->id = sq_column_dup(st, 1);
		it->json = sq_column_dup(st, 2);
		it->attempts = sqlite3_column_int(st, 3);
		const char *state = (const char *)sqlite3_column_text(st, 4);
		*from_pending += state && state[0] == 'p';
	}
	return rc;
}

/* 1 if a lease ran out at now, 0 if none, -1 failed. */
static int sq_any_expired(struct sq *q, long long now, char **cause)
{
	sqlite3_stmt *st = sq_stmt(q, ST_ANY_EXPIRED, cause);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	int rc = sq_step(q, st);
	int any = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : -1;
	sq_done(st);
	if (any < 0)
		sq_fail(q, cause, "cannot look for expired leases");
	return any;
}

/* Inside the claim's transaction, when no lease ran out: reads up to max
 * pending items into v, in claim order, and leases the same items in one
 * statement (the write lock held, no one else moves them meanwhile).
 * Returns 0, or -1 with *cause. */
static int sq_claim_pending(struct sq *q, const char *owner, int max, long long until,
    struct store_item *v, int *cnt, char **cause)
{
	sqlite3_stmt *sel = sq_stmt(q, ST_PEEK, cause), *upd;
	int pending = 0;
	if (!sel)
		return -1;
	sqlite3_bind_int(sel, 1, max);
	int rc = sq_read_items(q, sel, max, v, cnt, &pending);
	sq_done(sel);
	if (*cnt < max && rc != SQLITE_DONE)
		return sq_fail(q, cause, "cannot select items to claim");
	if (*cnt == 0)
		return 0;
	if (!(upd = sq_stmt(q, ST_CLAIM_PENDING, cause)))
		return -1;
	sqlite3_bind_int(upd, 1, *cnt);
	sqlite3_bind_text(upd, 2, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(upd, 3, until);
	if (sq_run(q, upd, "cannot lease items", cause) < 0)
		return -1;
	if (sqlite3_changes(q->db) != *cnt)
		return fail(cause, "%s: cannot lease items: %d leased of %d read", q->path,
		    sqlite3_changes(q->db), *cnt);
	return 0;
}

int sq_claim(struct store *s, const char *owner, int max, long long lease_ms,
    struct store_item **items, int *n, char **cause)
{
	struct sq *q = (struct sq *)s;
	long long now = clock_real_ms();
	struct store_item *v = NULL;
	int cnt = 0, rc = SQLITE_DONE, from_pending = 0, expired;
	sqlite3_stmt *sel, *upd;
	if (sq_begin(q, cause) < 0)
		return -1;
	if ((expired = sq_any_expired(q, now, cause)) < 0)
		goto fail;
	v = xcalloc((size_t)max, sizeof *v);
	/* Mostly none has run out: then the pending items alone, in order,
	 * in one statement. */
	if (!expired) {
		if (sq_claim_pending(q, owner, max, now + lease_ms, v, &cnt, cause) < 0)
			goto fail;
		from_pending = cnt;
		goto count;
	}
	if (!(sel = sq_stmt(q, ST_CLAIM_SELECT, cause)) ||
	    !(upd = sq_stmt(q, ST_CLAIM_UPDATE, cause)))
		goto fail;
	sqlite3_bind_int(sel, 1, max);
	sqlite3_bind_int64(sel, 2, now);
	sqlite3_bind_text(sel, 3, owner, -1, SQLITE_STATIC);
	rc = sq_read_items(q, sel, max, v, &cnt, &from_pending);
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
count:
	if (sq_count_add(q, "pending", -from_pending, 0, 0, 0, cause) < 0 ||
	    sq_count_add(q, "leased", from_pending, 0, 0, 0, cause) < 0)
		goto fail;
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

int sq_peek(struct store *s, int max, struct store_item **items, int *n, char **cause)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_stmt(q, ST_PEEK, cause);
	struct store_item *v;
	int cnt = 0, pending = 0, rc;
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, max);
	v = xcalloc((size_t)max, sizeof *v);
	rc = sq_read_items(q, st, max, v, &cnt, &pending);
	sq_done(st);
	if (cnt < max && rc != SQLITE_DONE) {
		store_items_free(v, cnt);
		return sq_fail(q, cause, "cannot read pending items");
	}
	*items = v;
	*n = cnt;
	return 0;
}

int sq_renew(struct store *s, const char *owner, long long lease_ms, char **cause)
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

/* Writes r (its state done or failed) over the item when the item is in
 * state from. Returns 1 written, 0 not in that state, -1 failed. */
static int sq_finish_one(struct sq *q, sqlite3_stmt *st, const struct store_result *r,
    const char *from, long long now, char **cause)
{
	char *owned;
	const char *result = store_json_result(r->result, &owned);
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->ok ? "done" : "failed", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, r->attempts);
	sqlite3_bind_int(st, 5, r->http_status);
	sqlite3_bind_int64(st, 6, r->latency_ms);
	sq_bind_text(st, 7, result);
	sq_bind_text(st, 8, r->ok ? NULL : (r->error ? r->error : "failed"));
	sqlite3_bind_int64(st, 9, r->tokens);
	sqlite3_bind_int64(st, 10, now);
	sq_bind_text(st, 11, r->endpoint);
	sqlite3_bind_double(st, 12, r->cost);
	if (r->seq > 0)
		sqlite3_bind_int64(st, 13, r->seq);
	int rc = sq_run(q, st, "cannot record a result", cause);
	free(owned);
	return rc < 0 ? -1 : sqlite3_changes(q->db) > 0;
}

/* Whether the item already holds r itself: 1 yes, 0 no, -1 failed. */
static int sq_finished_same(struct sq *q, const struct store_result *r, char **cause)
{
	sqlite3_stmt *st = sq_stmt(q, ST_FINISHED_SAME, cause);
	if (!st)
		return -1;
	char *owned;
	const char *result = store_json_result(r->result, &owned);
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	if (r->seq > 0)
		sqlite3_bind_int64(st, 2, r->seq);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_text(st, 3, r->ok ? "done" : "failed", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, r->attempts);
	sq_bind_text(st, 5, result);
	sq_bind_text(st, 6, r->ok ? NULL : (r->error ? r->error : "failed"));
	int rc = sq_step(q, st);
	int same = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		same = sq_fail(q, cause, "cannot read a finished item");
	sq_done(st);
	free(owned);
	return same;
}

/* The first result wins: an item not yet done or failed takes ours,
 * whoever holds its lease now (ours ran out while the store was away, or
 * another worker took it over), so an answer paid for is never thrown
 * away; one already finished keeps its result. A result not written
 * counts as stale unless the item holds that very result already (a batch
 * sent again whose first commit went through, its answer lost): stale
 * means an answer was thrown away. */
int sq_finish(struct store *s, const char *owner, const struct store_result *r,
    int n, int *stale, char **cause)
{
	(void)owner;
	struct sq *q = (struct sq *)s;
	long long now = clock_real_ms();
	sqlite3_stmt *st, *by_seq;
	int gone = 0;
	/* what the batch adds to done [0] and failed [1], and takes from
	 * leased [0] and pending [1] */
	long long cnt[2] = { 0, 0 }, att[2] = { 0, 0 }, tok[2] = { 0, 0 }, from[2] = { 0, 0 };
	if (sq_begin(q, cause) < 0)
		return -1;
	if (!(st = sq_stmt(q, ST_FINISH, cause)) || !(by_seq = sq_stmt(q, ST_FINISH_SEQ, cause)))
		goto fail;
	for (int i = 0; i < n; i++) {
		int was_pending = 0;
		sqlite3_stmt *one = r[i].seq > 0 ? by_seq : st;
		int rc = sq_finish_one(q, one, &r[i], "leased", now, cause);
		if (rc == 0) {
			was_pending = 1;
			rc = sq_finish_one(q, one, &r[i], "pending", now, cause);
		}
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			int same = sq_finished_same(q, &r[i], cause);
			if (same < 0)
				goto fail;
			gone += !same;
			continue;
		}
		int k = !r[i].ok;
		cnt[k]++;
		att[k] += r[i].attempts;
		tok[k] += r[i].tokens;
		from[was_pending]++;
	}
	if (sq_count_add(q, "leased", -from[0], 0, 0, 0, cause) < 0 ||
	    sq_count_add(q, "pending", -from[1], 0, 0, 0, cause) < 0 ||
	    sq_count_add(q, "done", cnt[0], att[0], tok[0], now, cause) < 0 ||
	    sq_count_add(q, "failed", cnt[1], att[1], tok[1], now, cause) < 0)
		goto fail;
	if (sq_commit(q, cause) < 0)
		return -1;
	*stale = gone;
	return 0;
fail:
	sq_rollback(q);
	return -1;
}

int sq_owners(struct store *s, const char *prefix, char ***owners, int *n, char **cause)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_stmt(q, ST_OWNERS, cause);
	char **v = NULL;
	int cnt = 0, rc;
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	while ((rc = sq_step(q, st)) == SQLITE_ROW) {
		v = xreallocarray(v, (size_t)cnt + 1, sizeof *v);
		v[cnt++] = sq_column_dup(st, 0);
	}
	sq_done(st);
	if (rc != SQLITE_DONE) {
		store_owners_free(v, cnt);
		return sq_fail(q, cause, "cannot list lease owners");
	}
	*owners = v;
	*n = cnt;
	return 0;
}

/* Runs the "all" statement, or the "one" statement for each id (with
 * attempts[i] bound after it when attempts is given), in one transaction
 * that moves the rows changed from state from to pending in the counts;
 * *changed sums them. */
static int sq_update_ids(struct sq *q, enum stmt_id all, enum stmt_id one,
    const char *owner, const char *const *ids, const int *attempts, int n, const char *from,
    long long *changed, const char *what, char **cause)
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
		if (ids && attempts)
			sqlite3_bind_int(st, first + 1, attempts[i]);
		if (sq_run(q, st, what, cause) < 0)
			goto fail;
		sum += sqlite3_changes(q->db);
	}
	if (sq_count_add(q, "pending", sum, 0, 0, 0, cause) < 0)
		goto fail;
	/* Failed items leave with their attempts, tokens and finish times,
	 * which only the rows left can tell: count them again (a retry is
	 * rare, and failed items few). */
	if (strcmp(from, "failed") == 0) {
		if (!(st = sq_stmt(q, ST_RECOUNT_FAILED, cause)) ||
		    sq_run(q, st, "cannot count failed items", cause) < 0)
			goto fail;
	} else if (sq_count_add(q, from, -sum, 0, 0, 0, cause) < 0) {
		goto fail;
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

int sq_release(struct store *s, const char *owner, const char *const *ids,
    const int *attempts, int n, char **cause)
{
	enum stmt_id one = attempts ? ST_RELEASE_TRIED : ST_RELEASE_ONE;
	return sq_update_ids((struct sq *)s, ST_RELEASE_ALL, one, owner, ids, attempts, n,
	    "leased", NULL, "cannot release items", cause);
}

int sq_retry(struct store *s, const char *const *ids, int n, long long *moved,
    char **cause)
{
	return sq_update_ids((struct sq *)s, ST_RETRY_ALL, ST_RETRY_ONE, NULL, ids, NULL, n,
	    "failed", moved, "cannot return failed items", cause);
}

