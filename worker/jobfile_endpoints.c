/* The job file's endpoints: list (see jobfile_load.h). Each entry starts
 * from the file's own defaults (request method and timeout, response:,
 * limits:), so a list of two keys of one provider repeats only what
 * differs. */
#include "jobfile_load.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "yaml_tree.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* What an endpoint takes from the file before its own keys. */
static void inherit(struct job_endpoint *ep, const struct job_config *jc)
{
	ep->method = dup_or_null(jc->method);
	ep->timeout_ms = jc->timeout_ms;
	ep->extract = dup_or_null(jc->extract);
	ep->usage = dup_or_null(jc->usage);
	ep->input_usage = dup_or_null(jc->input_usage);
	ep->output_usage = dup_or_null(jc->output_usage);
	ep->json_result = jc->json_result;
	ep->require = dup_or_null(jc->require);
	ep->concurrency = jc->concurrency;
	ep->rpm = jc->rpm;
	ep->tpm = jc->tpm;
	ep->itpm = jc->itpm;
	ep->otpm = jc->otpm;
	ep->weight = ep->priority = 1;
}

static void entry_load(struct jload *J, const struct ynode *map, struct job_endpoint *ep)
{
	size_t n;
	const struct job_option *t = jobfile_options(&n);
	struct jscan S;
	memset(&S, 0, sizeof S);
	inherit(ep, J->jc);
	jobfile_scan(J, &S, map, "endpoints", "endpoints");
	for (size_t i = 0; i < n; i++)
		if (t[i].list && S.given[i])
			jobfile_value_set(J, &t[i], S.given[i], ep);
	jobfile_check_required(J, &S, map, 1);
}

void jobfile_endpoints_load(struct jload *J, const struct ynode *seq)
{
	struct job_config *jc = J->jc;
	if (seq->kind != YNODE_SEQ || seq->n == 0) {
		ycx_error(&J->cx, seq, "endpoints", "expected a list of endpoints (- name: ..., "
		    "url: ...), got %s", seq->kind == YNODE_SEQ ? "an empty list" : ynode_what(seq));
		return;
	}
	if (seq->n > JOB_ENDPOINTS_MAX) {
		ycx_error(&J->cx, seq, "endpoints", "%zu endpoints: at most %d", seq->n,
		    JOB_ENDPOINTS_MAX);
		return;
	}
	jc->endpoints = xcalloc(seq->n, sizeof *jc->endpoints);
	jc->n_endpoints = (int)seq->n;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *e = seq->items[i];
		if (e->kind != YNODE_MAP) {
			ycx_error(&J->cx, e, "endpoints", "expected a map (name:, url:, ...), got %s",
			    ynode_what(e));
			continue;
		}
		entry_load(J, e, &jc->endpoints[i]);
		const char *name = jc->endpoints[i].name;
		for (size_t j = 0; name && j < i; j++)
			if (jc->endpoints[j].name && strcmp(jc->endpoints[j].name, name) == 0) {
				ycx_error(&J->cx, ymap_get(e, "name"), "endpoints.name", "'%s' is the "
				    "name of endpoint %zu too (line %d)", name, j + 1,
				    seq->items[j]->line);
				break;
			}
	}
}

void jobfile_endpoints_implicit(struct job_config *jc)
{
	struct job_endpoint *ep = xcalloc(1, sizeof *ep);
	inherit(ep, jc);
	ep->url = dup_or_null(jc->url);
	ep->body = dup_or_null(jc->body);
	ep->shared = dup_or_null(jc->shared);
	if (jc->n_headers) {
		ep->headers = xcalloc((size_t)jc->n_headers, sizeof *ep->headers);
		for (int i = 0; i < jc->n_headers; i++) {
			ep->headers[i].name = xstrdup(jc->headers[i].name);
			ep->headers[i].value = xstrdup(jc->headers[i].value);
		}
		ep->n_headers = jc->n_headers;
	}
	jc->endpoints = ep;
	jc->n_endpoints = 1;
}

void jobfile_endpoints_free(struct job_config *jc)
{
	for (int e = 0; e < jc->n_endpoints; e++)
		jobfile_value_free(&jc->endpoints[e], 1, jc->endpoints[e].headers,
		    jc->endpoints[e].n_headers);
	free(jc->endpoints);
	jc->endpoints = NULL;
	jc->n_endpoints = 0;
}
