/* The cluster's request schedule in PostgreSQL (see clusterlimit.h). The
 * row's arithmetic is all in one statement, so concurrent grants from any
 * number of hosts serialise on the row lock and never book a place twice.
 * Times in the row are microseconds of the server's clock; a grant's
 * answer is relative to the statement's own time, which is mapped to our
 * monotonic clock at the middle of the round trip. */
#include "clusterlimit.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "clusterslice.h"
#include "xalloc.h"

#define MS 1000000LL
/* Back off this long after the database could not be reached. */
#define RETRY_MS 1000
/* A hold longer than this is not an API's wish but a stale value (as the
 * pacer takes it). */
#define HOLD_MAX_MS (3600 * 1000LL)
/* The pg_advisory_xact_lock key under which the table is made (the job
 * store's are 7035170001 and 2). */
#define LOCK_TABLE "7035170003"

static const char table_sql[] =
	"BEGIN;"
	"SELECT pg_advisory_xact_lock(" LOCK_TABLE ");"
	"CREATE TABLE IF NOT EXISTS psup_limits (name text PRIMARY KEY,"
	" tat_us bigint NOT NULL DEFAULT 0, hold_until_us bigint NOT NULL DEFAULT 0,"
	" granted integer NOT NULL DEFAULT 0, start_us bigint NOT NULL DEFAULT 0,"
	" now_us bigint NOT NULL DEFAULT 0);"
	"COMMIT;";

#define NOW_US "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
/* Where the booking starts: the schedule's end, or now when it is past (or
 * absurdly far ahead, left by a much lower rate). */
#define BASE "(CASE WHEN l.tat_us > c.now + 60000000 THEN c.now ELSE greatest(l.tat_us, c.now) END)"
/* The places granted: as many as asked ($3) that end within the horizon
 * ($4 us ahead of now), $2 us apart. */
#define PLACES "greatest(0, least($3::int, floor((c.now + $4::bigint - " BASE ") / $2::float8)))::int"
#define HELD "l.hold_until_us > c.now"

static const char grant_sql[] =
	"WITH c AS (SELECT " NOW_US " AS now)"
	" UPDATE psup_limits l SET now_us = c.now, start_us = " BASE ","
	" granted = CASE WHEN " HELD " THEN 0 ELSE " PLACES " END,"
	" tat_us = CASE WHEN " HELD " THEN l.tat_us"
	"  ELSE " BASE " + (" PLACES " * $2::float8)::bigint END"
	" FROM c WHERE l.name = $1"
	" RETURNING l.granted, l.start_us - l.now_us, greatest(l.hold_until_us - l.now_us, 0),"
	"  l.tat_us - l.now_us";

static const char hold_sql[] =
	"UPDATE psup_limits SET hold_until_us = greatest(hold_until_us, " NOW_US " + $2::bigint)"
	" WHERE name = $1";

struct clusterlimit {
	PGconn *conn;
	char *name;
	char *label;             /* db@host, for messages: never the password */
	struct cslice slice;
	int down;                /* the database is unreachable (said once) */
	int64_t retry_at;        /* while down: not before then */
	int64_t hold_said;       /* the latest hold written to the row */
};

/* The server's message on one line, into a malloc'd string. */
static char *conn_error(PGconn *conn, const PGresult *r)
{
	const char *msg = r ? PQresultErrorMessage(r) : "";
	if (!msg || !*msg)
		msg = PQerrorMessage(conn);
	char *m = xstrdup(msg && *msg ? msg : "unknown error");
	size_t n = strlen(m);
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		m[--n] = '\0';
	/* libpq's lines, the later ones indented with a tab: one line */
	char *w = m;
	for (char *p = m; *p; p++) {
		char c = *p == '\n' || *p == '\t' ? ' ' : *p;
		if (c != ' ' || (w > m && w[-1] != ' '))
			*w++ = c;
	}
	*w = '\0';
	return m;
}

/* Short, bounded waits everywhere: a connect that does not answer, a
 * peer that vanished (keepalives), data the peer never acknowledges (a
 * cut link: tcp_user_timeout), a statement stuck on the server. They
 * come after the URL's own settings, so they win. */
static PGconn *conn_open(const char *url)
{
	static const char *const keys[] = { "dbname", "connect_timeout", "keepalives",
		"keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
		"application_name", NULL };
	const char *const vals[] = { url, "3", "1", "5", "1", "3", "3000",
		"psup-worker cluster limit", NULL };
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(conn) == CONNECTION_OK) {
		PQclear(PQexec(conn, "SET statement_timeout = 3000"));
		PQclear(PQexec(conn, "SET client_min_messages = error"));
	}
	return conn;
}

/* Runs one statement; NULL with *why (malloc'd) unless it returned want. */
static PGresult *run(struct clusterlimit *cl, const char *sql, int n, const char *const *params,
    ExecStatusType want, char **why)
{
	if (PQstatus(cl->conn) == CONNECTION_BAD) {
		PQreset(cl->conn);
		if (PQstatus(cl->conn) == CONNECTION_OK) {
			PQclear(PQexec(cl->conn, "SET statement_timeout = 3000"));
			PQclear(PQexec(cl->conn, "SET client_min_messages = error"));
		}
	}
	PGresult *r = PQexecParams(cl->conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) == want)
		return r;
	*why = conn_error(cl->conn, r);
	PQclear(r);
	return NULL;
}

