/* The request template (see run_request.h). */
#include "run_request.h"
#include "run_state.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "jsonptr.h"
#include "template.h"
#include "xalloc.h"

/* Appends line to rq's headers. Returns 0, or -1 with *cause. */
static int header_add(struct run_request *rq, const char *line, char **cause)
{
	struct curl_slist *nl = curl_slist_append(rq->headers, line);
	if (!nl)
		return fail(cause, "out of memory building headers");
	rq->headers = nl;
	return 0;
}

int run_request_prepare(struct run_request *rq, const struct job_endpoint *ep, const char *path,
    char **cause)
{
	if (template_expand_env(ep->url, "url", &rq->url, cause) < 0)
		return -1;
	int have_ctype = 0;
	for (int i = 0; i < ep->n_headers; i++) {
		char *what = xasprintf("header %s", ep->headers[i].name);
		char *val = NULL;
		int rc = template_expand_env(ep->headers[i].value, what, &val, cause);
		free(what);
		if (rc < 0)
			return -1;
		if (strcasecmp(ep->headers[i].name, "Content-Type") == 0)
			have_ctype = 1;
		char *line = xasprintf("%s: %s", ep->headers[i].name, val);
		free(val);
		rc = header_add(rq, line, cause);
		free(line);
		if (rc < 0)
			return -1;
	}
	/* Bodies go at once: waiting for 100-continue costs a round trip. */
	if (header_add(rq, "Expect:", cause) < 0)
		return -1;
	/* The body template makes JSON; say so unless the job file did. */
	if (!have_ctype && ep->body &&
	    header_add(rq, "Content-Type: application/json", cause) < 0)
		return -1;
	if (ep->body) {
		char *why = NULL;
		if (template_compile(ep->body, &rq->body_tpl, &why) < 0) {
			fail(cause, "%s: body: %s", path, why);
			free(why);
			return -1;
		}
	}
	if (ep->extract && jsonptr_check(ep->extract, cause) < 0)
		return -1;
	const char *const usage[] = { ep->usage, ep->input_usage, ep->output_usage };
	for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++)
		if (usage[i] && jsonptr_check(usage[i], cause) < 0)
			return -1;
	rq->target.url = rq->url;
	rq->target.method = ep->method;
	rq->target.headers = rq->headers;
	rq->target.timeout_ms = ep->timeout_ms;
	return 0;
}

void run_request_free(struct run_request *rq)
{
	template_free(rq->body_tpl);
	curl_slist_free_all(rq->headers);
	free(rq->url);
	rq->body_tpl = NULL;
	rq->headers = NULL;
	rq->url = NULL;
}

int run_request_render(const struct run_request *rq, struct work *w, char **why)
{
	if (w->body)
		return 0;
	if (!rq->body_tpl) {
		w->cost[LEARN_REQUESTS] = w->cost[LEARN_TOKENS] = w->cost[LEARN_INPUT] = 1;
		w->cost[LEARN_OUTPUT] = -1;
		return 0;
	}
	char *cause = NULL;
	int rc = template_render(rq->body_tpl, w->it.json, strlen(w->it.json), &w->body,
	    &w->body_len, &cause);
	if (rc < 0) {
		*why = xasprintf("body template: %s", cause);
		free(cause);
		return -1;
	}
	/* About four bytes of text per token: good enough to pace tpm and
	 * itpm until the response's usage says the real count. Output tokens
	 * are known only afterwards. */
	w->cost[LEARN_REQUESTS] = 1;
	w->cost[LEARN_TOKENS] = w->cost[LEARN_INPUT] = (double)(w->body_len / 4 + 1);
	w->cost[LEARN_OUTPUT] = -1;
	return 0;
}
