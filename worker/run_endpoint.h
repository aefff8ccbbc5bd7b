/* Inside `psup-worker run`: the job's endpoints at run time, each with its
 * request, pacer (its own shared limit), concurrency and circuit breaker;
 * which one an item goes to (route.c decides), and what an answer means
 * for the endpoint (breaker.c decides) and for where its item goes next. */
#ifndef PSUP_RUN_ENDPOINT_H
#define PSUP_RUN_ENDPOINT_H

#include <stdint.h>

#include "aimd.h"
#include "breaker.h"
#include "epstats.h"
#include "outcome.h"
#include "pacer.h"
#include "run_state.h"

struct run_endpoint {
	const struct job_endpoint *cfg; /* in the run's job_config */
	const char *name;            /* cfg->name, or "request" */
	struct run_request request;
	struct outcome_policy policy; /* the run's, with its response pointers */
	struct pacer pacer;
	struct aimd aimd;            /* its concurrency, lowered by its 429s */
	struct breaker breaker;
	int inflight;
	double sent;                 /* requests routed to it (route.h) */
	double api_rpm_told;         /* the API's advertised rpm last logged */
	int refusal_window;          /* answers left in which a 429 or 503 is not
	                              * lone (outcome.h): OUTCOME_LONE_ANSWERS
	                              * after one, counting down */
	struct epstats stats;        /* for status (several endpoints only) */
	char down_why[64];           /* the failure that last rested it, for the note */
};

/* Sets up r->ep from r->jc (url is the job store's, where scope: cluster
 * keeps the limits; config names the job file in messages, which are
 * printed). Returns a CMD_* code; run_endpoints_close either way. */
int run_endpoints_open(struct run *r, const char *url, const char *config);
void run_endpoints_close(struct run *r);

struct note_facts;
/* The endpoints' part of the progress note (note.h): how many are in use,
 * resting, since when and why, and the hold of a Retry-After. */
void run_endpoints_note(struct run *r, int64_t now, struct note_facts *f);

/* Where w goes now: RUN_EP_SEND (w->ep set, its body rendered for it and
 * its cost taken from that endpoint's limits), RUN_EP_WAIT (*wait ns until
 * a pacer or a resting endpoint may take it, 0: until an answer comes; or
 * the budget is spent and the run stops: w may be gone), or RUN_EP_BAD
 * (the item cannot be rendered: *why, malloc'd). */
enum { RUN_EP_SEND, RUN_EP_WAIT, RUN_EP_BAD };
int run_endpoint_pick(struct run *r, struct work *w, int64_t now, int64_t *wait, char **why);

/* w, picked for its endpoint, could not be sent after all: its place in
 * flight is given back, and a probe that never went counts as failed (its
 * endpoint rests again rather than wait for an answer that cannot come). */
void run_endpoint_unsent(struct run *r, struct work *w, int64_t now);

/* What the answer to w (on w->ep, with its outcome o and w->status) means
 * for the endpoint: with several, its breaker, and a permanent error about
 * the endpoint (401, 403, quota used up, an untrusted certificate) takes
 * it out; with one, such a refusal stops the run (every item would meet
 * it). Returns what becomes
 * of w: RUN_ANS_KEEP (what o says), RUN_ANS_MOVE (to another endpoint now,
 * instead: the caller requeues it), RUN_ANS_RELEASE (no endpoint is left
 * and the run stops: the caller frees it, the store gets it back). */
enum { RUN_ANS_KEEP, RUN_ANS_MOVE, RUN_ANS_RELEASE };
int run_endpoint_answered(struct run *r, struct work *w, const struct outcome *o, int64_t now);

/* The limits of all endpoints together, per minute (progress). */
void run_endpoints_view(struct run *r, int64_t now, struct pacer_view *v);

#endif
