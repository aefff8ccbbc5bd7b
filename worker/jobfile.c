/* Loads a job file (YAML) into a job_config, driven by one options table,
 * reporting every wrong key, type or value with FILE:LINE:COL. */
#include "jobfile.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jobfile_options.h"
#include "xalloc.h"
#include "yaml_file.h"
#include "yaml_get.h"
#include "yaml_text.h"
#include "yaml_tree.h"

#define F(field) offsetof(struct job_config, field)
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
	{ .name = "request", .type = JOB_T_SECTION, .required = 1, .offset = NOF,
	  .help = "How each item becomes an HTTP request." },
	{ .name = "request.method", .type = JOB_T_METHOD, .def = "POST", .offset = F(method),
	  .help = "HTTP method." },
	{ .name = "request.url", .type = JOB_T_URL, .required = 1, .offset = F(url),
	  .help = "http:// or https:// URL; ${VAR} is taken from the environment at run time." },
	{ .name = "request.headers", .type = JOB_T_HEADERS, .offset = NOF,
	  .help = "Map of header: value; ${VAR} in values comes from the environment "
	  "(never logged)." },
	{ .name = "request.body", .type = JOB_T_STRING, .offset = F(body),
	  .help = "Body template: {{item.FIELD}} and {{item}} become the JSON encoding of the "
	  "item's field or of the whole item." },
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
	{ .name = "limits", .type = JOB_T_SECTION, .offset = NOF,
	  .help = "Concurrency and rate limits." },
	{ .name = "limits.concurrency", .type = JOB_T_INT, .def = "16",
	  .min = 1, .max = 10000, .offset = F(concurrency),
	  .help = "Requests in flight per worker." },
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
	  .help = "Items in a worker's first claim; later claims hold about 4 s of its "
	  "recent pace (1 to 4096 items)." },
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
		"duration", "JSON pointer", "integer", "number", "name", "profile", "scope" };
	_Static_assert(sizeof names / sizeof *names == JOB_T_SCOPE + 1,
	    "a name for every job option type");
	return names[t];
}

