/* The PostgreSQL job store's queue: claims that skip locked rows, lease
 * renewal, results, release and retry. */
#include "store_pg.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Two bounded index walks (pending by priority and input order, and leases
 * that ran out), each locking only rows no one else holds, merged. Our own
 * leases that ran out are left: we still hold those items (the store was
 * away), and taking them again would send them twice. The statement is
 * prepared (pg_run_prep) and its plan must not hang on the claim's size,
 * or the server plans it again for every claim: the limits are hidden
 * from the planner behind a sub-select, and the rows to update are
 * fetched by key from an array, which no row estimate turns into a scan
 * of the whole table. */
static const char claim_sql[] =
	"WITH p AS (SELECT seq, priority FROM psup_items WHERE state = 'pending'{W}"
	"  ORDER BY priority DESC, seq LIMIT (SELECT $2::bigint) FOR UPDATE SKIP LOCKED),"
	" e AS (SELECT seq, priority FROM psup_items WHERE state = 'leased'"
	"  AND lease_until < " NOW_MS " AND owner <> $1{W} ORDER BY priority DESC, seq"
	"  LIMIT (SELECT $2::bigint) FOR UPDATE SKIP LOCKED),"
	" c AS (SELECT seq FROM (SELECT * FROM p UNION ALL SELECT * FROM e) u"
	"  ORDER BY priority DESC, seq LIMIT (SELECT $2::bigint)),"
	" u AS (UPDATE psup_items i SET state = 'leased', owner = $1,"
	"  lease_until = " NOW_MS " + $3::bigint WHERE i.seq = ANY (ARRAY(SELECT seq FROM c))"
	"  RETURNING i.seq, i.id, i.attempts, i.priority)"
	" SELECT seq, id, (SELECT json FROM psup_payloads p WHERE p.seq = u.seq), attempts"
	" FROM u ORDER BY priority DESC, seq";

/* The first result wins: an item not yet done or failed takes ours,
 * whoever holds its lease now (ours ran out while the store was away, or
 * another worker took it over), so an answer paid for is never thrown
 * away; one already finished keeps its result. A result that names its
 * item's seq must match it too. The statement answers how many results
 * were not written and differ from the one kept: a batch sent again after
 * its commit went through but the answer was lost (a connection cut at
 * that moment) finds its own results there, which is not a loss. The
 * outer SELECT sees the rows as they were before the UPDATE. The items
 * are fetched by key from an array (a result without its seq finds it by
 * id first), as the claim's are: joined on the id, a table of small rows
 * looks cheaper to scan whole than to probe a hundred times, and the
 * generic plan scanned every item for each batch of results. */
static const char finish_sql[] =
	"WITH r AS (SELECT * FROM json_to_recordset($1::json) AS r(id text, seq bigint,"
	"  ok boolean, attempts integer, http_status integer, latency_ms bigint,"
	"  result text, error text, tokens bigint, endpoint text, cost double precision)),"
	" u AS (UPDATE psup_items i SET state = CASE WHEN r.ok THEN 'done' ELSE 'failed' END,"
	"  attempts = r.attempts, http_status = r.http_status, latency_ms = r.latency_ms,"
	"  result = r.result, error = r.error, tokens = r.tokens, endpoint = r.endpoint,"
	"  cost = r.cost, finished_at = " NOW_MS ", owner = NULL, lease_until = NULL"
	"  FROM r WHERE i.seq = ANY (ARRAY(SELECT coalesce(k.seq,"
	"   (SELECT s.seq FROM psup_items s WHERE s.id = k.id)) FROM r k))"
	"  AND i.id = r.id AND (r.seq IS NULL OR i.seq = r.seq)"
	"  AND i.state IN ('pending', 'leased') RETURNING i.id)"
	" SELECT count(*) FROM r WHERE r.id NOT IN (SELECT id FROM u) AND NOT EXISTS"
	" (SELECT 1 FROM psup_items i WHERE i.id = r.id AND (r.seq IS NULL OR i.seq = r.seq)"
	"  AND i.state = CASE WHEN r.ok THEN 'done' ELSE 'failed' END"
	"  AND i.attempts = r.attempts AND i.result IS NOT DISTINCT FROM r.result"
	"  AND i.error IS NOT DISTINCT FROM r.error)";

