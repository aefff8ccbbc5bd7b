/* `psup-worker status`: where a job stands: counts by state, attempts,
 * error classes, throughput and tokens, as a table or as JSON. */
#include "cmd.h"
#include "epstats.h"
#include "filter.h"
#include "learned.h"
#include "progress_out.h"
#include "store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "xalloc.h"

static const char status_usage[] =
	"usage: psup-worker status --job STORE [--where FIELD=VALUE]... [--json]\n"
	"\n"
	"Shows the job's items by state (pending, leased, done, failed), attempts,\n"
	"failed items grouped by HTTP status and error, throughput between the first\n"
	"and the last finished item, tokens used, and the request rate the workers\n"
	"pace at with what the API says it allows.\n"
	"\n"
	"  --job STORE   sqlite:PATH, a plain path, or postgresql://...\n"
	"  --where FIELD=VALUE\n"
	"                only the items whose tag (tag=NAME) or top-level field\n"
	"                has that value; several are ANDed\n"
	"  --json        one JSON object instead of the table\n";

/* Items finished per second between the first and the last finish; 0 when
 * that span is too short to tell. */
static double throughput(const struct store_counts *c)
{
	long long span = c->last_finish_ms - c->first_finish_ms;
	long long n = c->done + c->failed;
	if (span < 1000 || n < 2)
		return 0;
	return (double)(n - 1) * 1000.0 / (double)span;
}

static double pct(long long part, long long total)
{
	return total ? 100.0 * (double)part / (double)total : 0;
}

/* "42s", "12m05s", "3h07m": units.h has a shorter form for tables; here
 * the extra digit helps read a rate. */
static void format_span(long long ms, char *buf, size_t n)
{
	long long s = ms / 1000;
	if (s < 60)
		snprintf(buf, n, "%llds", s);
	else if (s < 3600)
		snprintf(buf, n, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, n, "%lldh%02lldm", s / 3600, s / 60 % 60);
}

static void format_time(long long ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!ms || !localtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, n, "-");
}

/* The pace the workers reported last, and what the API allows when the
 * user's rpm leaves room below it. */
static void print_limits(const struct learned *l)
{
	char age[40];
	format_span(clock_real_ms() - l->at_ms, age, sizeof age);
	printf("limit     ");
	if (l->rpm > 0)
		printf("%.0f requests/min", l->rpm);
	else
		printf("no request limit");
	if (l->api_rpm > 0 && l->user_rpm > 0 && l->user_rpm < l->api_rpm)
		printf(" as set (rpm); the API allows %.0f", l->api_rpm);
	else if (l->api_rpm > 0)
		printf(", learned: the API allows %.0f", l->api_rpm);
	else if (l->rpm > 0 && (l->user_rpm <= 0 || l->rpm < l->user_rpm))
		printf(", learned from the API's 429s");
	printf(" (reported %s ago)\n", age);
}

/* What the finished items used, by endpoint (store_spend's rows). */
struct spend {
	struct store_spend *v;   /* endpoint names malloc'd */
	int n;
	double cost;
	long long items;
	int named;               /* a row names an endpoint */
};

static int spend_cb(const struct store_spend *sp, void *arg, char **cause)
{
	(void)cause;
	struct spend *x = arg;
	x->v = xreallocarray(x->v, (size_t)x->n + 1, sizeof *x->v);
	x->v[x->n] = *sp;
	x->v[x->n].endpoint = sp->endpoint ? xstrdup(sp->endpoint) : NULL;
	x->named |= sp->endpoint != NULL;
	x->cost += sp->cost;
	x->items += sp->items;
	x->n++;
	return 0;
}

static void spend_free(struct spend *x)
{
	for (int i = 0; i < x->n; i++)
		free((char *)x->v[i].endpoint);
	free(x->v);
}

/* The cost of every item at the pace so far. */
static double projected(const struct spend *x, const struct store_counts *c)
{
	return x->items ? x->cost / (double)x->items * (double)c->total : 0;
}

static double mean_latency(const struct store_spend *sp)
{
	return sp->items ? (double)sp->latency_ms / (double)sp->items : 0;
}

static void print_spend(const struct spend *x, const struct store_counts *c)
{
	if (x->cost > 0)
		printf("spend     %.4f so far; about %.4f for all %lld items at this pace\n", x->cost,
		    projected(x, c), c->total);
	if (!x->named)
		return;
	printf("endpoints (finished items answered by each)\n");
	for (int i = 0; i < x->n; i++) {
		const struct store_spend *sp = &x->v[i];
		printf("  %-16s %8lld items, %lld ok, %lld tokens, cost %.4f, mean latency %.0f ms\n",
		    sp->endpoint ? sp->endpoint : "(request)", sp->items, sp->ok, sp->tokens, sp->cost,
		    mean_latency(sp));
	}
}

