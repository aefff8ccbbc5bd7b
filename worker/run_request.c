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

int run_request_prepare(struct run_request *rq, const struct job_config *jc, char **cause)
{
	if (template_expand_env(jc->url, "url", &rq->url, cause) < 0)
		return -1;
	int have_ctype = 0;
	for (int i = 0; i < jc->n_headers; i++) {
		char *what = xasprintf("header %s", jc->headers[i].name);
		char *val = NULL;
		int rc = template_expand_env(jc->headers[i].value, what, &val, cause);
		free(what);
		if (rc < 0)
			return -1;
		if (strcasecmp(jc->headers[i].name, "Content-Type") == 0)
			have_ctype = 1;
		char *line = xasprintf("%s: %s", jc->headers[i].name, val);
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
	if (!have_ctype && jc->body &&
	    header_add(rq, "Content-Type: application/json", cause) < 0)
		return -1;
	if (jc->body) {
		char *why = NULL;
		if (template_compile(jc->body, &rq->body_tpl, &why) < 0) {
			fail(cause, "%s: body: %s", jc->path, why);
			free(why);
			return -1;
		}
	}
	if (jc->extract && jsonptr_check(jc->extract, cause) < 0)
		return -1;
	const char *const usage[] = { jc->usage, jc->input_usage, jc->output_usage };
	for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++)
		if (usage[i] && jsonptr_check(usage[i], cause) < 0)
			return -1;
	rq->target.url = rq->url;
	rq->target.method = jc->method;
	rq->target.headers = rq->headers;
	rq->target.timeout_ms = jc->timeout_ms;
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