#define RETRY_SET \
	"UPDATE psup_items SET state = 'pending', attempts = 0, http_status = NULL," \
	" latency_ms = NULL, result = NULL, error = NULL, tokens = 0, finished_at = NULL," \
	" endpoint = NULL, cost = NULL" \
	" WHERE state = 'failed'"
#define RELEASE_SET \
	"UPDATE psup_items SET state = 'pending', owner = NULL, lease_until = NULL" \
	" WHERE owner = $1 AND state = 'leased'"
#define IDS_IN(n) " AND id IN (SELECT json_array_elements_text($" #n "::json))"

/* The items of a claim or a peek (seq, id, json, attempts), and r cleared. */
static int pg_items(PGresult *r, struct store_item **items, int *n)
{
	int rows = PQntuples(r);
	struct store_item *v = rows ? xcalloc((size_t)rows, sizeof *v) : NULL;
	for (int i = 0; i < rows; i++) {
		v[i].seq = pg_col_ll(r, i, 0);
		v[i].id = xstrdup(PQgetvalue(r, i, 1));
		v[i].json = xstrdup(PQgetvalue(r, i, 2));
		v[i].attempts = (int)pg_col_ll(r, i, 3);
	}
	PQclear(r);
	*items = v;
	*n = rows;
	return 0;
}

int pg_claim(struct store *s, const char *owner, int max, long long lease_ms,
    struct store_item **items, int *n, char **cause)
{
	struct pg *g = (struct pg *)s;
	char smax[24], slease[24];
	snprintf(smax, sizeof smax, "%d", max);
	snprintf(slease, sizeof slease, "%lld", lease_ms);
	const char *p[3] = { owner, smax, slease };
	PGresult *r = pg_run_where(g, PG_PREP_CLAIM, claim_sql, 3, p, PGRES_TUPLES_OK,
	    "cannot claim items", cause);
	return r ? pg_items(r, items, n) : -1;
}

int pg_peek(struct store *s, int max, struct store_item **items, int *n, char **cause)
{
	struct pg *g = (struct pg *)s;
	char smax[24];
	snprintf(smax, sizeof smax, "%d", max);
	const char *p[1] = { smax };
	PGresult *r = pg_run_where(g, PG_PREP_N, "SELECT seq, id, " PG_ITEM_JSON ", attempts"
	    " FROM psup_items WHERE state = 'pending'{W} ORDER BY priority DESC, seq LIMIT $1", 1, p,
	    PGRES_TUPLES_OK, "cannot read pending items", cause);
	return r ? pg_items(r, items, n) : -1;
}

int pg_renew(struct store *s, const char *owner, long long lease_ms, char **cause)
{
	struct pg *g = (struct pg *)s;
	char slease[24];
	snprintf(slease, sizeof slease, "%lld", lease_ms);
	const char *p[2] = { owner, slease };
	PGresult *r = pg_run_prep(g, PG_PREP_RENEW, "UPDATE psup_items SET lease_until = "
	    NOW_MS " + $2::bigint WHERE owner = $1 AND state = 'leased'", 2, p, PGRES_COMMAND_OK,
	    "cannot renew leases", cause);
	PQclear(r);
	return r ? 0 : -1;
}

int pg_owners(struct store *s, const char *prefix, char ***owners, int *n, char **cause)
{
	struct pg *g = (struct pg *)s;
	const char *p[1] = { prefix };
	PGresult *r = pg_run(g, "SELECT DISTINCT owner FROM psup_items WHERE state = 'leased'"
	    " AND left(owner, length($1)) = $1", 1, p, PGRES_TUPLES_OK,
	    "cannot list lease owners", cause);
	if (!r)
		return -1;
	int rows = PQntuples(r);
	char **v = rows ? xcalloc((size_t)rows, sizeof *v) : NULL;
	for (int i = 0; i < rows; i++)
		v[i] = xstrdup(PQgetvalue(r, i, 0));
	PQclear(r);
	*owners = v;
	*n = rows;
	return 0;
}

