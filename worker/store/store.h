/* The job store: a queue of items with leases and results, shared by every
 * worker on one job. One interface, two backends: SQLite (WAL; "sqlite:PATH"
 * or a bare path) and PostgreSQL ("postgresql://…" or "postgres://…").
 * Every function returns 0 or -1 with *cause set (caller frees it). */
#ifndef PSUP_STORE_H
#define PSUP_STORE_H

#include <stdio.h>

struct store;

enum item_state { ITEM_PENDING, ITEM_LEASED, ITEM_DONE, ITEM_FAILED };

/* A claimed item; the store owns nothing of it once returned. */
struct store_item {
	long long seq;           /* input position, 1-based, stable */
	char *id;                /* the item's id as text */
	char *json;              /* the item as JSON text */
	int attempts;            /* attempts recorded so far (earlier runs) */
};

/* A final outcome, committed in store_finish. Strings are borrowed.
 * attempts is the item's total (store_item.attempts plus this run's). */
struct store_result {
	const char *id;
	long long seq;           /* the item's store_item.seq when known (found by
	                          * it, checked against id), else 0: by id */
	int ok;                  /* 1 done, 0 failed */
	int attempts;
	int http_status;         /* 0 when no response */
	long long latency_ms;
	const char *result;      /* JSON text (the extracted value or the body as a JSON string), or NULL */
	const char *error;       /* message when failed, else NULL */
	long long tokens;        /* usage tokens, 0 if unknown */
	const char *endpoint;    /* the job file's endpoint that answered, NULL for
	                          * the one of request: */
	double cost;             /* what its tokens cost at the endpoint's price, 0 if none */
};

struct store_counts {
	long long total, pending, leased, done, failed;
	long long attempts;      /* summed over finished items */
	long long tokens;
	long long first_finish_ms, last_finish_ms; /* real time, 0 if none */
	long long expired;       /* leased items whose lease has run out */
};

/* Failed items grouped by HTTP status and the kind of error (the message's
 * start, e.g. "HTTP 503" or "transfer failed: Connection refused"), most
 * frequent first. */
struct store_error_class {
	int http_status;
	char *prefix;
	long long count;
};

/* A subset of a job's items (psup-worker --where): the items that meet
 * every condition. A condition compares the item's tag (field NULL) or one
 * top-level field of its JSON with value as text: a string by its value, a
 * number as written, true or false; a missing or null field matches
 * nothing. */
struct store_cond {
	char *field;
	char *value;
};

struct store_filter {
	struct store_cond *cond;
	int n;
};

/* Frees f's conditions and empties it. */
void store_filter_free(struct store_filter *f);

/* Opens the store at url, creating it (and its schema) when missing. */
int store_open(const char *url, struct store **out, char **cause);
/* Like store_open, but fails ("no such job store") instead of creating one. */
int store_open_existing(const char *url, struct store **out, char **cause);
void store_close(struct store *s);

/* Loads a JSONL file in one transaction: each line an object with an id
 * (id_field; string or integer). New ids are appended in file order; ids
 * already in the store are skipped. A bad line fails the whole load with
 * "FILE:LINE: why". priority_field may be NULL (priority 0). path "-" reads
 * standard input. On bad input (a bad line, an id field other than the one
 * the store was loaded with) errno is EINVAL on return; otherwise errno
 * is EIO. */
int store_load(struct store *s, const char *path, const char *id_field,
    const char *priority_field, long long *added, long long *skipped, char **cause);
/* store_load that tags every item it adds with tag (NULL: no tag); items
 * already in the store keep theirs. */
int store_load_tagged(struct store *s, const char *path, const char *id_field,
    const char *priority_field, const char *tag, long long *added, long long *skipped,
    char **cause);

/* What a load reads: JSON lines, or rows of a CSV (or TSV) file whose first
 * line names the columns, each row the JSON object of its columns' values
 * as strings ("FILE:LINE" in errors is the line a row begins on). AUTO: CSV
 * for a path ending in .csv, TSV for .tsv, else JSON lines. */
enum store_format { STORE_FMT_AUTO, STORE_FMT_JSONL, STORE_FMT_CSV, STORE_FMT_TSV };
struct store_load_opts {
	const char *path;            /* "-": standard input */
	const char *id_field;        /* NULL: "id" */
	const char *priority_field;  /* NULL: none; a CSV value holding an integer counts */
	const char *tag;             /* NULL: none */
	enum store_format format;
};
/* The format a file's name says: .csv, .tsv (any case), else JSON lines. */
enum store_format store_format_of(const char *path);
/* store_load_tagged with the format to read. */
int store_load_with(struct store *s, const struct store_load_opts *o, long long *added,
    long long *skipped, char **cause);

/* From now on claims, peeks, counts, error classes, exports and retries on s see
 * only the items f selects (f NULL or empty: all of them); f is copied.
 * A tag is found through an index; a field is read from the JSON of each
 * item the query passes over, so a subset by field costs a scan of the
 * job's items where a tag costs an index range. */
void store_where(struct store *s, const struct store_filter *f);

/* The first max pending items in claim order, leasing nothing (what a run
 * would send first). *items is malloc'd; free with store_items_free. */
int store_peek(struct store *s, int max, struct store_item **items, int *n, char **cause);

