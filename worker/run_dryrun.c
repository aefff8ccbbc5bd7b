/* `psup-worker run --dry-run` (see run_dryrun.h): renders requests with
 * the run's own code (run_request.c) from items peeked at in the store,
 * never leased. */
#include "run_dryrun.h"
#include "run_request.h"
#include "run_state.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "learned.h"
#include "mask.h"
#include "progress_out.h"
#include "xalloc.h"

/* Items whose bodies are rendered to estimate the tokens of all: enough
 * for a steady average, few enough to read at once. */
#define SAMPLE 1000

/* The endpoint a run sends to first: the first listed of the highest
 * priority (route.h); the others take items only when it is saturated,
 * down, or shares its priority. */
static const struct job_endpoint *first_endpoint(const struct job_config *jc)
{
	const struct job_endpoint *best = &jc->endpoints[0];
	for (int i = 1; i < jc->n_endpoints; i++)
		if (jc->endpoints[i].priority < best->priority)
			best = &jc->endpoints[i];
	return best;
}

/* Returns 1 with *price when the endpoint prices its tokens. */
static int job_price(const struct job_endpoint *ep, struct dryrun_price *price)
{
	price->input = ep->price_input;
	price->output = ep->price_output;
	return price->input > 0 || price->output > 0;
}

double run_dryrun_items_per_min(double rpm, double tpm, double itpm, double tokens_per_item)
{
	double best = 0;
	const double by_tokens[2] = { tpm, itpm };
	if (rpm > 0)
		best = rpm;
	for (int i = 0; i < 2; i++) {
		if (by_tokens[i] <= 0 || tokens_per_item <= 0)
			continue;
		double n = by_tokens[i] / tokens_per_item;
		if (best == 0 || n < best)
			best = n;
	}
	return best;
}

double run_dryrun_cost(const struct dryrun_price *price, double input_tokens)
{
	return price && price->input > 0 ? input_tokens * price->input / 1e6 : 0;
}

/* "45s", "12m30s", "27h46m", "11d13h": a job's length, to the minute
 * where it runs for hours. */
static void span_text(double minutes, char *buf, size_t n)
{
	long long s = (long long)(minutes * 60.0 + 0.5);
	if (s < 60)
		snprintf(buf, n, "%llds", s);
	else if (s < 3600)
		snprintf(buf, n, "%lldm%02llds", s / 60, s % 60);
	else if (s < 2 * 86400)
		snprintf(buf, n, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, n, "%lldd%02lldh", s / 86400, s / 3600 % 24);
}

/* One header line as the run sends it, its value masked when it is a
 * secret: a secret's name, or a value made from ${VAR}s. raw is the job
 * file's value, NULL for the headers psup adds. */
static void print_header(FILE *out, const char *line, const char *raw)
{
	const char *colon = strchr(line, ':');
	/* curl takes "Name:" with nothing after it as "do not send Name". */
	if (!colon || !colon[1])
		return;
	const char *val = colon + 1;
	while (*val == ' ')
		val++;
	char *name = xstrndup(line, (size_t)(colon - line));
	char *shown;
	if (mask_header_name(name))
		shown = mask_value(val);
	else if (raw && strstr(raw, "${"))
		shown = mask_vars(raw);
	else
		shown = xstrdup(val);
	fprintf(out, "%s: %s\n", name, shown);
	free(shown);
	free(name);
}

static void print_request(FILE *out, const struct job_endpoint *ep, const struct run_request *rq,
    const struct work *w, int i, int n)
{
	fprintf(out, "--- request %d of %d: item %s", i, n, w->it.id);
	if (ep->name)
		fprintf(out, " on endpoint %s", ep->name);
	fputc('\n', out);
	char *url = mask_vars(ep->url);
	fprintf(out, "%s %s\n", ep->method, url);
	free(url);
	int k = 0;
	for (const struct curl_slist *h = rq->headers; h; h = h->next, k++)
		print_header(out, h->data, k < ep->n_headers ? ep->headers[k].value : NULL);
	if (w->body) {
		fputc('\n', out);
		fwrite(w->body, 1, w->body_len, out);
		fputc('\n', out);
	}
}

/* A limit of the whole job: the sum of its endpoints', 0 when one of
 * them has none (it is then limited by the API alone). */
static double limit_sum(const struct job_config *jc, size_t offset)
{
	double sum = 0;
	for (int i = 0; i < jc->n_endpoints; i++) {
		double v = *(const double *)((const char *)&jc->endpoints[i] + offset);
		if (v <= 0)
			return 0;
		sum += v;
	}
	return sum;
}

/* The limits a run paces at: the job file's (summed over its endpoints),
 * else what the workers of this job learned from the API (status shows
 * the same). */