/* What the workers saw of each endpoint (epstats.h). */
static void print_requests(const struct epstats *v, int n)
{
	if (n == 0)
		return;
	printf("requests  (by endpoint, as its workers counted them)\n");
	for (int i = 0; i < n; i++) {
		printf("  %-16s %8lld: %lld 2xx, %lld 429, %lld 5xx, %lld other, %lld no answer; "
		    "latency p50 %lld ms, p95 %lld ms; %lld tokens", v[i].name, v[i].requests, v[i].ok,
		    v[i].limited, v[i].server, v[i].other, v[i].failed,
		    (long long)latency_quantile(&v[i].lat, 0.5),
		    (long long)latency_quantile(&v[i].lat, 0.95), v[i].tokens);
		if (v[i].rpm > 0)
			printf("; paced at %.0f/min", v[i].rpm);
		if (v[i].api_rpm > 0)
			printf(", the API allows %.0f", v[i].api_rpm);
		putchar('\n');
	}
}

static void requests_json(cJSON *o, const struct epstats *v, int n)
{
	cJSON *a = cJSON_AddArrayToObject(o, "endpoint_requests");
	for (int i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", v[i].name);
		cJSON_AddNumberToObject(e, "requests", (double)v[i].requests);
		cJSON_AddNumberToObject(e, "2xx", (double)v[i].ok);
		cJSON_AddNumberToObject(e, "429", (double)v[i].limited);
		cJSON_AddNumberToObject(e, "5xx", (double)v[i].server);
		cJSON_AddNumberToObject(e, "other", (double)v[i].other);
		cJSON_AddNumberToObject(e, "no_answer", (double)v[i].failed);
		cJSON_AddNumberToObject(e, "tokens", (double)v[i].tokens);
		cJSON_AddNumberToObject(e, "p50_ms", (double)latency_quantile(&v[i].lat, 0.5));
		cJSON_AddNumberToObject(e, "p95_ms", (double)latency_quantile(&v[i].lat, 0.95));
		cJSON_AddNumberToObject(e, "latency_sum_ms", (double)v[i].lat.sum_ms);
		cJSON_AddNumberToObject(e, "rpm", v[i].rpm);
		cJSON_AddNumberToObject(e, "api_rpm", v[i].api_rpm);
		cJSON_AddItemToArray(a, e);
	}
}

static void print_table(const char *job, const char *subset, const struct store_counts *c,
    const struct store_error_class *ec, int n_ec)
{
	long long finished = c->done + c->failed;
	printf("job       %s\n", job);
	if (subset)
		printf("where     %s\n", subset);
	printf("items     %lld\n", c->total);
	printf("  pending %lld (%.1f%%)\n", c->pending, pct(c->pending, c->total));
	printf("  leased  %lld (%.1f%%)", c->leased, pct(c->leased, c->total));
	if (c->expired)
		printf(", %lld with an expired lease (reclaimed by the next worker)", c->expired);
	putchar('\n');
	printf("  done    %lld (%.1f%%)\n", c->done, pct(c->done, c->total));
	printf("  failed  %lld (%.1f%%)\n", c->failed, pct(c->failed, c->total));
	if (finished)
		printf("attempts  %lld (%.2f per finished item)\n", c->attempts,
		    (double)c->attempts / (double)finished);
	else
		printf("attempts  0\n");
	printf("tokens    %lld\n", c->tokens);
	double rate = throughput(c);
	if (finished) {
		char first[32], last[32], span[40];
		format_time(c->first_finish_ms, first, sizeof first);
		format_time(c->last_finish_ms, last, sizeof last);
		format_span(c->last_finish_ms - c->first_finish_ms, span, sizeof span);
		if (rate > 0)
			printf("rate      %.1f items/s over %s (%s to %s)\n", rate, span, first, last);
		else
			printf("rate      - (finished %s to %s)\n", first, last);
		long long left = c->pending + c->leased;
		if (rate > 0 && left > 0) {
			char eta[40];
			format_span((long long)((double)left / rate * 1000.0), eta, sizeof eta);
			printf("left      %lld items, about %s at that rate\n", left, eta);
		}
	}
	if (n_ec > 0) {
		printf("errors    (failed items by HTTP status and error)\n");
		for (int i = 0; i < n_ec; i++) {
			char status[16];
			if (ec[i].http_status)
				snprintf(status, sizeof status, "%d", ec[i].http_status);
			else
				snprintf(status, sizeof status, "-");
			printf("  %8lld  %-4s %s\n", ec[i].count, status,
			    ec[i].prefix[0] ? ec[i].prefix : "(no message)");
		}
	}
}