/* Claims up to max pending items (or items of other owners whose lease
 * expired: owner's own still are its), highest priority first, then input
 * order, leasing them to owner for lease_ms. *items is malloc'd; free with
 * store_items_free. */
int store_claim(struct store *s, const char *owner, int max, long long lease_ms,
    struct store_item **items, int *n, char **cause);
void store_items_free(struct store_item *items, int n);

/* Extends every lease owner holds to now + lease_ms. */
int store_renew(struct store *s, const char *owner, long long lease_ms, char **cause);

/* Commits outcomes in one transaction. The first result wins: an item
 * not yet done or failed takes it, whoever holds its lease now (owner's
 * lease may have run out and another taken it over); an item already
 * finished is not overwritten, and *stale counts those. */
int store_finish(struct store *s, const char *owner, const struct store_result *r,
    int n, int *stale, char **cause);

/* Returns owner's leased items to pending (graceful shutdown, or a worker
 * giving back what it cannot send). ids NULL = all. With attempts (ids
 * given), each item's recorded attempts become attempts[i]: those made
 * on it in the run that gives it back still count. */
int store_release(struct store *s, const char *owner, const char *const *ids,
    const int *attempts, int n, char **cause);

/* The distinct owners of leased items whose owner starts with prefix.
 * *owners is malloc'd; free with store_owners_free. */
int store_owners(struct store *s, const char *prefix, char ***owners, int *n, char **cause);
void store_owners_free(char **owners, int n);

int store_counts(struct store *s, struct store_counts *c, char **cause);

/* *out is malloc'd; free with store_error_classes_free. */
int store_error_classes(struct store *s, struct store_error_class **out, int *n, char **cause);
void store_error_classes_free(struct store_error_class *ec, int n);

/* What store_export writes: every finished item, or only the failed ones;
 * with or without each item's own input object; as JSON lines, or as CSV
 * or TSV. */
enum {
	STORE_EXPORT_FAILED = 1 << 0,
	STORE_EXPORT_ITEM = 1 << 1,
	STORE_EXPORT_CSV = 1 << 2,
	STORE_EXPORT_TSV = 1 << 3,
	STORE_EXPORT_RESULT_COLS = 1 << 4,
	STORE_EXPORT_NO_FORMULAS = 1 << 5,  /* CSV, TSV: a cell starting with =, +, -, @,
	                                     * a tab or a CR (not a number) gets a
	                                     * leading ', so a spreadsheet shows it
	                                     * rather than running it */
};
/* Writes results as JSON lines in input order:
 * {"id":…,"status":"ok"|"failed","attempts":N,"http_status":N,"latency_ms":N,"result":…,"error":…}
 * and, for an item an endpoint of the job file answered, "endpoint", "tokens"
 * and "cost"; with STORE_EXPORT_ITEM, last, "item": the input line's object
 * as it was loaded. Only finished items (flags: STORE_EXPORT_*).
 * As CSV (or TSV, RFC 4180's quoting): a header, then a row per item: its
 * id (with STORE_EXPORT_ITEM, the item's fields instead, a column per key
 * any item has, in the order first seen, so a spreadsheet's rows come back
 * with their own columns), then status, result (a string as its text,
 * other JSON as JSON; with STORE_EXPORT_RESULT_COLS a result that is an
 * object fills a column per key instead, result.KEY after result), error,
 * attempts, http_status, latency_ms, endpoint, tokens, cost. The columns
 * take a first pass over the rows; an item finished between the passes
 * with keys they lack loses those, and *left_out (may be NULL) counts such
 * items. More than 1,024 columns of either kind fail the export. */
int store_export(struct store *s, FILE *out, unsigned flags, long long *written,
    long long *left_out, char **cause);

/* The len bytes at s as a JSON string, malloc'd (the caller frees it): NUL
 * and other control bytes escaped, bytes that are not UTF-8 as U+FFFD, so
 * any answer can be kept whole as a result. */
char *store_json_quote_bytes(const char *s, size_t len);

/* What finished items used, by the endpoint that answered them (NULL:
 * the one of request:), in name order: items, of them ok, tokens, cost and
 * latency summed. The budget and `status` read it. */
struct store_spend {
	const char *endpoint;
	long long items, ok, tokens, latency_ms;
	double cost;
};
typedef int (*store_spend_cb)(const struct store_spend *sp, void *arg, char **cause);
int store_spend(struct store *s, store_spend_cb cb, void *arg, char **cause);

/* The store as messages name it: a path, or db@host (never a password). */
const char *store_name(const struct store *s);

/* 1 for a store on a server, reached over a network (PostgreSQL): its
 * calls can hang on a link that drops packets. 0 for a file. Safe to ask
 * while another thread uses the store. */
int store_remote(const struct store *s);

/* 1 when the last call that failed lost the server (a network cut, the
 * server gone): the call may be tried again later, and the store
 * reconnects then; 0 when the store answered with an error. */
int store_lost(struct store *s);

/* Bounds each later statement to ms on the server (PostgreSQL's
 * statement_timeout; SQLite bounds its own lock waits), for a long-running
 * worker whose calls must not hang. */
int store_bound(struct store *s, long long ms, char **cause);

/* Failed items back to pending (ids NULL = every failed item). */
int store_retry(struct store *s, const char *const *ids, int n, long long *moved, char **cause);

#endif
