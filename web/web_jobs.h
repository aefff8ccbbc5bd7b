/* The job view of psup web: the job stores that psup-worker apps name
 * (`run --job STORE` in their argv, from describe), read every few seconds
 * with `psup-worker status --job STORE --json` run as a child on the loop,
 * so psup web needs no store code and a slow store never blocks it. Only
 * SQLite stores (a path) are read: a PostgreSQL URL may carry a password
 * that a page must not show. */
#ifndef PSUP_WEB_JOBS_H
#define PSUP_WEB_JOBS_H
#include <cjson/cJSON.h>
#include <stdint.h>
#include "buf.h"

struct web;

#define WEB_JOBS_MAX 16         /* stores followed at most */
#define WEB_JOBS_EVERY_MS 5000
#define WEB_JOBS_TIMEOUT_MS 10000

/* Replaces the stores followed by those the describe reply names (reply
 * is only read). */
void jobs_set(struct web *w, const cJSON *describe_reply);
/* Starts the status runs that are due. */
void jobs_tick(struct web *w, int64_t now);
/* [{"store":..,"apps":[..],"status":{..}|null,"error":..|null}] (HTML-safe). */
void jobs_json(const struct web *w, struct buf *b);
/* Each job's numbers as Prometheus families. */
void jobs_metrics(const struct web *w, struct buf *b);
/* Reaps finished status runs (on SIGCHLD). */
void jobs_reap(struct web *w);
void jobs_free(struct web *w);
/* The store an app's argv names for `psup-worker run`, resolved against
 * cwd (NULL for none or a PostgreSQL store); malloc'd. Pure. */
char *jobs_store_of(const cJSON *argv, const char *cwd);
#endif
