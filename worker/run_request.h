/* Inside `psup-worker run`: the job file's request made ready to send
 * (${VAR}s expanded, headers built, body template compiled), and each
 * item's body rendered from it. */
#ifndef PSUP_RUN_REQUEST_H
#define PSUP_RUN_REQUEST_H

struct job_endpoint;
struct run_request;
struct work;

/* Fills rq from ep (which must outlive rq: the target borrows from it);
 * path is the job file's, for messages. Returns 0, or -1 with *cause
 * naming what is wrong (an unset variable, a bad template). Free rq with
 * run_request_free either way. */
int run_request_prepare(struct run_request *rq, const struct job_endpoint *ep, const char *path,
    char **cause);
void run_request_free(struct run_request *rq);

/* Renders w's body once (kept for its retries) and estimates its cost in
 * tokens. Returns 0, or -1 with *why (malloc'd) when the item cannot be
 * rendered. */
int run_request_render(const struct run_request *rq, struct work *w, char **why);

#endif
