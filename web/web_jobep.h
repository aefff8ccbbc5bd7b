/* A job's endpoints in psup web. `psup-worker status --json` gives them in
 * two lists: "endpoints", the store's finished items by the endpoint that
 * answered them (items, ok, tokens, cost, mean latency), and
 * "endpoint_requests", what the workers counted of every request they sent
 * (answers by class, latency p50/p95, tokens, the rate they paced at and
 * the one the API allows). The job view and /metrics show them joined by
 * endpoint name. Pure: reads cJSON, writes new cJSON and buffers. */
#ifndef PSUP_WEB_JOBEP_H
#define PSUP_WEB_JOBEP_H
#include <cjson/cJSON.h>
#include "buf.h"

/* Endpoints shown at most per job: a job file lists at most 32, and the
 * workers' counts may still name ones an earlier version of it had. */
#define JOBEP_MAX 64

/* status's endpoints joined by name: those of endpoint_requests in their
 * order, then those only the store names. Each is
 * {"name", "requests", "req_2xx", "req_429", "req_5xx", "req_other",
 *  "no_answer", "share_429", "p50_ms", "p95_ms", "tokens", "rpm",
 *  "api_rpm", "items", "ok", "item_tokens", "cost", "mean_latency_ms"},
 * a figure null where neither list has it (name null: the items a job's
 * single request: answered). NULL when status names no endpoint (a job of
 * one request:, or a worker from before endpoints); the caller frees. */
cJSON *jobep_view(const cJSON *status);

/* One job as /metrics writes it: its label, its status and its view
 * (either may be NULL). */
struct jobep_job {
	const char *job;
	const cJSON *status, *view;
};

/* The job's spend and its endpoints' families for n jobs (families without
 * a sample are left out). */
void jobep_metrics(struct buf *b, const struct jobep_job *jobs, int n);
#endif
