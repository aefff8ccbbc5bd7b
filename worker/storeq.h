/* The job store off the worker's event loop: one thread runs the store's
 * synchronous calls, in the order they were asked, from a bounded queue,
 * and hands each answered call back to the loop through an eventfd. A
 * store that hangs or cannot be reached then stalls only that thread,
 * never the HTTP work on the loop. */
#ifndef PSUP_STOREQ_H
#define PSUP_STOREQ_H

#include <pthread.h>
#include <stdint.h>

#include "store.h"

struct loop;
struct storeq_call;

/* Runs on the loop when a call is answered (or dropped by storeq_stop:
 * c->dropped). The callback owns c from then on: storeq_call_free. */
typedef void storeq_done_cb(struct storeq_call *c, void *arg);

/* RELEASE puts back the call's items (items, n_items: given, freed with
 * the call; each item's attempts recorded as its store_item.attempts), or
 * every item leased to the owner when it has none; SPEND
 * sums what the finished items used (store_spend) over every endpoint. */
enum storeq_op {
	STOREQ_CLAIM, STOREQ_RENEW, STOREQ_FINISH, STOREQ_COUNTS, STOREQ_RELEASE, STOREQ_SPEND
};

/* SPEND's answer. */
struct storeq_spend {
	double cost;
	long long tokens, items;
};

/* A call and its answer. The caller fills the inputs; the store thread
 * the outputs. */
struct storeq_call {
	enum storeq_op op;
	int max;                     /* CLAIM */
	long long lease_ms;          /* CLAIM, RENEW */
	struct store_result *res;    /* FINISH: owned by the call (freed with it);
	                              * its strings stay the caller's and must
	                              * live until the callback */
	int n_res;
	storeq_done_cb *cb;
	void *arg;
	int64_t sent_ns;             /* set by storeq_send */

	int rc;                      /* 0, or -1 with cause */
	char *cause;
	int lost;                    /* failed because the server was lost (store_lost) */
	int dropped;                 /* never run: storeq_stop came first */
	struct store_item *items;    /* CLAIM: n_items; store_items_free; RELEASE: given */
	int n_items;
	int stale;                   /* FINISH */
	struct store_counts counts;  /* COUNTS */
	struct storeq_spend spend;   /* SPEND */

	struct storeq_call *next;
};

/* At most this many calls queued or running at once. */
#define STOREQ_MAX 16

struct storeq {
	struct store *store;         /* the thread's alone while it runs */
	char *owner;
	struct loop *loop;
	int efd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct storeq_call *todo, *todo_tail, *done, *done_tail;
	struct storeq_call *busy;    /* the call the thread runs now */
	int n;                       /* sent and not yet handed back */
	int stop;
};

/* A new call of op, zeroed (the caller frees it with storeq_call_free
 * when storeq_send fails, else its callback does). */
struct storeq_call *storeq_call_new(enum storeq_op op, storeq_done_cb *cb, void *arg);
/* Frees c, its res array and what it got (items, cause). */
void storeq_call_free(struct storeq_call *c);

/* Starts the thread on store s (borrowed, and not to be used elsewhere
 * until storeq_stop) for owner (copied). Returns the queue, or NULL with
 * *cause set. */
struct storeq *storeq_start(struct loop *l, struct store *s, const char *owner,
    char **cause);
/* Queues c (the queue owns it until its callback). Returns 0, or -1 when
 * STOREQ_MAX calls are out already or the queue is stopping (c stays the
 * caller's). */
int storeq_send(struct storeq *q, struct storeq_call *c);
/* When the oldest call not yet answered was sent, 0 when none is out (or
 * q is NULL). */
int64_t storeq_oldest(struct storeq *q);
/* Calls out (queued, running, or answered and not yet handed back); 0 for
 * a NULL q. */
int storeq_pending(const struct storeq *q);
/* Stops the thread after its current call, waiting at most wait_ms for it:
 * hands back the answered calls, and the queued ones as dropped, and frees
 * q. Returns 0 (the store is the caller's again), or -1 when the thread is
 * still inside a call that does not return: q and the store are then left
 * to it (never to be used or freed: the process is leaving). */
int storeq_stop(struct storeq *q, int64_t wait_ms);

#endif