int pg_finish(struct store *s, const char *owner, const struct store_result *r,
    int n, int *stale, char **cause)
{
	(void)owner;
	struct pg *g = (struct pg *)s;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return fail(cause, "postgresql %s: out of memory", g->name);
	/* One statement for the whole batch: one round trip, one commit. */
	putc('[', m);
	for (int i = 0; i < n; i++) {
		char *owned;
		const char *result = store_json_result(r[i].result, &owned);
		const char *error = r[i].ok ? NULL : (r[i].error ? r[i].error : "failed");
		fprintf(m, "%s{\"id\":", i ? "," : "");
		store_json_write_string(m, r[i].id);
		if (r[i].seq > 0)
			fprintf(m, ",\"seq\":%lld", r[i].seq);
		fprintf(m, ",\"ok\":%s,\"attempts\":%d,\"http_status\":%d,\"latency_ms\":%lld,"
		    "\"tokens\":%lld,\"result\":", r[i].ok ? "true" : "false", r[i].attempts,
		    r[i].http_status, r[i].latency_ms, r[i].tokens);
		if (result)
			store_json_write_string(m, result);
		else
			fputs("null", m);
		fputs(",\"error\":", m);
		if (error)
			store_json_write_string(m, error);
		else
			fputs("null", m);
		if (r[i].endpoint) {
			fputs(",\"endpoint\":", m);
			store_json_write_string(m, r[i].endpoint);
		}
		fprintf(m, ",\"cost\":%.17g", r[i].cost);
		putc('}', m);
		free(owned);
	}
	putc(']', m);
	fclose(m);
	const char *p[1] = { buf };
	PGresult *res = pg_run_prep(g, PG_PREP_FINISH, finish_sql, 1, p, PGRES_TUPLES_OK,
	    "cannot record results", cause);
	free(buf);
	if (!res)
		return -1;
	*stale = (int)pg_col_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

/* Items given back with their attempts: [{"id": ..., "attempts": N}, ...]. */
#define RELEASE_TRIED \
	"UPDATE psup_items AS p SET state = 'pending', owner = NULL, lease_until = NULL," \
	" attempts = v.attempts FROM json_to_recordset($2::json) AS v(id text, attempts int)" \
	" WHERE p.owner = $1 AND p.state = 'leased' AND p.id = v.id"

int pg_release(struct store *s, const char *owner, const char *const *ids,
    const int *attempts, int n, char **cause)
{
	struct pg *g = (struct pg *)s;
	if (!ids) {
		const char *p[1] = { owner };
		return pg_cmd(g, RELEASE_SET, 1, p, NULL, "cannot release items", cause);
	}
	char *list = pg_json_ids(ids, attempts, n);
	const char *p[2] = { owner, list };
	int rc = pg_cmd(g, attempts ? RELEASE_TRIED : RELEASE_SET IDS_IN(2), 2, p, NULL,
	    "cannot release items", cause);
	free(list);
	return rc;
}

/* The span of finishes of the failed items left: those that went back to
 * pending took their finish times with them. */
#define FAILED_SPAN \
	"UPDATE psup_counts SET first_finish = s.f, last_finish = s.l FROM" \
	" (SELECT min(finished_at) AS f, max(finished_at) AS l FROM psup_items" \
	" WHERE state = 'failed') s WHERE state = 'failed'"

/* RETRY_SET sql (with "{W}": only the subset's items, store_where). */
static int retry_where(struct pg *g, const char *sql, int n, const char *const *params,
    long long *moved, char **cause)
{
	const char **all;
	int n_all;
	char *text = pg_where(g, sql, n, params, &all, &n_all);
	int rc = pg_cmd(g, text, n_all, all, moved, "cannot return failed items", cause);
	free(text);
	free(all);
	return rc;
}

int pg_retry(struct store *s, const char *const *ids, int n, long long *moved,
    char **cause)
{
	struct pg *g = (struct pg *)s;
	int rc;
	if (!ids) {
		rc = retry_where(g, RETRY_SET "{W}", 0, NULL, moved, cause);
	} else {
		char *list = pg_json_ids(ids, NULL, n);
		const char *p[1] = { list };
		rc = retry_where(g, RETRY_SET IDS_IN(1) "{W}", 1, p, moved, cause);
		free(list);
	}
	if (rc == 0)
		rc = pg_cmd(g, FAILED_SPAN, 0, NULL, NULL, "cannot count failed items", cause);
	return rc;
}

