/* The cluster's request schedule in PostgreSQL (see clusterlimit.h). The
 * row's arithmetic is all in one statement, so concurrent grants from any
 * number of hosts serialise on the row lock and never book a place twice.
 * Times in the row are microseconds of the server's clock; a grant's
 * answer is relative to the statement's own time, which is mapped to our
 * monotonic clock at the middle of the round trip.
 *
 * After open, every statement runs on the limit's own thread: the caller
 * (the worker's loop) and the thread share only the fields marked "mu"
 * below, under that mutex; the connection is the thread's alone. */
#include "clusterlimit.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgthread.h"
#include "clock.h"
#include "clusterslice.h"
#include "xalloc.h"

#define MS 1000000LL
/* Back off this long after the database could not be reached. */
#define RETRY_MS 1000
/* With no place booked yet, the caller asks again this much later (the
 * thread's booking takes a round trip). */
#define POLL_MS 20
/* close waits this long for a statement under way to end. */
#define CLOSE_MS 1000
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
	char *name;              /* set at open, then read only */
	char *label;             /* db@host, for messages: never the password */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* mu: work for the thread, or stop */
	PGconn *conn;            /* the thread's */

	struct cslice slice;     /* mu */
	int64_t interval;        /* mu: the rate the caller last asked for */
	int asked;               /* mu: a booking is wanted or under way */
	int64_t book_after;      /* mu: nothing fits (or a hold): not before then */
	int64_t hold_until;      /* mu: the row's hold as last read, local ns */
	int64_t hold_want;       /* mu: a hold to write, 0 when none */
	int64_t hold_asked;      /* mu: the latest hold asked for */
	int down;                /* mu: the database is unreachable (said once) */
	int64_t retry_at;        /* mu: while down: not before then */
	int stop;                /* mu: close asks the thread to end */
	int ended;               /* mu: the thread is past its last statement */
	int left_behind;         /* mu: close gave up waiting: the thread frees */
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

/* Sets the connection's own limits after a (re)connect. */
static void conn_setup(PGconn *conn)
{
	if (PQstatus(conn) == CONNECTION_OK) {
		PQclear(PQexec(conn, "SET statement_timeout = 3000"));
		PQclear(PQexec(conn, "SET client_min_messages = error"));
	}
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
	conn_setup(conn);
	return conn;
}

/* Runs one statement; NULL with *why (malloc'd) unless it returned want. */
static PGresult *run(struct clusterlimit *cl, const char *sql, int n, const char *const *params,
    ExecStatusType want, char **why)
{
	if (PQstatus(cl->conn) == CONNECTION_BAD) {
		PQreset(cl->conn);
		conn_setup(cl->conn);
	}
	PGresult *r = PQexecParams(cl->conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) == want)
		return r;
	*why = conn_error(cl->conn, r);
	PQclear(r);
	return NULL;
}

static void limit_free(struct clusterlimit *cl)
{
	PQfinish(cl->conn);
	pthread_mutex_destroy(&cl->mu);
	pthread_cond_destroy(&cl->cv);
	free(cl->name);
	free(cl->label);
	free(cl);
}

/* The database failed (under mu): say so once, and back off. */
static void went_down(struct clusterlimit *cl, char *why)
{
	if (!cl->down)
		fprintf(stderr, "psup-worker: cluster limit %s: postgresql %s is unreachable (%s): "
		    "no new places until it is back\n", cl->name, cl->label, why);
	free(why);
	cl->down = 1;
	cl->retry_at = clock_mono_ns() + RETRY_MS * MS;
}

/* Under mu. */
static void came_back(struct clusterlimit *cl)
{
	if (cl->down)
		fprintf(stderr, "psup-worker: cluster limit %s: postgresql %s is back\n", cl->name,
		    cl->label);
	cl->down = 0;
}

/* What a grant statement answered. */
struct grant_answer {
	int n;
	long long start_us, hold_us, tat_us;   /* from the statement's time */
	int64_t mid;                           /* that time, local */
};

