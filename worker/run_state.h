/* Inside `psup-worker run`: the state of one run and of each claimed item,
 * shared by the run_*.c files (run.c the loop, run_claim.c claims and
 * leases, run_send.c requests and answers, run_record.c committing results
 * and progress, run_request.c the request template). Nothing else includes
 * it. */
#ifndef PSUP_RUN_STATE_H
#define PSUP_RUN_STATE_H

#include <stdint.h>

#include "aimd.h"
#include "claimsize.h"
#include "deadline.h"
#include "engine.h"
#include "failstreak.h"
#include "jobfile.h"
#include "loop.h"
#include "outcome.h"
#include "pacer.h"
#include "progress_out.h"
#include "run_budget.h"
#include "runstats.h"
#include "store.h"
#include "storelink.h"
#include "storeq.h"
#include "workq.h"

#define MS 1000000LL

/* One claimed item, from claim to commit. Owned by whichever list holds it:
 * the work queue, the in-flight list, or the run's fin array. */
struct work {
	struct workq_node node;      /* first: a node pointer is a work pointer */
	struct store_item it;
	int attempts;                /* made in this run */
	char *body;                  /* rendered request body, NULL until rendered */
	size_t body_len;
	double cost[LEARN_N];        /* charged to each budget (pacer.h): 1 request,
	                              * estimated tokens; output tokens < 0 until
	                              * the pacer estimates them */
	struct http_request req;
	int ep;                      /* the endpoint of its last attempt (r->ep) */
	int ep_body;                 /* 1 + the endpoint its body is rendered for, 0 none */
	int ep_attempts;             /* attempts in a row on ep */
	int probe;                   /* sent as the probe of a resting endpoint */
	int too_large;               /* its answer passed ENGINE_RESP_MAX */
	uint32_t avoid;              /* bit i: endpoints it failed on, tried last */
	struct work *fl_prev, *fl_next; /* in the in-flight list while sent */
	/* the outcome, once final */
	int ok;
	long status;
	int64_t latency_ms;
	char *result, *error;
	long long tokens;
	double spend;                /* at its endpoint's price */
};

/* The request every item is sent to an endpoint as, built once from the
 * job file. */
struct run_request {
	struct template *body_tpl;   /* NULL: no body */
	char *url;                   /* ${VAR}s expanded */
	struct curl_slist *headers;
	struct http_target target;
};

struct run {
	struct job_config jc;
	struct outcome_policy policy;  /* from jc */
	struct store *store;
	char *owner;
	struct run_endpoint *ep;     /* the job's endpoints (run_endpoint.h) */
	int n_ep, n_ep_out;          /* how many, and how many are out for good */
	struct run_budget budget;
	int64_t ep_stats_at;         /* when the endpoints' stats were last written */

	struct loop *loop;
	struct engine *engine;
	struct aimd aimd;            /* concurrency of the whole worker */
	uint64_t rng;
	struct progress_out prog;
	struct deadline pace_timer, retry_timer, lease_timer, flush_timer;
	struct deadline idle_timer, progress_timer, stop_timer;

	struct workq q;
	struct work *flight;         /* requests in flight (doubly linked) */
	struct work **fin;           /* final outcomes waiting for commit */
	int n_fin, cap_fin;
	int flush_failures;
	int claim_failures;          /* in a row; too many ends the run */

	int claim_exhausted;         /* the last claim found nothing */
	int64_t idle_wait;           /* ns until the next look after a claim that
	                              * found nothing: 0 while claims find items */
	int64_t dry_at;              /* when a claim last found nothing */
	struct claimsize claim_pace; /* sizes claims to our pace */
	int stopping;                /* SIGTERM: finish in-flight, then leave */
	int finished;                /* leave the loop */
	int exit_code;
	char *halt;                  /* why a restart cannot help (progress.h's
	                              * "halt", in the last report), or NULL */

	/* counters for the summary */
	long long n_ok, n_failed, n_requests, n_retries, n_429, n_stale;
	struct runstats stats;       /* the answers, for progress reports */
	struct failstreak streak;    /* the run's first ends, all failed alike? */
	int64_t learned_at;          /* when the learned limits were last reported */
	int64_t start_ns;
	/* job-wide counts for progress: the last store reading plus our commits since */
	struct store_counts counts;
	int64_t counts_at;
	int64_t counts_asked;        /* when the counts under way were asked for */
	int64_t counts_cost;         /* how long the last reading took (ns) */
	long long ok_since, failed_since;

	/* The store off the loop (run_store.h): one call of each kind out at
	 * a time; fin[0..n_commit) are being committed. */
	struct storeq *sq;           /* NULL before and after the loop */
	struct storelink link;
	struct deadline store_timer;
	int claiming, renewing, counting, n_commit;
	int done_check;              /* the counts asked decide whether we are done */
	int phantoms;                /* a claim was lost: items may be leased to us
	                              * that we never heard of */
	int store_stuck;             /* the store thread never came back */
};

/* A log line on stderr ("psup-worker: ..."), clearing a terminal progress
 * line first. */
void run_log(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void run_work_free(struct work *w);

/* run.c: sends what the limits allow, claims more when the queue runs dry. */
void run_pump(struct run *r);
/* run.c: ends the run when nothing is left here or in the store. */
void run_maybe_done(struct run *r);
/* run.c: stops sending: items not sent go back to the queue at once, those
 * in flight get a grace time to finish; why says what asked ("SIGTERM"). */
void run_stop(struct run *r, const char *why);
/* run.c: run_stop, for a reason no restart can mend (a refused key, a
 * used-up quota): halt, what a person must do, goes in the last progress
 * report, so psup marks the app errored instead of restarting it into
 * the same answer. */
void run_halt(struct run *r, const char *why, const char *halt);
/* run.c: queues w to be sent again at due (monotonic ns). */
void run_schedule_retry(struct run *r, struct work *w, int64_t due);

#endif