static void limits_of(const char *url, const struct job_config *jc, double *rpm, double *tpm,
    double *itpm, const char **from)
{
	struct learned l;
	char key[33];
	char *cause = NULL;
	*rpm = limit_sum(jc, offsetof(struct job_endpoint, rpm));
	*tpm = limit_sum(jc, offsetof(struct job_endpoint, tpm));
	*itpm = limit_sum(jc, offsetof(struct job_endpoint, itpm));
	*from = "as the job file sets them";
	progress_out_job_key(url, key);
	int have = learned_read(key, &l, &cause);
	free(cause);
	if (have != 1 || (*rpm > 0 && (*tpm > 0 || *itpm > 0)))
		return;
	if (*rpm <= 0)
		*rpm = l.api_rpm > 0 ? l.api_rpm : l.rpm;
	if (*tpm <= 0)
		*tpm = l.api_tpm > 0 ? l.api_tpm : l.tpm;
	*from = "as set or learned by earlier runs";
}

static void print_estimate(FILE *out, const char *url, const struct job_config *jc,
    const struct store_counts *c, double tokens_per_item, int sampled)
{
	double tokens = tokens_per_item * (double)c->pending;
	fprintf(out, "--- estimate\n");
	fprintf(out, "items     %lld pending", c->pending);
	if (c->leased)
		fprintf(out, " (and %lld leased to running workers)", c->leased);
	fprintf(out, "\n");
	fprintf(out, "tokens    about %.0f input tokens (%.0f per item over the first %d; "
	    "about 4 bytes of body a token, as the pacer counts them)\n", tokens,
	    tokens_per_item, sampled);
	double rpm, tpm, itpm;
	const char *from;
	limits_of(url, jc, &rpm, &tpm, &itpm, &from);
	double per_min = run_dryrun_items_per_min(rpm, tpm, itpm, tokens_per_item);
	if (per_min > 0 && c->pending > 0) {
		char span[32];
		span_text((double)c->pending / per_min, span, sizeof span);
		fprintf(out, "time      about %s at %.0f items/min (rpm %.0f, tpm %.0f, itpm %.0f; "
		    "0 = none), %s\n", span, per_min, rpm, tpm, itpm, from);
	} else if (c->pending > 0) {
		fprintf(out, "time      no request or token limit set or learned: it depends on "
		    "the API's latency (concurrency %d)\n", jc->concurrency);
	}
	struct dryrun_price price;
	const struct job_endpoint *ep = first_endpoint(jc);
	if (job_price(ep, &price) && price.input > 0)
		fprintf(out, "cost      about %.4f for the input tokens at %.2f per million%s%s "
		    "(output tokens cost what the answers count)\n",
		    run_dryrun_cost(&price, tokens), price.input, ep->name ? " on " : "",
		    ep->name ? ep->name : "");
}

/* Renders items[0..n) (their bodies freed again): prints the first limit,
 * and returns their average input tokens as the pacer estimates them. */
static double render_items(FILE *out, const struct job_endpoint *ep, const struct run_request *rq,
    struct store_item *items, int n, int limit)
{
	double sum = 0;
	int shown = n < limit ? n : limit;
	for (int i = 0; i < n; i++) {
		struct work w = { .it = items[i] };
		char *why = NULL;
		if (run_request_render(rq, &w, &why) < 0) {
			if (i < shown)
				fprintf(out, "--- request %d of %d: item %s cannot be rendered, a run "
				    "fails it: %s\n", i + 1, shown, w.it.id, why);
			free(why);
			continue;
		}
		sum += w.cost[LEARN_INPUT];
		if (i < shown)
			print_request(out, ep, rq, &w, i + 1, shown);
		free(w.body);
	}
	return n ? sum / n : 0;
}

int run_dryrun(const char *url, const char *config, struct job_config *jc,
    const struct store_filter *where, int limit, FILE *out)
{
	struct run_request rq = { 0 };
	struct store *s = NULL;
	struct store_item *items = NULL;
	struct store_counts counts;
	int n = 0, code = CMD_OK;
	char *cause = NULL;
	const struct job_endpoint *ep = first_endpoint(jc);
	if (run_request_prepare(&rq, ep, jc->path, &cause) < 0) {
		fprintf(stderr, "psup-worker: %s: %s\n", config, cause);
		code = CMD_USAGE;
		goto out;
	}
	if (store_open_existing(url, &s, &cause) < 0)
		goto fail;
	store_where(s, where);
	if (store_counts(s, &counts, &cause) < 0 ||
	    store_peek(s, limit > SAMPLE ? limit : SAMPLE, &items, &n, &cause) < 0)
		goto fail;
	fprintf(out, "dry run: nothing is sent, nothing is claimed\n");
	double per_item = render_items(out, ep, &rq, items, n, limit);
	print_estimate(out, url, jc, &counts, per_item, n);
	goto out;
fail:
	fprintf(stderr, "psup-worker: %s\n", cause);
	code = CMD_RUNTIME;
out:
	free(cause);
	store_items_free(items, n);
	store_close(s);
	run_request_free(&rq);
	jobfile_free(jc);
	return code;
}
