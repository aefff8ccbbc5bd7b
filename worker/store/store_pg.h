/* Inside the PostgreSQL job store (store_pg*.c only): the handle and the
 * helpers its files share. store_pg.c holds the connection (statements,
 * retries, schema), store_pg_queue.c claims and leases, store_pg_data.c
 * loading and reading. */
#ifndef PSUP_STORE_PG_H
#define PSUP_STORE_PG_H

#include <libpq-fe.h>

#include "store_backend.h"

/* Milliseconds since the epoch on the server, fixed for one statement. */
#define NOW_MS "(extract(epoch FROM statement_timestamp()) * 1000)::bigint"

/* The indexes of psup_items besides its keys: made with the schema, and
 * again after a first load that went without them. Each covers the items
 * of one state only: a claim or a finish moves an item out of the state,
 * and the new version of its row then costs no entry there (the pending
 * ones are claimed, the leased ones renewed or taken over, the failed ones
 * counted by class and retried; done ones are only read in full). The
 * leased items are found by owner (renew, release) through their lease
 * index too: an index of owners cost each claim an entry more, and the
 * server walked all of it for the leases that ran out. */
#define PG_INDEX_CLAIM \
	"CREATE INDEX IF NOT EXISTS psup_items_claim ON psup_items (priority DESC, seq)" \
	" WHERE state = 'pending'"
#define PG_INDEX_LEASE \
	"CREATE INDEX IF NOT EXISTS psup_items_lease ON psup_items (lease_until)" \
	" WHERE state = 'leased'"
#define PG_INDEX_FAILED \
	"CREATE INDEX IF NOT EXISTS psup_items_failed ON psup_items (seq) WHERE state = 'failed'"
/* Partial: a store that uses no tags pays nothing for it. */
#define PG_INDEX_TAG \
	"CREATE INDEX IF NOT EXISTS psup_items_tag ON psup_items (tag, state, priority DESC, seq)" \
	" WHERE tag IS NOT NULL"

/* pg_advisory_xact_lock keys: schema creation and loads run one at a time. */
/* An item's JSON, in a statement whose row of items is psup_items (not
 * renamed). */
#define PG_ITEM_JSON "(SELECT json FROM psup_payloads p WHERE p.seq = psup_items.seq)"
#define LOCK_SCHEMA "7035170001"
#define LOCK_LOAD "7035170002"

/* The statements each batch runs, prepared once per connection (pg_prep):
 * parsing and planning them cost the server as much as a small batch's
 * rows. */
enum pg_prep { PG_PREP_CLAIM, PG_PREP_FINISH, PG_PREP_RENEW, PG_PREP_N };

struct pg {
	struct store base;
	PGconn *conn;
	char *name;              /* db@host for messages: never the password */
	int copying;             /* inside a load's COPY */
	int load_direct;         /* the load goes straight into an empty psup_items */
	long long load_n;
	FILE *load_rows;         /* a direct load's rows of psup_items, sent after its JSON */
	long long timeout_ms;    /* statement_timeout (store_bound), 0 none */
	char *prep[PG_PREP_N];   /* the text prepared as "psup_N" on this
	                          * connection (owned), NULL when none */
};

/* Fills *cause with "postgresql DB@HOST: what: the server's message". -1. */
int pg_fail(struct pg *g, char **cause, const char *what, const PGresult *r);
/* Runs one statement with text parameters; returns its result when it has
 * the wanted status, else NULL with *cause set. Deadlocks are retried. */
PGresult *pg_run(struct pg *g, const char *sql, int n, const char *const *params,
    ExecStatusType want, const char *what, char **cause);
/* pg_run of the statement prepared in slot (prepared first when the
 * connection has not got it, or has another text there); slot PG_PREP_N
 * runs it unprepared, as pg_run. */
PGresult *pg_run_prep(struct pg *g, enum pg_prep slot, const char *sql, int n,
    const char *const *params, ExecStatusType want, const char *what, char **cause);
/* pg_run for a command; *changed (may be NULL) gets the rows it touched. */
int pg_cmd(struct pg *g, const char *sql, int n, const char *const *params,
    long long *changed, const char *what, char **cause);
void pg_rollback(struct pg *g);
/* Reopens a dead connection (server restart, network) before an
 * operation; what was in flight on it is lost, and leases cover that. */
void pg_revive(struct pg *g);
/* sql with its "{W}"s holding the subset's conditions (store_where), and
 * in *all the n params followed by the conditions' values, which they
 * number from n + 1. Both malloc'd (the strings in *all are borrowed);
 * *n_all gets their number. */
char *pg_where(struct pg *g, const char *sql, int n, const char *const *params,
    const char ***all, int *n_all);
/* pg_run for a statement with "{W}"s (pg_where); prepared in slot unless
 * that is PG_PREP_N. */
PGresult *pg_run_where(struct pg *g, enum pg_prep slot, const char *sql, int n,
    const char *const *params, ExecStatusType want, const char *what, char **cause);
/* A column as a number, 0 for NULL. */
long long pg_col_ll(const PGresult *r, int row, int col);
/* A JSON array (malloc'd), for ids passed as one parameter: of strings,
 * or with attempts of {"id": ..., "attempts": N} objects. */
char *pg_json_ids(const char *const *ids, const int *attempts, int n);

STORE_OPS_DECLARE(pg);

#endif
