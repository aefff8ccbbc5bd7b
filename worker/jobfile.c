/* Loads a job file (YAML) into a job_config, driven by one options table,
 * reporting every wrong key, type or value with FILE:LINE:COL. */
#include "jobfile.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jobfile_load.h"
#include "jobfile_options.h"
#include "xalloc.h"
#include "yaml_file.h"
#include "yaml_get.h"
#include "yaml_text.h"
#include "yaml_tree.h"

#define F(field) offsetof(struct job_config, field)
/* A field of each endpoints: entry. */
#define E(field) .list = 1, .offset = offsetof(struct job_endpoint, field)
#define NOF ((size_t)-1)
#define DAY_MS (24LL * 60 * 60 * 1000)
/* A JSON pointer into the response, unset by default. */
#define POINTER(key, field) .name = key, .type = JOB_T_POINTER, .offset = F(field)
/* A per-minute rate, 0 (unlimited) by default. */
#define RATE(key, field) .name = key, .type = JOB_T_RATE, .def = "0", .min = 0, \
	.max = 1000000000, .offset = F(field)

static const struct job_option table[] = {
	{ .name = "profile", .type = JOB_T_PROFILE, .def = "default", .offset = NOF,
	  .help = "Preset of limits and retry: conservative, default or aggressive (see the "
	  "profiles); the defaults shown are the default profile's, and explicit keys win." },
	{ .name = "request", .type = JOB_T_SECTION, .offset = NOF,
	  .help = "How each item becomes an HTTP request (required, unless endpoints: is "
	  "given)." },
	{ .name = "request.method", .type = JOB_T_METHOD, .def = "POST", .offset = F(method),
	  .help = "HTTP method." },
	{ .name = "request.url", .type = JOB_T_URL, .required = 1, .offset = F(url),
	  .help = "http:// or https:// URL; ${VAR} is taken from the environment at run time." },
	{ .name = "request.headers", .type = JOB_T_HEADERS, .offset = NOF,
	  .help = "Map of header: value; ${VAR} in values comes from the environment "
	  "(never logged)." },
	{ .name = "request.body", .type = JOB_T_BODY, .offset = F(body),
	  .help = "Body template: {{item.FIELD}} and {{item}} become the JSON encoding of the "
	  "item's field or of the whole item; inside a JSON string (\"Define {{item.word}}\") "
	  "they become part of that string. JSON text, or the body written as YAML (a map: "
	  "block scalars for long prompts), sent as JSON; there a quoted \"{{item.FIELD}}\" "
	  "alone is the value itself. {{item.FIELD | number}}, | json and | string make a "
	  "string cell a number, the JSON it holds, or a value a string." },
	{ .name = "request.timeout", .type = JOB_T_DURATION, .def = "30s",
	  .min = 1, .max = DAY_MS, .offset = F(timeout_ms),
	  .help = "Whole-request timeout; a timeout is retried." },
	{ .name = "response", .type = JOB_T_SECTION, .offset = NOF,
	  .help = "How to read a response." },
	{ POINTER("response.extract", extract),
	  .help = "JSON pointer to the result (e.g. /choices/0/message/content); unset: the "
	  "whole body." },
	{ POINTER("response.usage", usage),
	  .help = "JSON pointer to the tokens used (e.g. /usage/total_tokens), summed in "
	  "status and counted against tpm." },
	{ POINTER("response.input_usage", input_usage),
	  .help = "JSON pointer to the input tokens used (e.g. /usage/input_tokens), counted "
	  "against itpm." },
	{ POINTER("response.output_usage", output_usage),
	  .help = "JSON pointer to the output tokens used (e.g. /usage/output_tokens), counted "
	  "against otpm; without usage, status sums input and output." },
	{ .name = "response.json", .type = JOB_T_BOOL, .def = "false", .offset = F(json_result),
	  .help = "The result is JSON a model wrote (in a string, a ```json fence allowed): "
	  "stored and exported as that JSON value; an answer that is not JSON is retried "
	  "(retry.max_attempts), then fails saying so, at once when the model stopped at its "
	  "token limit." },
	{ .name = "response.require", .type = JOB_T_KEYS, .offset = F(require),
	  .help = "What the JSON result must hold: keys of its object, or JSON pointers "
	  "(/senses/0/definition), a list; a result without one, or with it null, is retried, "
	  "then fails saying which. Implies response.json." },
	{ .name = "limits", .type = JOB_T_SECTION, .offset = NOF,
	  .help = "Concurrency and rate limits." },
	{ .name = "limits.concurrency", .type = JOB_T_INT, .def = "16",
	  .min = 1, .max = 10000, .offset = F(concurrency),
	  .help = "Requests in flight per worker (fewer, said at start, where its file "
	  "descriptor limit is short: the limit less 32)." },
	{ RATE("limits.rpm", rpm),
	  .help = "Requests per minute for the job's workers on this host together (on every "
	  "host with scope: cluster; 0: unlimited); lowered to what the API is learned to "
	  "allow, never raised." },
	{ RATE("limits.tpm", tpm),
	  .help = "Tokens per minute, estimated from the request size until response.usage "
	  "counts them (0: unlimited)." },
	{ RATE("limits.itpm", itpm),
	  .help = "Input tokens per minute (Anthropic's ITPM), estimated from the request size "
	  "until response.input_usage counts them (0: unlimited)." },
	{ RATE("limits.otpm", otpm),
	  .help = "Output tokens per minute (Anthropic's OTPM), counted by "
	  "response.output_usage; a request is estimated at the average answer (0: "
	  "unlimited)." },
	{ .name = "limits.shared", .type = JOB_T_NAME, .offset = F(shared),
	  .help = "Share the limits (and what is learned of the API's) with every worker on "
	  "this host that uses the same name, across jobs; unset: the job's own workers "
	  "share them." },
	{ .name = "limits.scope", .type = JOB_T_SCOPE, .def = "host", .offset = F(scope_cluster),
	  .help = "host, or cluster: with a PostgreSQL store the request limit (rpm) and "
	  "Retry-After holds are shared by every host's workers of the job, through a row of "
	  "psup_limits in its database." },
	{ .name = "retry", .type = JOB_T_SECTION, .offset = NOF,
	  .help = "Retries of 408, 429, 5xx, timeouts and connection errors, with exponential "
	  "backoff and full jitter." },
	{ .name = "retry.max_attempts", .type = JOB_T_INT, .def = "4",
	  .min = 1, .max = 100, .offset = F(max_attempts),
	  .help = "Attempts per item, the first included." },
	{ .name = "retry.base_delay", .type = JOB_T_DURATION, .def = "500ms",
	  .min = 0, .max = DAY_MS, .offset = F(base_delay_ms),
	  .help = "Backoff before the first retry; doubles each attempt." },
	{ .name = "retry.max_delay", .type = JOB_T_DURATION, .def = "30s",
	  .min = 0, .max = DAY_MS, .offset = F(max_delay_ms),
	  .help = "Cap of the backoff; at least base_delay." },
	{ .name = "lease", .type = JOB_T_DURATION, .def = "5m",
	  .min = 1000, .max = DAY_MS, .offset = F(lease_ms),
	  .help = "How long a claimed item stays with its worker without renewal; a killed "
	  "worker's items return to the queue after it." },
	{ .name = "batch", .type = JOB_T_INT, .def = "(2 x concurrency)",
	  .min = 1, .max = 100000, .offset = F(batch),
	  .help = "Items in a worker's first claim; later claims hold about 2 s of its "
	  "recent pace (1 to 4096 items)." },
	{ .name = "fallback_after", .type = JOB_T_INT, .def = "2", .min = 1, .max = 100,
	  .offset = F(fallback_after),
	  .help = "With endpoints: transient failures (5xx, 429, timeouts) of an item on one "
	  "endpoint before it moves to the next." },
	{ .name = "cooldown", .type = JOB_T_DURATION, .def = "10s", .min = 100, .max = DAY_MS,
	  .offset = F(cooldown_ms),
	  .help = "How long an endpoint whose answers keep failing (5xx, overloaded, "
	  "connection errors: 5 in a row of one of several, 10 of a job's only one) rests "
	  "before one probe request tries it again; a failed probe costs the item no attempt." },
	{ .name = "budget", .type = JOB_T_SECTION, .offset = NOF,
	  .help = "What the whole job may spend, over every run and worker (the spend is "
	  "kept in the store): on reaching it the workers finish the requests in flight, "
	  "claim nothing more and exit 4; raise it and run again to go on." },
	{ .name = "budget.max_cost", .type = JOB_T_RATE, .def = "0", .min = 0, .max = 1000000000,
	  .offset = F(max_cost),
	  .help = "Money, in the unit of the endpoints' price: (0: no limit)." },
	{ .name = "budget.max_tokens", .type = JOB_T_RATE, .def = "0", .min = 0,
	  .max = 1000000000000000LL, .offset = F(max_tokens),
	  .help = "Tokens counted by the usage pointers (0: no limit)." },
	{ .name = "endpoints", .type = JOB_T_LIST, .offset = NOF,
	  .help = "Instead of request: a list of endpoints (keys, regions, providers) that "
	  "share the items, each with the options endpoints.* below; response: and limits: "
	  "(but shared) of the file are their defaults." },
	{ .name = "endpoints.name", .type = JOB_T_NAME, .required = 1, E(name),
	  .help = "The endpoint's name, unique in the file: in results, status and the name "
	  "of its shared limit." },
	{ .name = "endpoints.url", .type = JOB_T_URL, .required = 1, E(url),
	  .help = "As request.url." },
	{ .name = "endpoints.method", .type = JOB_T_METHOD, .def = "POST", E(method),
	  .help = "As request.method." },
	{ .name = "endpoints.headers", .type = JOB_T_HEADERS, E(headers),
	  .help = "As request.headers: each endpoint its own ${KEY}." },
	{ .name = "endpoints.body", .type = JOB_T_BODY, E(body),
	  .help = "As request.body." },
	{ .name = "endpoints.timeout", .type = JOB_T_DURATION, .def = "30s",
	  .min = 1, .max = DAY_MS, E(timeout_ms), .help = "As request.timeout." },
	{ .name = "endpoints.response", .type = JOB_T_SECTION, .list = 1, .offset = NOF,
	  .help = "As response: (whose values are the defaults)." },
	{ .name = "endpoints.response.extract", .type = JOB_T_POINTER, E(extract),
	  .help = "As response.extract." },
	{ .name = "endpoints.response.usage", .type = JOB_T_POINTER, E(usage),
	  .help = "As response.usage." },
	{ .name = "endpoints.response.input_usage", .type = JOB_T_POINTER, E(input_usage),
	  .help = "As response.input_usage." },
	{ .name = "endpoints.response.output_usage", .type = JOB_T_POINTER, E(output_usage),
	  .help = "As response.output_usage." },
	{ .name = "endpoints.response.json", .type = JOB_T_BOOL, .def = "(response.json)",
	  E(json_result), .help = "As response.json, for this endpoint's answers." },
	{ .name = "endpoints.response.require", .type = JOB_T_KEYS, .def = "(response.require)",
	  E(require), .help = "As response.require, for this endpoint's answers." },
	{ .name = "endpoints.limits", .type = JOB_T_SECTION, .list = 1, .offset = NOF,
	  .help = "The endpoint's own limits (limits: gives the defaults)." },
	{ .name = "endpoints.limits.concurrency", .type = JOB_T_INT, .def = "(limits.concurrency)",
	  .min = 1, .max = 10000, E(concurrency),
	  .help = "Requests in flight to it per worker (limits.concurrency caps them all)." },
	{ .name = "endpoints.limits.rpm", .type = JOB_T_RATE, .def = "(limits.rpm)", .min = 0,
	  .max = 1000000000, E(rpm), .help = "As limits.rpm, for this endpoint." },
	{ .name = "endpoints.limits.tpm", .type = JOB_T_RATE, .def = "(limits.tpm)", .min = 0,
	  .max = 1000000000, E(tpm), .help = "As limits.tpm, for this endpoint." },
	{ .name = "endpoints.limits.itpm", .type = JOB_T_RATE, .def = "(limits.itpm)", .min = 0,
	  .max = 1000000000, E(itpm), .help = "As limits.itpm, for this endpoint." },
	{ .name = "endpoints.limits.otpm", .type = JOB_T_RATE, .def = "(limits.otpm)", .min = 0,
	  .max = 1000000000, E(otpm), .help = "As limits.otpm, for this endpoint." },
	{ .name = "endpoints.limits.shared", .type = JOB_T_NAME, E(shared),
	  .help = "As limits.shared; unset: the job's workers share the endpoint's limits." },
	{ .name = "endpoints.weight", .type = JOB_T_INT, .def = "1", .min = 1, .max = 1000,
	  E(weight),
	  .help = "Share of the items among endpoints of one priority, times what their "
	  "limits allow (two keys of 600 rpm give 1200 rpm)." },
	{ .name = "endpoints.priority", .type = JOB_T_INT, .def = "1", .min = 1, .max = 100,
	  E(priority),
	  .help = "1 is tried first; an endpoint of priority 2 takes items only while those "
	  "of 1 are saturated or down, and so on." },
	{ .name = "endpoints.price", .type = JOB_T_SECTION, .list = 1, .offset = NOF,
	  .help = "What its tokens cost, per million (any currency, one for all endpoints): "
	  "each result's cost is kept, status sums it, budget.max_cost caps it." },
	{ .name = "endpoints.price.input", .type = JOB_T_RATE, .def = "0", .min = 0,
	  .max = 1000000, E(price_input),
	  .help = "Per 1M input tokens (response.input_usage; response.usage when only it "
	  "counts)." },
	{ .name = "endpoints.price.output", .type = JOB_T_RATE, .def = "0", .min = 0,
	  .max = 1000000, E(price_output),
	  .help = "Per 1M output tokens (response.output_usage)." },
};