int clusterlimit_open(const char *url, const char *name, struct clusterlimit **out,
    char **cause)
{
	if (strncmp(url, "postgresql://", 13) != 0 && strncmp(url, "postgres://", 11) != 0)
		return fail(cause, "limits.scope: cluster needs a PostgreSQL job store "
		    "(postgresql://...), not %s", url);
	PGconn *conn = conn_open(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		char *m = conn_error(conn, NULL);
		fail(cause, "cluster limit %s: postgresql: cannot connect: %s", name, m);
		free(m);
		PQfinish(conn);
		return -1;
	}
	struct clusterlimit *cl = xcalloc(1, sizeof *cl);
	cl->conn = conn;
	cl->name = xstrdup(name);
	const char *host = PQhost(conn);
	cl->label = xasprintf("%s@%s", PQdb(conn), host && *host ? host : "localhost");
	char *why = NULL;
	PGresult *r = PQexec(conn, table_sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		why = conn_error(conn, r);
		PQclear(PQexec(conn, "ROLLBACK"));
	}
	PQclear(r);
	const char *params[] = { name };
	if (!why && (r = run(cl, "INSERT INTO psup_limits (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
	    1, params, PGRES_COMMAND_OK, &why)))
		PQclear(r);
	if (why) {
		fail(cause, "cluster limit %s: postgresql %s: cannot make its row in psup_limits: %s",
		    name, cl->label, why);
		free(why);
		clusterlimit_close(cl);
		return -1;
	}
	*out = cl;
	return 0;
}

/* The database failed: say so once, and back off. */
static void went_down(struct clusterlimit *cl, char *why, int64_t now)
{
	if (!cl->down)
		fprintf(stderr, "psup-worker: cluster limit %s: postgresql %s is unreachable (%s): "
		    "sending nothing until it is back\n", cl->name, cl->label, why);
	free(why);
	cl->down = 1;
	cl->retry_at = now + RETRY_MS * MS;
}

static void came_back(struct clusterlimit *cl)
{
	if (cl->down)
		fprintf(stderr, "psup-worker: cluster limit %s: postgresql %s is back\n", cl->name,
		    cl->label);
	cl->down = 0;
}

/* Books a slice; returns 0 when places were granted, else the ns to wait. */
static int64_t grant(struct clusterlimit *cl, int64_t interval, int64_t now, int64_t *hold_until)
{
	char p_int[32], p_want[16], p_horizon[32];
	snprintf(p_int, sizeof p_int, "%.3f", (double)interval / 1000);
	snprintf(p_want, sizeof p_want, "%d", cslice_want(&cl->slice, now, interval));
	snprintf(p_horizon, sizeof p_horizon, "%lld", CSLICE_HORIZON_MS * 1000LL);
	const char *params[] = { cl->name, p_int, p_want, p_horizon };
	char *why = NULL;
	int64_t t0 = clock_mono_ns();
	PGresult *r = run(cl, grant_sql, 4, params, PGRES_TUPLES_OK, &why);
	int64_t t1 = clock_mono_ns();
	if (r && PQntuples(r) != 1) {
		PQclear(r);
		r = NULL;
		why = xstrdup("its row in psup_limits is gone");
	}
	if (!r) {
		went_down(cl, why, t1);
		return cl->retry_at - now;
	}
	came_back(cl);
	int n = atoi(PQgetvalue(r, 0, 0));
	long long start_us = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	long long hold_us = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	long long tat_us = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
	PQclear(r);
	int64_t mid = t0 + (t1 - t0) / 2;
	if (hold_us > 0) {
		*hold_until = mid + hold_us * 1000;
		if (hold_us > HOLD_MAX_MS * 1000)
			*hold_until = 0;
	}
	cslice_grant(&cl->slice, n, mid + start_us * 1000, interval);
	if (n > 0)
		return 0;
	if (*hold_until > now)
		return *hold_until - now;
	/* Nothing fits the horizon: the first place that will. */
	int64_t wait = (tat_us * 1000 + interval - CSLICE_HORIZON_MS * MS) - (now - mid);
	return wait > MS ? wait : MS;
}

int64_t clusterlimit_due(struct clusterlimit *cl, double rate_per_min, int64_t now,
    int64_t *hold_until)
{
	*hold_until = 0;
	if (cl->down && now < cl->retry_at)
		return cl->retry_at - now;
	int64_t interval = (int64_t)(60e9 / rate_per_min);
	if (interval < 1)
		interval = 1;
	int64_t w = cslice_due(&cl->slice, now);
	if (w >= 0 && cl->slice.interval == interval)
		return w;
	/* None held, or the rate changed (learned lower): book anew. */
	w = grant(cl, interval, now, hold_until);
	if (w > 0)
		return w;
	/* After the round trip: a place that starts at the statement's
	 * time is due, not half a round trip ahead. */
	w = cslice_due(&cl->slice, clock_mono_ns());
	return w < 0 ? MS : w;
}

void clusterlimit_spend(struct clusterlimit *cl)
{
	cslice_spend(&cl->slice);
}

void clusterlimit_hold(struct clusterlimit *cl, int64_t until, int64_t now)
{
	/* Holds come in bursts (every request in flight meets the same 429):
	 * one write per hold that ends noticeably later. */
	if (until <= cl->hold_said + 100 * MS || until - now > HOLD_MAX_MS * MS || cl->down)
		return;
	cl->hold_said = until;
	char p_hold[32];
	snprintf(p_hold, sizeof p_hold, "%lld", (long long)((until - now) / 1000));
	const char *params[] = { cl->name, p_hold };
	char *why = NULL;
	PGresult *r = run(cl, hold_sql, 2, params, PGRES_COMMAND_OK, &why);
	if (!r) {
		went_down(cl, why, clock_mono_ns());
		return;
	}
	PQclear(r);
}

void clusterlimit_close(struct clusterlimit *cl)
{
	if (!cl)
		return;
	PQfinish(cl->conn);
	free(cl->name);
	free(cl->label);
	free(cl);
}
