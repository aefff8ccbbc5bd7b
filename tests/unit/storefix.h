/* Job stores for the store's unit tests: SQLite files in a temp dir, or,
 * with PSUP_TEST_STORE_URL set (a postgresql:// URL), that server, emptied
 * for each fresh store. Every failure here bails out of the test. */
#ifndef PSUP_STOREFIX_H
#define PSUP_STOREFIX_H

#include "store.h"

/* Makes the temp dir /tmp/psup-test-NAME-XXXXXX and reads the URL. */
void storefix_begin(const char *name);
/* Removes the temp dir. */
void storefix_end(void);
/* The PostgreSQL URL, NULL on SQLite. */
const char *storefix_pg_url(void);
void storefix_bail(const char *what, const char *why) __attribute__((noreturn));

/* NAME in the temp dir (malloc'd). */
char *storefix_path(const char *name);
/* Writes text to the file at path. */
void storefix_put(const char *path, const char *text);
/* Writes text to NAME in the temp dir; returns its path (malloc'd). */
char *storefix_write(const char *name, const char *text);

/* The URL of the current store, or of a new empty one when fresh
 * (malloc'd). */
char *storefix_url(int fresh);
/* Opens (creating) the current store, or a new empty one when fresh. */
struct store *storefix_open(int fresh);
/* A new store loaded with the JSONL text (ids in "id", priority in "p"). */
struct store *storefix_loaded(const char *text);

/* The ids of items[0..n) joined with sep (malloc'd); frees the items. */
char *storefix_ids(struct store_item *items, int n, const char *sep);
/* Claims up to max for owner; the ids joined with commas (malloc'd). */
char *storefix_claim(struct store *s, const char *owner, int max, long long lease_ms);
struct store_counts storefix_counts(struct store *s);
/* Sleeps ms milliseconds (leases running out). */
void storefix_pause_ms(long ms);

#endif