/* 1 if the option's field in job_config is a malloc'd string. */
static int is_string_field(const struct job_option *o)
{
	switch (o->type) {
	case JOB_T_STRING:
	case JOB_T_METHOD:
	case JOB_T_URL:
	case JOB_T_POINTER:
	case JOB_T_NAME:
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

struct jload {
	struct ycx cx;
	struct job_config *jc;
	const struct ynode *given[NOPTS];
	const struct ynode *key[NOPTS];
	const struct ynode *raw[NOPTS];      /* value of a section that is not a map */
};

static int find(const char *name)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strcmp(table[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- values ---- */

static int is_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* RFC 9110 token characters: what a header name may hold. */
static int is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr("!#$%&'*+-.^_`|~", *s)))
			return 0;
	return 1;
}

static int check_pointer(const char *p, const char **why)
{
	if (p[0] != '/') {
		*why = "must start with '/' (e.g. /choices/0/message/content)";
		return -1;
	}
	for (; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1') {
			*why = "'~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')";
			return -1;
		}
	return 0;
}

static int set_headers(struct jload *J, const struct job_option *o, const struct ynode *n)
{
	char **k, **v;
	int count, bad = 0;
	if (yget_strmap(&J->cx, n, o->name, &k, &v, &count) < 0)
		return -1;
	for (int i = 0; i < count; i++) {
		const struct ynode *kn = YMAP_KEY(n, (size_t)i), *vn = YMAP_VAL(n, (size_t)i);
		if (!is_token(k[i])) {
			ycx_error(&J->cx, kn, o->name, "'%s' is not a header name", k[i]);
			bad = 1;
		} else if (has_ctl(v[i])) {
			ycx_error(&J->cx, vn, o->name, "the value of %s holds a control character "
			    "(a newline would split the header)", k[i]);
			bad = 1;
		}
		for (int j = 0; j < i; j++)
			if (strcasecmp(k[i], k[j]) == 0) {
				ycx_error(&J->cx, kn, o->name, "header %s given twice (names ignore case)",
				    k[i]);
				bad = 1;
				break;
			}
	}
	if (!bad && count) {
		J->jc->headers = xcalloc((size_t)count, sizeof *J->jc->headers);
		for (int i = 0; i < count; i++) {
			J->jc->headers[i].name = k[i];
			J->jc->headers[i].value = v[i];
			k[i] = v[i] = NULL;
		}
		J->jc->n_headers = count;
	}
	for (int i = 0; i < count; i++) {
		free(k[i]);
		free(v[i]);
	}
	free(k);
	free(v);
	return bad ? -1 : 0;
}

static void set_string(char **field, char *s)
{
	free(*field);
	*field = s;
}

static void set_value(struct jload *J, const struct job_option *o, const struct ynode *n)
{
	char *base = (char *)J->jc + (o->offset == NOF ? 0 : o->offset);
	char *s = NULL;
	long long v;
	double d;
	const char *why;
	switch (o->type) {
	case JOB_T_SECTION:
	case JOB_T_PROFILE:
		break;
	case JOB_T_STRING:
		if (yget_str(&J->cx, n, o->name, &s) == 0)
			set_string((char **)base, s);
		break;
	case JOB_T_METHOD:
		if (yget_str(&J->cx, n, o->name, &s) < 0)
			break;
		for (char *p = s; *p; p++) {
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) || p - s >= 16) {
				ycx_error(&J->cx, n, o->name, "'%s' is not an HTTP method (e.g. POST)", s);
				free(s);
				return;
			}
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		}
		if (!*s) {
			ycx_error(&J->cx, n, o->name, "is empty");
			free(s);
			return;
		}
		set_string((char **)base, s);
		break;
	case JOB_T_URL:
		if (yget_str(&J->cx, n, o->name, &s) < 0)
			break;
		if (strncmp(s, "${", 2) != 0 && strncasecmp(s, "http://", 7) != 0 &&
		    strncasecmp(s, "https://", 8) != 0) {
			ycx_error(&J->cx, n, o->name, "'%s' is not an http:// or https:// URL", s);
			free(s);
		} else if (strpbrk(s, " \t") || has_ctl(s)) {
			ycx_error(&J->cx, n, o->name, "holds a space or a control character "
			    "(encode it: %%20)");
			free(s);
		} else {
			set_string((char **)base, s);
		}
		break;
	case JOB_T_HEADERS:
		set_headers(J, o, n);
		break;
	case JOB_T_DURATION:
		yget_duration(&J->cx, n, o->name, o->min, o->max, (long long *)base);
		break;
	case JOB_T_POINTER:
		if (yget_str(&J->cx, n, o->name, &s) < 0)
			break;
		if (check_pointer(s, &why) < 0) {
			ycx_error(&J->cx, n, o->name, "'%s' is not a JSON pointer: %s", s, why);
			free(s);
		} else {
			set_string((char **)base, s);
		}
		break;
	case JOB_T_INT:
		if (yget_int(&J->cx, n, o->name, o->min, o->max, &v) == 0)
			*(int *)base = (int)v;
		break;
	case JOB_T_RATE:
		if (yget_double(&J->cx, n, o->name, (double)o->min, (double)o->max, &d) == 0)
			*(double *)base = d;
		break;
	case JOB_T_SCOPE: {
		static const char *const scopes[] = { "host", "cluster" };
		int idx;
		if (yget_enum(&J->cx, n, o->name, scopes, 2, &idx) == 0)
			*(int *)base = idx;
		break;
	}
	case JOB_T_NAME:
		if (yget_str(&J->cx, n, o->name, &s) < 0)
			break;
		if (!is_name(s)) {
			ycx_error(&J->cx, n, o->name, "'%s' is not a name (1 to 64 letters, digits, "
			    "'.', '_' or '-')", s);
			free(s);
		} else {
			set_string((char **)base, s);
		}
		break;
	}
}

/* ---- keys ---- */

static void suggest_error(struct jload *J, const struct ynode *k, const char *full,
    const char *section)
{
	const char *cands[NOPTS];
	size_t nc = 0, plen = section ? strlen(section) : 0;
	for (size_t i = 0; i < NOPTS; i++) {
		const char *dot = strchr(table[i].name, '.');
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
		const char *dot = strchr(table[i].name, '.');
		if (dot && (strcmp(dot + 1, k->str) == 0 || strcmp(table[i].name, k->str) == 0)) {
			ycx_error(&J->cx, k, full, "unknown option here (it belongs under %.*s:)",
			    (int)(dot - table[i].name), table[i].name);
			return;
		}
	}
	ycx_error(&J->cx, k, full, "unknown option");
}

