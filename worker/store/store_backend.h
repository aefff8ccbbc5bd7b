/* Inside the job store: the table of operations each backend (SQLite,
 * PostgreSQL) provides, and the helpers they share. Only store*.c include it. */
#ifndef PSUP_STORE_BACKEND_H
#define PSUP_STORE_BACKEND_H

#include <stdio.h>

#include "store.h"

/* The store schema version this build writes and understands. 2 keeps the
 * counts of items by state in the store, updated in the transactions that
 * move items, so status does not count rows; a version 1 store is moved to
 * 2 (counted once) when opened. Builds that know only 1 refuse a 2: they
 * would move items without counting them. 3 adds the endpoint that
 * answered and the cost; 4 keeps each item's JSON in a table of its own,
 * out of the row that claims and finishes rewrite (see the backends'
 * schemas). */
#define STORE_SCHEMA_VERSION 4

/* One item of a load, validated by store.c before a backend sees it. */
struct store_load_item {
	long long line;          /* 1-based line in the input file */
	const char *id;          /* the id as text */
	int id_int;              /* 1 when the id was a JSON integer */
	const char *json;        /* the line as given, trimmed */
	long long priority;
	const char *tag;         /* or NULL */
};

/* One finished item, as store_export writes it. Strings are borrowed and
 * valid until the callback returns. */
struct store_row {
	const char *id;
	int id_int;
	int ok;
	long long attempts;
	long long http_status;
	long long latency_ms;
	const char *result;      /* JSON text or NULL */
	const char *error;       /* or NULL */
	const char *endpoint;    /* or NULL */
	long long tokens;
	double cost;
	const char *item;        /* the input object (STORE_EXPORT_ITEM), or NULL */
};

typedef int (*store_row_cb)(const struct store_row *row, void *arg, char **cause);
/* count failed items share this status and this whole error text. */
typedef int (*store_class_cb)(int http_status, const char *error, long long count,
    void *arg);

/* Every operation returns 0 or -1 with *cause set, as in store.h. Load is a
 * transaction in three steps: begin, add for each line, end (commit or
 * roll back); nothing is visible to others until end commits. */
struct store_ops {
	const char *name;
	void (*close)(struct store *s);
	/* Inside the load transaction: checks (or records) the id field. */
	int (*load_begin)(struct store *s, const char *id_field, char **cause);
	int (*load_add)(struct store *s, const struct store_load_item *it, char **cause);
	int (*load_end)(struct store *s, int commit, long long *added, char **cause);
	/* Items come back in claim order: priority descending, then seq. */
	int (*claim)(struct store *s, const char *owner, int max, long long lease_ms,
	    struct store_item **items, int *n, char **cause);
	/* Pending items in claim order, none leased. */
	int (*peek)(struct store *s, int max, struct store_item **items, int *n, char **cause);
	int (*renew)(struct store *s, const char *owner, long long lease_ms, char **cause);
	int (*finish)(struct store *s, const char *owner, const struct store_result *r,
	    int n, int *stale, char **cause);
	int (*release)(struct store *s, const char *owner, const char *const *ids,
	    const int *attempts, int n, char **cause);
	/* Distinct owners of leased items starting with prefix, malloc'd. */
	int (*owners)(struct store *s, const char *prefix, char ***owners, int *n,
	    char **cause);
	int (*counts)(struct store *s, struct store_counts *c, char **cause);
	/* Failed items grouped by (http_status, error); store.c classes them. */
	int (*error_classes)(struct store *s, store_class_cb cb, void *arg, char **cause);
	/* Calls cb for each finished (or only failed) item in input order,
	 * streaming: never holds the whole result set in memory. flags:
	 * STORE_EXPORT_* (the item's input is read only when asked for). */
	int (*export_rows)(struct store *s, unsigned flags, store_row_cb cb, void *arg,
	    char **cause);
	int (*retry)(struct store *s, const char *const *ids, int n, long long *moved,
	    char **cause);
	int (*spend)(struct store *s, store_spend_cb cb, void *arg, char **cause);
	/* 1 when the last failure was losing the server (store.h store_lost). */
	int (*lost)(struct store *s);
	int (*bound)(struct store *s, long long ms, char **cause);
};

