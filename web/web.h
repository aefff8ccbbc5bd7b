/* psup web: the state every part of the helper shares. One process, one
 * event loop (common/loop.c): the HTTP server (libmicrohttpd driven from
 * the loop), the live streams, the daemon client and the job readers. */
#ifndef PSUP_WEB_H
#define PSUP_WEB_H
#include <stdint.h>
#include "web_apps.h"

struct loop;
struct MHD_Daemon;
struct sse;
struct web_jobs;

#define WEB_TICK_MS 500         /* log streams are read this often */
#define WEB_LIST_MS 1000        /* the daemon is asked for its list this often... */
#define WEB_LIST_IDLE_MS 5000   /* ...backing off to this while no page watches and
                                 * nothing changes (/metrics alone) */
#define WEB_ACTION_MS 120000    /* the longest a start/stop/restart may take */
#define WEB_CONN_MAX 64         /* HTTP connections at once */
#define WEB_SSE_MAX 32          /* of which live streams */
#define WEB_SSE_QUEUE_MAX (4u << 20) /* queued for one stream; more: dropped */

struct web {
	struct loop *l;
	struct MHD_Daemon *mhd;
	uint64_t mhd_timer;
	char *home;             /* $PSUP_HOME */
	char *sock;             /* its psup.sock */
	char *token;            /* NULL: loopback only, no token */
	char *worker;           /* psup-worker (beside psup-web) */
	struct web_apps apps;
	int list_busy;          /* a list request is in flight */
	int64_t next_list;      /* monotonic ms */
	int list_every;         /* ms, while no page watches */
	struct sse *sse;        /* live streams */
	int n_sse;
	struct web_jobs *jobs;
	int stopping;           /* shutting down: streams end on purpose */
	/* counters shown in /metrics */
	unsigned long long requests, refused, actions, sse_dropped, list_errors;
};

/* Ask the daemon for its list soon (after an action). */
void web_list_soon(struct web *w);
#endif
