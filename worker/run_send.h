/* Inside `psup-worker run`: sending an item's request and carrying out
 * what outcome_decide says of its answer. */
#ifndef PSUP_RUN_SEND_H
#define PSUP_RUN_SEND_H

struct http_request;
struct run;
struct work;

/* Sends w (rendered) as its next attempt; w joins the in-flight list. A
 * request curl refuses fails the item. */
void run_send(struct run *r, struct work *w);
/* The engine's callback for a finished request: records the outcome
 * (store, AIMD, pacer, tokens) and sends more. */
void run_send_done_cb(struct http_request *req, void *arg);
/* Drops every request in flight without an answer (their items are
 * released with the rest). */
void run_send_abort_all(struct run *r);

#endif