/* A backend names its operations PREFIX_OP (sq_claim, pg_claim), usually
 * in several files: STORE_OPS_DECLARE(PREFIX) declares them all for its
 * private header, STORE_OPS_TABLE(NAME, PREFIX) builds its table. */
#define STORE_OPS_DECLARE(p) \
	void p##_close(struct store *s); \
	int p##_load_begin(struct store *s, const char *id_field, char **cause); \
	int p##_load_add(struct store *s, const struct store_load_item *it, char **cause); \
	int p##_load_end(struct store *s, int commit, long long *added, char **cause); \
	int p##_claim(struct store *s, const char *owner, int max, long long lease_ms, \
	    struct store_item **items, int *n, char **cause); \
	int p##_peek(struct store *s, int max, struct store_item **items, int *n, char **cause); \
	int p##_renew(struct store *s, const char *owner, long long lease_ms, char **cause); \
	int p##_finish(struct store *s, const char *owner, const struct store_result *r, \
	    int n, int *stale, char **cause); \
	int p##_release(struct store *s, const char *owner, const char *const *ids, \
	    const int *attempts, int n, char **cause); \
	int p##_owners(struct store *s, const char *prefix, char ***owners, int *n, \
	    char **cause); \
	int p##_counts(struct store *s, struct store_counts *c, char **cause); \
	int p##_error_classes(struct store *s, store_class_cb cb, void *arg, char **cause); \
	int p##_export_rows(struct store *s, unsigned flags, store_row_cb cb, void *arg, \
	    char **cause); \
	int p##_retry(struct store *s, const char *const *ids, int n, long long *moved, \
	    char **cause); \
	int p##_spend(struct store *s, store_spend_cb cb, void *arg, char **cause); \
	int p##_lost(struct store *s); \
	int p##_bound(struct store *s, long long ms, char **cause)

#define STORE_OPS_TABLE(label, p) { \
	.name = label, .close = p##_close, \
	.load_begin = p##_load_begin, .load_add = p##_load_add, .load_end = p##_load_end, \
	.claim = p##_claim, .peek = p##_peek, .renew = p##_renew, .finish = p##_finish, \
	.release = p##_release, .retry = p##_retry, .owners = p##_owners, \
	.counts = p##_counts, .spend = p##_spend, .lost = p##_lost, .bound = p##_bound, \
	.error_classes = p##_error_classes, .export_rows = p##_export_rows, \
}

/* Every backend's handle starts with this. */
struct store {
	const struct store_ops *ops;
	char *url;
	/* store_where's subset: the statements that claim, peek, count and
	 * read items hold a "{W}" where the backend puts its conditions. */
	struct store_filter where;
	unsigned where_gen;      /* counts store_where calls: what was made for an older one is stale */
	const char *name;        /* for messages, never a password; the backend's */
	int remote;              /* a server over a network, which can be lost */
};

/* sql with each "{W}" replaced by cond (malloc'd; the caller frees it). */
char *store_where_sql(const char *sql, const char *cond);

int store_sqlite_open(const char *path, int create, struct store **out, char **cause);
int store_pg_open(const char *url, int create, struct store **out, char **cause);

/* The class of an error message, for grouping in status: the message
 * without the engine's "after N attempts: ", cut at its first ':' (for a
 * transfer failure, at the next ':' or number), at most 60 bytes. Writes
 * it NUL-terminated into buf. */
#define STORE_ERROR_CLASS_MAX 60
void store_error_class_of(const char *error, char *buf, size_t n);

/* Writes s as a JSON string (quoted, escaped; invalid UTF-8 becomes
 * U+FFFD) to out. */
void store_json_write_string(FILE *out, const char *s);

/* s as a JSON string, malloc'd (the caller frees it). */
char *store_json_quote(const char *s);

/* 1 with *out set when v is a JSON number that is a whole number a double
 * holds exactly (an id or a priority), else 0. */
struct cJSON;
int store_json_integer(const struct cJSON *v, long long *out);

/* Returns result when it is one whole JSON value of valid UTF-8, else a
 * malloc'd copy (*owned set so the caller frees it): a JSON value with
 * U+FFFD for each ill-formed part of UTF-8 (an API may answer such bytes
 * inside JSON strings; an export line must stay readable JSON), or a JSON
 * string holding a result that is not JSON. NULL stays NULL. */
const char *store_json_result(const char *result, char **owned);

#endif
