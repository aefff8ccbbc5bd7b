/* The job view of psup web: the job stores that psup-worker apps name
 * (`run --job STORE` in their argv, from describe), read every few seconds
 * with `psup-worker status --job STORE --json` run as a child on the loop,
 * so psup web needs no store code (libpq and SQLite stay in psup-worker)
 * and a slow store never blocks it. A PostgreSQL store is read in a
 * read-only session with connect and statement timeouts, with the PG*
 * variables of the app's environment that describe shows (not masked
 * ones: a password must come in the URL or ~/.pgpass), and is shown
 * without its password or parameters. Each job also sums its apps' request
 * stats (web_stats.h); apps that report stats without a store psup web
 * can read form jobs of their own, by their reports' job name. */
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
/* [{"store":..|null,"job":..|null,"apps":[..],"status":{..}|null,
 * "error":..|null,"endpoints":[..]|null,"requests":{..}|null}] (HTML-safe;
 * endpoints: web_jobep.h's view of status); store as shown. */
void jobs_json(const struct web *w, struct buf *b);
/* Each job's numbers as Prometheus families. */
void jobs_metrics(const struct web *w, struct buf *b);
/* Reaps finished status runs (on SIGCHLD). */
void jobs_reap(struct web *w);
void jobs_free(struct web *w);
/* The store an app's argv names for `psup-worker run`: a SQLite path
 * resolved against cwd, or a PostgreSQL URL as given (NULL for none or
 * another URL); malloc'd. Pure. */
char *jobs_store_of(const cJSON *argv, const char *cwd);
/* 1 when store is a PostgreSQL URL. */
int jobs_store_is_pg(const char *store);
/* A store as the page and the metrics show it: a PostgreSQL URL without
 * its password and parameters (scheme://user@host/db), a path as is;
 * malloc'd. Pure. */
char *jobs_store_shown(const char *store);
#endif