/* Books want places at interval (thread, without mu); 0, or -1 with *why. */
static int grant_run(struct clusterlimit *cl, int64_t interval, int want,
    struct grant_answer *a, char **why)
{
	char p_int[32], p_want[16], p_horizon[32];
	snprintf(p_int, sizeof p_int, "%.3f", (double)interval / 1000);
	snprintf(p_want, sizeof p_want, "%d", want);
	snprintf(p_horizon, sizeof p_horizon, "%lld", CSLICE_HORIZON_MS * 1000LL);
	const char *params[] = { cl->name, p_int, p_want, p_horizon };
	int64_t t0 = clock_mono_ns();
	PGresult *r = run(cl, grant_sql, 4, params, PGRES_TUPLES_OK, why);
	int64_t t1 = clock_mono_ns();
	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		*why = xstrdup("its row in psup_limits is gone");
		return -1;
	}
	a->n = atoi(PQgetvalue(r, 0, 0));
	a->start_us = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	a->hold_us = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	a->tat_us = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
	a->mid = t0 + (t1 - t0) / 2;
	PQclear(r);
	return 0;
}

/* Takes a grant's answer for interval in (under mu). */
static void grant_take(struct clusterlimit *cl, int64_t interval, const struct grant_answer *a)
{
	came_back(cl);
	if (a->hold_us > 0 && a->hold_us <= HOLD_MAX_MS * 1000) {
		int64_t until = a->mid + a->hold_us * 1000;
		if (until > cl->hold_until)
			cl->hold_until = until;
	}
	/* The caller moved to another rate meanwhile: book at that one. */
	if (interval != cl->interval)
		return;
	cslice_grant(&cl->slice, a->n, a->mid + a->start_us * 1000, interval);
	cl->asked = 0;
	if (a->n > 0)
		return;
	/* Nothing fits the horizon: not before the first place that will. */
	int64_t fits = a->mid + a->tat_us * 1000 + interval - CSLICE_HORIZON_MS * MS;
	int64_t soon = clock_mono_ns() + MS;
	cl->book_after = a->hold_us > 0 ? cl->hold_until : fits > soon ? fits : soon;
}

/* Writes a hold until `until` (local) into the row (thread, without mu). */
static int hold_run(struct clusterlimit *cl, int64_t until, char **why)
{
	int64_t left = until - clock_mono_ns();
	if (left <= 0)
		return 0;
	char p_hold[32];
	snprintf(p_hold, sizeof p_hold, "%lld", (long long)(left / 1000));
	const char *params[] = { cl->name, p_hold };
	PGresult *r = run(cl, hold_sql, 2, params, PGRES_COMMAND_OK, why);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

/* Waits on cv until `at` (local monotonic ns; the cv's clock). */
static void wait_until(struct clusterlimit *cl, int64_t at)
{
	struct timespec ts = { (time_t)(at / 1000000000LL), (long)(at % 1000000000LL) };
	pthread_cond_timedwait(&cl->cv, &cl->mu, &ts);
}

/* One piece of work (under mu, which it drops for the statement). */
static void thread_step(struct clusterlimit *cl)
{
	char *why = NULL;
	if (cl->hold_want) {
		int64_t until = cl->hold_want;
		cl->hold_want = 0;
		pthread_mutex_unlock(&cl->mu);
		int rc = hold_run(cl, until, &why);
		pthread_mutex_lock(&cl->mu);
		if (rc == 0) {
			came_back(cl);
		} else {
			went_down(cl, why);
			if (until > cl->hold_want)
				cl->hold_want = until;
		}
		return;
	}
	int64_t interval = cl->interval;
	int want = cslice_want(&cl->slice, clock_mono_ns(), interval);
	pthread_mutex_unlock(&cl->mu);
	struct grant_answer a;
	int rc = grant_run(cl, interval, want, &a, &why);
	pthread_mutex_lock(&cl->mu);
	if (rc == 0)
		grant_take(cl, interval, &a);
	else
		went_down(cl, why);
}

static void *thread_main(void *arg)
{
	struct clusterlimit *cl = arg;
	pthread_mutex_lock(&cl->mu);
	while (!cl->stop) {
		int64_t now = clock_mono_ns();
		int64_t not_before = cl->down ? cl->retry_at : 0;
		if (!cl->hold_want && cl->asked && cl->book_after > not_before)
			not_before = cl->book_after;
		if (!cl->hold_want && !cl->asked)
			pthread_cond_wait(&cl->cv, &cl->mu);
		else if (now < not_before)
			wait_until(cl, not_before);
		else
			thread_step(cl);
	}
	cl->ended = 1;
	int free_it = cl->left_behind;
	pthread_mutex_unlock(&cl->mu);
	if (free_it)
		limit_free(cl);
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
	pthread_mutex_init(&cl->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cl->cv, &ca);
	pthread_condattr_destroy(&ca);
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
		limit_free(cl);
		return -1;
	}
	int rc = bgthread_start(&cl->thread, thread_main, cl);
	if (rc != 0) {
		fail(cause, "cluster limit %s: cannot start its thread: %s", name, strerror(rc));
		limit_free(cl);
		return -1;
	}
	*out = cl;
	return 0;
}

