/* `psup-worker run --dry-run`: the first requests of a job rendered as a
 * run would send them (secrets masked), and an estimate for the whole job
 * (items, input tokens, time at the limits, cost when the job file prices
 * its tokens). Sends nothing, claims nothing. */
#ifndef PSUP_RUN_DRYRUN_H
#define PSUP_RUN_DRYRUN_H

#include <stdio.h>

struct job_config;
struct store_filter;

/* What a million tokens cost, 0 when not given. */
struct dryrun_price {
	double input, output;
};

/* Prints the first limit requests of the store at url (of where's items;
 * NULL: all) to out, then the estimate. config names the job file in
 * messages. Takes *jc (frees it and zeroes it). Returns a CMD_* code:
 * USAGE when the job file's request cannot be built, RUNTIME when the
 * store fails. */
int run_dryrun(const char *url, const char *config, struct job_config *jc,
    const struct store_filter *where, int limit, FILE *out);

/* Items per minute that the limits allow for items of tokens_per_item
 * input tokens each: the tightest of rpm, tpm and itpm (0 = no such
 * limit). 0 when none is set. */
double run_dryrun_items_per_min(double rpm, double tpm, double itpm, double tokens_per_item);

/* The cost of input_tokens at price (its input price), 0 when it has none. */
double run_dryrun_cost(const struct dryrun_price *price, double input_tokens);

#endif
