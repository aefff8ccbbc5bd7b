/* Ops (ops.c): replies that wait until apps reach a state (start: running;
 * stop: stopped; restart: a new pid; delete: keeper gone; wait: finished),
 * each bounded by a deadline on the loop. An op is owned by struct daemon's
 * list; it is buried once answered and freed by the sweep. */
#ifndef PSUP_OPS_H
#define PSUP_OPS_H

#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "daemon_core.h"

/* What one app of an op must reach. */
enum dop_kind {
	OP_START,       /* a keeper runs it (or after: holds it) */
	OP_STOP,        /* stopped, completed or errored; or no keeper */
	OP_RESTART,     /* running again with a new pid */
	OP_DELETE,      /* keeper gone, APPDIR removed */
	OP_ACK,         /* the keeper answered the request */
	OP_WAIT,        /* completed, errored or stopped */
	OP_KILL,        /* keeper gone (then the daemon exits) */
};

struct dop_app {
	enum dop_kind kind;
	int id;                     /* looked up again each time: apps may go */
	uint64_t seq;               /* keeper request to be acked first, 0 = none */
	pid_t old_pid;
	unsigned stops;             /* the app's stop count when added */
	int done;
	int failed;
	char why[320];
};

struct dop {
	struct dop *next;
	struct daemon *d;
	enum dop_kind kind;
	struct dclient *client;     /* NULL once the client left */
	struct dop_app *apps;
	int n, cap;
	int64_t deadline;           /* monotonic, 0 = none; grows as apps are added */
	uint64_t timer;             /* armed at the deadline when it was set: on
	                             * firing it re-arms if the deadline moved */
	cJSON *reply;               /* owned; sent when every app is done */
	unsigned pick;              /* marks its apps (struct dapp's picked) */
	int dead;
};

/* What each app adds to an op's bound (not to `wait`'s, the user's own):
 * the daemon launches or stops thousands of apps in turn. */
#define OPS_PER_APP_MS 10

/* A new op answering client c (NULL: nobody), failing after timeout_ms
 * (0: no limit) plus OPS_PER_APP_MS per app added. The client is busy
 * until the op is answered. */
struct dop *ops_new(struct daemon *d, struct dclient *c, enum dop_kind kind, int64_t timeout_ms);
/* Adds an app that must reach kind's state (after request seq is acked);
 * an app already in op stays as it was. Called while op is made, before
 * another op is. */
void ops_add_app(struct dop *op, struct dapp *a, enum dop_kind kind, uint64_t seq);
/* Re-checks every waiting op; answers those that are done. */
void ops_check(struct daemon *d);
/* Called whenever an app's state may have changed: releases or fails
 * `after:` gates, then answers the ops that are done, until nothing more
 * changes. Safe to call from within itself (it loops instead). */
void ops_changed(struct daemon *d);
void ops_free(struct dop *op);

#endif