#define NOPTS (sizeof table / sizeof *table)

static const struct job_profile profiles[] = {
	{ .name = "conservative", .concurrency = 4, .rpm = 60, .tpm = 0, .max_attempts = 6,
	  .base_delay_ms = 1000, .max_delay_ms = 60000 },
	{ .name = "default", .concurrency = 16, .rpm = 0, .tpm = 0, .max_attempts = 4,
	  .base_delay_ms = 500, .max_delay_ms = 30000 },
	{ .name = "aggressive", .concurrency = 64, .rpm = 0, .tpm = 0, .max_attempts = 3,
	  .base_delay_ms = 200, .max_delay_ms = 10000 },
};

const struct job_option *jobfile_options(size_t *n)
{
	*n = NOPTS;
	return table;
}

const char *jobfile_option_type_name(enum job_opt_type t)
{
	/* In the order of enum job_opt_type. */
	static const char *const names[] = { "section", "string", "method", "URL", "map",
		"duration", "JSON pointer", "integer", "number", "name", "profile", "list", "scope",
		"bool", "string or map", "keys" };
	_Static_assert(sizeof names / sizeof *names == JOB_T_KEYS + 1,
	    "a name for every job option type");
	return names[t];
}

_Static_assert(NOPTS <= JOBFILE_OPTS_MAX, "JOBFILE_OPTS_MAX holds the table");

