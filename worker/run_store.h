/* Inside `psup-worker run`: the job store off the loop. Calls go to the
 * store thread (storeq.h); each answer passes here first, where the link's
 * lifecycle (storelink.h) says when the store went away, when to try a
 * lost call again, and when it is back; a watchdog notices calls that go
 * unanswered. */
#ifndef PSUP_RUN_STORE_H
#define PSUP_RUN_STORE_H

#include <stdint.h>

#include "storeq.h"

struct run;

/* What an answer means for its caller. */
enum run_store_answer {
	RUN_STORE_OK,        /* the call succeeded */
	RUN_STORE_AWAY,      /* the store could not be reached: try again at *retry_at */
	RUN_STORE_FAILED,    /* the store answered with an error (c->cause) */
};

/* Starts the store thread on r's store. Returns 0, or -1 with *cause. */
int run_store_start(struct run *r, char **cause);
/* Sends c (a new call of storeq_call_new) to the thread. Returns 0, or -1
 * when the queue is full (c is freed: the caller tries again later). */
int run_store_send(struct run *r, struct storeq_call *c);
/* Reads c's answer into the link's lifecycle (logging away and back). */
enum run_store_answer run_store_answer(struct run *r, const struct storeq_call *c,
    int64_t *retry_at);
/* Stops the thread, handing back its answers, after the loop. Returns 0,
 * or -1 when the store never came back from its call (logged; the store
 * is not to be touched again). */
int run_store_stop(struct run *r);
void run_store_timer_cb(void *arg);

#endif
