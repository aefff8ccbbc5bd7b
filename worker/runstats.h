/* What a run's requests came to, for its progress reports: answers by
 * status class, retries, latency, tokens and cost. One struct counts one
 * set of requests (the run's, or one endpoint's); the caller owns it and
 * zeroed is empty. Pure. */
#ifndef PSUP_RUNSTATS_H
#define PSUP_RUNSTATS_H

#include <stdint.h>

#include "latency.h"
#include "outcome.h"
#include "progress.h"

enum runstats_class {
	RUNSTATS_2XX,
	RUNSTATS_4XX,            /* other than 429 */
	RUNSTATS_429,
	RUNSTATS_5XX,
	RUNSTATS_OTHER,          /* no HTTP answer (timeout, connection), or 1xx/3xx */
	RUNSTATS_CLASSES,
};

struct runstats {
	long long req[RUNSTATS_CLASSES];
	long long retries;       /* answers that sent their item round again */
	long long tokens, tokens_in, tokens_out; /* as the API counted them */
	double cost_usd;         /* from the endpoint's price, when it has one */
	struct latency lat;
};

/* The class of an answer's HTTP status (0: none came). */
enum runstats_class runstats_class(long status);
/* Counts one finished request: its status (0 when none came), its latency
 * and what outcome.c decided of it (a retry, the tokens it used). */
void runstats_note(struct runstats *s, long status, int64_t latency_ms, const struct outcome *o);
/* Adds what a request cost (its tokens at the endpoint's price). */
void runstats_add_cost(struct runstats *s, double usd);
/* Puts the counts into a report's stats fields (PROGRESS_STAT_*); marks
 * none when no request finished yet. */
void runstats_report(const struct runstats *s, struct progress *p);

#endif