int jobfile_is_string_field(const struct job_option *o)
{
	switch (o->type) {
	case JOB_T_STRING:
	case JOB_T_METHOD:
	case JOB_T_URL:
	case JOB_T_POINTER:
	case JOB_T_NAME:
	case JOB_T_BODY:
	case JOB_T_KEYS:
		return o->offset != NOF;
	default:
		return 0;
	}
}

const struct job_profile *jobfile_profile(const char *name)
{
	size_t n;
	const struct job_profile *p = jobfile_profiles(&n);
	while (n > 0 && strcasecmp(p->name, name) != 0) {
		p++;
		n--;
	}
	return n > 0 ? p : NULL;
}

const struct job_profile *jobfile_profiles(size_t *n)
{
	*n = sizeof profiles / sizeof *profiles;
	return profiles;
}

int jobfile_find(const char *name)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strcmp(table[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- keys ---- */

static void suggest_error(struct jload *J, const struct ynode *k, const char *full,
    const char *section)
{
	const char *cands[NOPTS];
	size_t nc = 0, plen = section ? strlen(section) : 0;
	for (size_t i = 0; i < NOPTS; i++) {
		const char *dot = strrchr(table[i].name, '.');
		if (section && dot && (size_t)(dot - table[i].name) == plen &&
		    strncmp(table[i].name, section, plen) == 0)
			cands[nc++] = dot + 1;
		else if (!section && !dot)
			cands[nc++] = table[i].name;
	}
	const char *hint = ytext_suggest(k->str, cands, nc);
	if (hint) {
		ycx_error(&J->cx, k, full, "unknown option (did you mean %s?)", hint);
		return;
	}
	/* a leaf of another section written in the wrong place, or dotted */
	for (size_t i = 0; i < NOPTS; i++) {
		const char *dot = strrchr(table[i].name, '.');
		if (dot && (strcmp(dot + 1, k->str) == 0 || strcmp(table[i].name, k->str) == 0)) {
			ycx_error(&J->cx, k, full, "unknown option here (it belongs under %.*s:)",
			    (int)(dot - table[i].name), table[i].name);
			return;
		}
	}
	ycx_error(&J->cx, k, full, "unknown option");
}

void jobfile_scan(struct jload *J, struct jscan *S, const struct ynode *map,
    const char *section, const char *root)
{
	int sections_here = section == root || (section && root && strcmp(section, root) == 0);
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = YMAP_KEY(map, i), *v = YMAP_VAL(map, i);
		char *full = section ? xasprintf("%s.%s", section, k->str) : xstrdup(k->str);
		/* "request.url" written as one key is not the option: keys nest */
		int idx = strchr(k->str, '.') ? -1 : jobfile_find(full);
		if (idx < 0 || (!sections_here && table[idx].type == JOB_T_SECTION)) {
			suggest_error(J, k, full, section);
		} else if (table[idx].type == JOB_T_SECTION) {
			if (v->kind == YNODE_MAP) {
				S->given[idx] = v;
				S->key[idx] = k;
				jobfile_scan(J, S, v, full, root);
			} else {
				/* null: "has no value" if required; else already reported */
				if (!ynode_is_null(v))
					ycx_error(&J->cx, v, full, "expected a map of options, got %s",
					    ynode_what(v));
				S->key[idx] = k;
				S->raw[idx] = v;
			}
		} else if (!ynode_is_null(v)) {
			S->given[idx] = v;
			S->key[idx] = k;
		} else if (table[idx].required) {
			ycx_error(&J->cx, v, full, "has no value");
			S->key[idx] = k;
		}
		free(full);
	}
}

void jobfile_check_required(struct jload *J, const struct jscan *S, const struct ynode *at,
    int list)
{
	for (size_t i = 0; i < NOPTS; i++) {
		if (!table[i].required || table[i].list != list || S->given[i])
			continue;
		const char *dot = strrchr(table[i].name, '.');
		if (dot && (!list || strchr(table[i].name, '.') != dot)) {
			/* inside a section: reported only when the section is there */
			char *sec = xstrndup(table[i].name, (size_t)(dot - table[i].name));
			int si = jobfile_find(sec);
			free(sec);
			if (si >= 0 && S->given[si] && !S->key[i])
				ycx_error(&J->cx, S->given[si], table[i].name, "missing (required)");
		} else if (S->key[i]) {
			if (ynode_is_null(S->raw[i]))
				ycx_error(&J->cx, S->key[i], table[i].name, "has no value");
		} else {
			ycx_error(&J->cx, at, table[i].name, "missing (required)");
		}
	}
}

/* Where items go: request: or the endpoints: list, one of them. */
static void load_endpoints(struct jload *J, const struct ynode *root)
{
	const struct jscan *S = &J->top;
	int ri = jobfile_find("request");
	int si = jobfile_find("limits.shared");
	const struct ynode *req = S->key[ri], *eps = ymap_get(root, "endpoints");
	if (req && !S->given[ri]) {
		if (ynode_is_null(S->raw[ri]))
			ycx_error(&J->cx, req, "request", "has no value");
	} else if (req && eps) {
		ycx_error(&J->cx, eps, "endpoints", "request: is given too (line %d): use one of "
		    "them", req->line);
	} else if (!req && !eps) {
		ycx_error(&J->cx, root, "request", "missing (required): give request: or "
		    "endpoints:");
	} else if (eps) {
		if (S->given[si])
			ycx_error(&J->cx, S->given[si], "limits.shared", "with endpoints: name each "
			    "endpoint's shared limit under its own limits:");
		jobfile_endpoints_load(J, eps);
	}
	if (yerrs_count(&J->cx.errs) == 0 && !eps)
		jobfile_endpoints_implicit(J->jc);
	/* A budget nothing counts would never stop the job. */
	int priced = 0, counted = 0;
	for (int i = 0; i < J->jc->n_endpoints; i++) {
		const struct job_endpoint *ep = &J->jc->endpoints[i];
		priced |= ep->price_input > 0 || ep->price_output > 0;
		counted |= ep->usage || ep->input_usage || ep->output_usage;
	}
	int mi = jobfile_find("budget.max_cost"), ti = jobfile_find("budget.max_tokens");
	if (yerrs_count(&J->cx.errs) > 0)
		return;
	if (J->jc->max_cost > 0 && !priced)
		ycx_error(&J->cx, S->given[mi], "budget.max_cost", "no endpoint has a price: "
		    "(endpoints: ... price: {input: N, output: N}, per 1M tokens)");
	if ((J->jc->max_cost > 0 || J->jc->max_tokens > 0) && !counted)
		ycx_error(&J->cx, S->given[J->jc->max_cost > 0 ? mi : ti],
		    J->jc->max_cost > 0 ? "budget.max_cost" : "budget.max_tokens", "nothing counts "
		    "tokens: set response.usage (or input_usage and output_usage)");
}

static void load_root(struct jload *J, const struct ynode *root)
{
	struct job_config *jc = J->jc;
	struct ynode fake;

	if (!root || root->kind != YNODE_MAP) {
		if (!root)
			yerrs_add(&J->cx.errs, J->cx.file, 1, 1, NULL, "the file is empty (expected "
			    "request:, response:, limits:, retry:)");
		else
			ycx_error(&J->cx, root, NULL, "expected a map of options (request:, limits:, "
			    "...), got %s", ynode_what(root));
		return;
	}
	jobfile_scan(J, &J->top, root, NULL, NULL);
	const struct jscan *S = &J->top;

	/* defaults from the table, then the profile, then the file */
	for (size_t i = 0; i < NOPTS; i++)
		if (table[i].def && table[i].def[0] != '(' && table[i].offset != NOF && !table[i].list)
			jobfile_value_set(J, &table[i], yget_default_node(&fake, table[i].def), jc);
	int pi = jobfile_find("profile");
	const char *pname = "default";
	if (S->given[pi]) {
		static const char *const names[] = { "conservative", "default", "aggressive" };
		int idx;
		if (yget_enum(&J->cx, S->given[pi], "profile", names, 3, &idx) == 0)
			pname = names[idx];
	}
	const struct job_profile *p = jobfile_profile(pname);
	jc->concurrency = p->concurrency;
	jc->rpm = p->rpm;
	jc->tpm = p->tpm;
	jc->max_attempts = p->max_attempts;
	jc->base_delay_ms = p->base_delay_ms;
	jc->max_delay_ms = p->max_delay_ms;

	for (size_t i = 0; i < NOPTS; i++)
		if (S->given[i])
			jobfile_value_set(J, &table[i], S->given[i], jc);
	jobfile_check_required(J, S, root, 0);
	int bi = jobfile_find("batch");
	if (!S->given[bi])
		jc->batch = jc->concurrency > 50000 ? 100000 : 2 * jc->concurrency;
	int mi = jobfile_find("retry.max_delay"), bdi = jobfile_find("retry.base_delay");
	if (jc->max_delay_ms < jc->base_delay_ms && yerrs_count(&J->cx.errs) == 0)
		ycx_error(&J->cx, S->given[mi] ? S->given[mi] : S->given[bdi],
		    S->given[mi] ? "retry.max_delay" : "retry.base_delay",
		    "max_delay (%lldms) is below base_delay (%lldms)", jc->max_delay_ms,
		    jc->base_delay_ms);
	load_endpoints(J, root);
}

static void jc_clear(struct job_config *jc)
{
	jobfile_endpoints_free(jc);
	jobfile_value_free(jc, 0, jc->headers, jc->n_headers);
	free(jc->path);
	memset(jc, 0, sizeof *jc);
}

static int load(const char *name, const char *abs, const char *buf, size_t len,
    struct job_config *jc, char ***errors, int *n_errors)
{
	struct jload J = { .jc = jc };
	struct ydoc doc = { 0 };

	memset(jc, 0, sizeof *jc);
	J.cx.file = name;
	if (ydoc_load(name, buf, len, &doc, &J.cx.errs) == 0)
		load_root(&J, doc.root);
	ydoc_free(&doc);
	int failed = yerrs_count(&J.cx.errs) > 0;
	if (failed)
		jc_clear(jc);
	jc->path = ypath_resolve(NULL, abs ? abs : name);
	*errors = yerrs_take(&J.cx.errs, n_errors);
	ycx_free(&J.cx);
	return failed ? -1 : 0;
}

int jobfile_load_buffer(const char *name, const char *buf, unsigned long len,
    struct job_config *jc, char ***errors, int *n_errors)
{
	return load(name, NULL, buf, (size_t)len, jc, errors, n_errors);
}

int jobfile_load(const char *path, struct job_config *jc, char ***errors, int *n_errors)
{
	char *buf, *cause;
	size_t len;
	if (yfile_read(path, &buf, &len, &cause) < 0) {
		memset(jc, 0, sizeof *jc);
		jc->path = ypath_resolve(NULL, path);
		*errors = xcalloc(1, sizeof **errors);
		(*errors)[0] = cause;
		*n_errors = 1;
		return -1;
	}
	int r = load(path, path, buf, len, jc, errors, n_errors);
	free(buf);
	return r;
}

void jobfile_free(struct job_config *jc)
{
	jc_clear(jc);
}

void jobfile_errors_free(char **errors, int n)
{
	for (int i = 0; i < n; i++)
		free(errors[i]);
	free(errors);
}