static void print_json(const char *job, const char *subset, const struct store_counts *c,
    const struct store_error_class *ec, int n_ec, const struct learned *l,
    const struct spend *x, const struct epstats *rq, int n_rq)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "job", job);
	if (subset)
		cJSON_AddStringToObject(o, "where", subset);
	cJSON_AddNumberToObject(o, "total", (double)c->total);
	cJSON_AddNumberToObject(o, "pending", (double)c->pending);
	cJSON_AddNumberToObject(o, "leased", (double)c->leased);
	cJSON_AddNumberToObject(o, "expired", (double)c->expired);
	cJSON_AddNumberToObject(o, "done", (double)c->done);
	cJSON_AddNumberToObject(o, "failed", (double)c->failed);
	cJSON_AddNumberToObject(o, "attempts", (double)c->attempts);
	cJSON_AddNumberToObject(o, "tokens", (double)c->tokens);
	cJSON_AddNumberToObject(o, "first_finish_ms", (double)c->first_finish_ms);
	cJSON_AddNumberToObject(o, "last_finish_ms", (double)c->last_finish_ms);
	cJSON_AddNumberToObject(o, "items_per_s", throughput(c));
	if (l) {
		cJSON *lim = cJSON_AddObjectToObject(o, "limits");
		cJSON_AddNumberToObject(lim, "rpm", l->rpm);
		cJSON_AddNumberToObject(lim, "user_rpm", l->user_rpm);
		cJSON_AddNumberToObject(lim, "api_rpm", l->api_rpm);
		cJSON_AddNumberToObject(lim, "tpm", l->tpm);
		cJSON_AddNumberToObject(lim, "api_tpm", l->api_tpm);
		cJSON_AddNumberToObject(lim, "reported_ms", (double)l->at_ms);
	}
	cJSON_AddNumberToObject(o, "cost", x->cost);
	cJSON_AddNumberToObject(o, "projected_cost", projected(x, c));
	cJSON *eps = cJSON_AddArrayToObject(o, "endpoints");
	for (int i = 0; i < x->n && x->named; i++) {
		cJSON *e = cJSON_CreateObject();
		if (x->v[i].endpoint)
			cJSON_AddStringToObject(e, "name", x->v[i].endpoint);
		else
			cJSON_AddNullToObject(e, "name");
		cJSON_AddNumberToObject(e, "items", (double)x->v[i].items);
		cJSON_AddNumberToObject(e, "ok", (double)x->v[i].ok);
		cJSON_AddNumberToObject(e, "tokens", (double)x->v[i].tokens);
		cJSON_AddNumberToObject(e, "cost", x->v[i].cost);
		cJSON_AddNumberToObject(e, "mean_latency_ms", mean_latency(&x->v[i]));
		cJSON_AddItemToArray(eps, e);
	}
	requests_json(o, rq, n_rq);
	cJSON *errs = cJSON_AddArrayToObject(o, "errors");
	for (int i = 0; i < n_ec; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "http_status", ec[i].http_status);
		cJSON_AddStringToObject(e, "error", ec[i].prefix);
		cJSON_AddNumberToObject(e, "count", (double)ec[i].count);
		cJSON_AddItemToArray(errs, e);
	}
	char *text = cJSON_PrintUnformatted(o);
	puts(text);
	free(text);
	cJSON_Delete(o);
}

int cmd_status(int argc, char **argv)
{
	const char *job = NULL;
	int json = 0, code;
	struct cmd_where where = { 0 };
	const struct cmd_opt opts[] = {
		{ .name = "job", .letter = 'j', .value = &job, .required = "--job STORE" },
		{ .name = "json", .flag = &json },
		{ .name = "where", .letter = 'w', .add = cmd_where_add, .arg = &where },
		{ 0 },
	};
	struct store *s = NULL;
	if (cmd_start("status", status_usage, argc, argv, opts, &where, 0, &s, &code) < 0) {
		cmd_where_free(&where);
		return code;
	}
	struct store_counts counts;
	struct store_error_class *ec = NULL;
	struct spend spent = { 0 };
	int n_ec = 0, rc = CMD_OK;
	char *cause = NULL;
	if (store_counts(s, &counts, &cause) < 0 ||
	    store_error_classes(s, &ec, &n_ec, &cause) < 0 ||
	    store_spend(s, spend_cb, &spent, &cause) < 0) {
		cmd_error("status", cause);
		free(cause);
		rc = CMD_RUNTIME;
	} else {
		char *shown = cmd_store_display(job);
		char key[33];
		struct learned l;
		progress_out_job_key(job, key);
		int have = learned_read(key, &l, &cause);
		if (have < 0) {
			/* Only the limits line is lost: say so, show the rest. */
			cmd_error("status", cause);
			free(cause);
			cause = NULL;
		}
		struct epstats *rq = NULL;
		int n_rq = 0;
		if (epstats_read(key, &rq, &n_rq, &cause) < 0) {
			cmd_error("status", cause);
			free(cause);
			cause = NULL;
		}
		char *subset = where.f.n ? filter_text(&where.f) : NULL;
		if (json) {
			print_json(shown, subset, &counts, ec, n_ec, have == 1 ? &l : NULL, &spent, rq,
			    n_rq);
		} else {
			print_table(shown, subset, &counts, ec, n_ec);
			print_spend(&spent, &counts);
			print_requests(rq, n_rq);
			if (have == 1)
				print_limits(&l);
		}
		free(subset);
		free(rq);
		free(shown);
	}
	store_error_classes_free(ec, n_ec);
	spend_free(&spent);
	store_close(s);
	cmd_where_free(&where);
	if (fflush(stdout) != 0) {
		cmd_error("status", "cannot write to standard output");
		rc = CMD_RUNTIME;
	}
	return rc;
}