/* Asks the thread for a booking (under mu). */
static void ask(struct clusterlimit *cl)
{
	if (!cl->asked) {
		cl->asked = 1;
		pthread_cond_signal(&cl->cv);
	}
}

int64_t clusterlimit_due(struct clusterlimit *cl, double rate_per_min, int64_t now,
    int64_t *hold_until)
{
	int64_t interval = (int64_t)(60e9 / rate_per_min);
	if (interval < 1)
		interval = 1;
	pthread_mutex_lock(&cl->mu);
	*hold_until = cl->hold_until > now ? cl->hold_until : 0;
	if (interval != cl->interval) {
		/* A new rate (learned lower): the places held are the old one's. */
		cl->interval = interval;
		cl->book_after = 0;
		cl->asked = 0;
	}
	int64_t w = cl->slice.interval == interval ? cslice_due(&cl->slice, now) : -1;
	if (w >= 0) {
		if (cslice_ahead(&cl->slice) && now >= cl->book_after)
			ask(cl);
	} else if (*hold_until) {
		w = *hold_until - now;
	} else {
		ask(cl);
		int64_t at = cl->book_after;
		if (cl->down && cl->retry_at > at)
			at = cl->retry_at;
		w = at - now > POLL_MS * MS ? at - now : POLL_MS * MS;
	}
	pthread_mutex_unlock(&cl->mu);
	return w;
}

void clusterlimit_spend(struct clusterlimit *cl)
{
	pthread_mutex_lock(&cl->mu);
	cslice_spend(&cl->slice);
	pthread_mutex_unlock(&cl->mu);
}

void clusterlimit_hold(struct clusterlimit *cl, int64_t until, int64_t now)
{
	/* Holds come in bursts (every request in flight meets the same 429):
	 * one write per hold that ends noticeably later. */
	pthread_mutex_lock(&cl->mu);
	if (until > cl->hold_asked + 100 * MS && until - now <= HOLD_MAX_MS * MS) {
		cl->hold_asked = until;
		cl->hold_want = until;
		pthread_cond_signal(&cl->cv);
	}
	pthread_mutex_unlock(&cl->mu);
}

void clusterlimit_close(struct clusterlimit *cl)
{
	if (!cl)
		return;
	/* Once left behind, cl is the thread's to free: not read after. */
	pthread_t t = cl->thread;
	pthread_mutex_lock(&cl->mu);
	cl->stop = 1;
	pthread_cond_signal(&cl->cv);
	pthread_mutex_unlock(&cl->mu);
	if (bgthread_join(t, CLOSE_MS) == 0) {
		limit_free(cl);
		return;
	}
	/* A statement that does not end (a server that takes the bytes and
	 * never answers): the thread is left to free it all when it ends,
	 * or to die with the process. */
	pthread_mutex_lock(&cl->mu);
	int ended = cl->ended;
	if (!ended) {
		cl->left_behind = 1;
		fprintf(stderr, "psup-worker: cluster limit %s: postgresql %s does not answer: "
		    "not waiting for it at exit\n", cl->name, cl->label);
	}
	pthread_mutex_unlock(&cl->mu);
	if (ended) {
		pthread_join(t, NULL);
		limit_free(cl);
	} else {
		pthread_detach(t);
	}
}