static void scan(struct jload *J, const struct ynode *map, const char *section)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = YMAP_KEY(map, i), *v = YMAP_VAL(map, i);
		char *full = section ? xasprintf("%s.%s", section, k->str) : xstrdup(k->str);
		/* "request.url" written as one key is not the option: keys nest */
		int idx = !section && strchr(k->str, '.') ? -1 : find(full);
		if (idx < 0 || (section && table[idx].type == JOB_T_SECTION)) {
			suggest_error(J, k, full, section);
		} else if (table[idx].type == JOB_T_SECTION) {
			if (v->kind == YNODE_MAP) {
				J->given[idx] = v;
				J->key[idx] = k;
				scan(J, v, k->str);
			} else {
				/* null: "has no value" if required; else already reported */
				if (!ynode_is_null(v))
					ycx_error(&J->cx, v, full, "expected a map of options, got %s",
					    ynode_what(v));
				J->key[idx] = k;
				J->raw[idx] = v;
			}
		} else if (!ynode_is_null(v)) {
			J->given[idx] = v;
			J->key[idx] = k;
		} else if (table[idx].required) {
			ycx_error(&J->cx, v, full, "has no value");
			J->key[idx] = k;
		}
		free(full);
	}
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
	scan(J, root, NULL);

	/* defaults from the table, then the profile, then the file */
	for (size_t i = 0; i < NOPTS; i++)
		if (table[i].def && table[i].def[0] != '(' && table[i].offset != NOF)
			set_value(J, &table[i], yget_default_node(&fake, table[i].def));
	int pi = find("profile");
	const char *pname = "default";
	if (J->given[pi]) {
		static const char *const names[] = { "conservative", "default", "aggressive" };
		int idx;
		if (yget_enum(&J->cx, J->given[pi], "profile", names, 3, &idx) == 0)
			pname = names[idx];
	}
	const struct job_profile *p = jobfile_profile(pname);
	jc->concurrency = p->concurrency;
	jc->rpm = p->rpm;
	jc->tpm = p->tpm;
	jc->max_attempts = p->max_attempts;
	jc->base_delay_ms = p->base_delay_ms;
	jc->max_delay_ms = p->max_delay_ms;

	for (size_t i = 0; i < NOPTS; i++) {
		if (J->given[i]) {
			set_value(J, &table[i], J->given[i]);
		} else if (table[i].required) {
			const char *dot = strchr(table[i].name, '.');
			if (dot) {
				/* inside a section: reported only when the section is there */
				char *sec = xstrndup(table[i].name, (size_t)(dot - table[i].name));
				int si = find(sec);
				free(sec);
				if (si >= 0 && J->given[si] && !J->key[i])
					ycx_error(&J->cx, J->given[si], table[i].name, "missing (required)");
			} else if (J->key[i]) {
				if (ynode_is_null(J->raw[i]))
					ycx_error(&J->cx, J->key[i], table[i].name, "has no value");
			} else {
				ycx_error(&J->cx, root, table[i].name, "missing (required)");
			}
		}
	}
	int bi = find("batch");
	if (!J->given[bi])
		jc->batch = jc->concurrency > 50000 ? 100000 : 2 * jc->concurrency;
	int mi = find("retry.max_delay"), bdi = find("retry.base_delay");
	if (jc->max_delay_ms < jc->base_delay_ms && yerrs_count(&J->cx.errs) == 0)
		ycx_error(&J->cx, J->given[mi] ? J->given[mi] : J->given[bdi],
		    J->given[mi] ? "retry.max_delay" : "retry.base_delay",
		    "max_delay (%lldms) is below base_delay (%lldms)", jc->max_delay_ms,
		    jc->base_delay_ms);
}

static void jc_clear(struct job_config *jc)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (is_string_field(&table[i]))
			free(*(char **)((char *)jc + table[i].offset));
	for (int i = 0; i < jc->n_headers; i++) {
		free(jc->headers[i].name);
		free(jc->headers[i].value);
	}
	free(jc->headers);
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
