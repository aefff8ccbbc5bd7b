/* psup-web: the live dashboard and Prometheus endpoint of a psup home.
 * `psup web` runs it; it talks to the daemon over the control socket like
 * the CLI, and serves HTTP from one event loop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "home.h"
#include "loop.h"
#include "selfexe.h"
#include "web.h"
#include "web_auth.h"
#include "web_ctl.h"
#include "web_http.h"
#include "web_jobs.h"
#include "web_sse.h"
#include "xalloc.h"

static const char usage[] =
	"usage: psup web [--listen HOST:PORT] [--token-file FILE]\n"
	"\n"
	"Serves a live dashboard of the apps of $PSUP_HOME (default ~/.psup) and\n"
	"their metrics for Prometheus at /metrics.\n"
	"\n"
	"  --listen HOST:PORT   where to listen (default 127.0.0.1:9615; port 0: any)\n"
	"  --token-file FILE    a file (mode 600) holding a token of 16+ characters;\n"
	"                       required to listen on anything but loopback. Clients\n"
	"                       send it as Authorization: Bearer TOKEN, or open\n"
	"                       /?token=TOKEN once in a browser (kept in a cookie).\n";

static struct web web;
static char *jobs_last;         /* the last jobs JSON sent */
static int jobs_known;          /* describe done for the current app set */

void web_list_soon(struct web *w)
{
	w->next_list = 0;
}

static void broadcast_jobs(struct web *w)
{
	if (!w->n_sse)
		return;         /* nobody to tell: a new page gets them in its boot data */
	struct buf b = {0};
	jobs_json(w, &b);
	if (!jobs_last || strcmp(jobs_last, b.p) != 0) {
		sse_broadcast(w, "jobs", b.p, b.len);
		free(jobs_last);
		jobs_last = buf_take(&b, NULL);
	}
	buf_free(&b);
}

static void describe_cb(void *arg, cJSON *reply, const char *error)
{
	struct web *w = arg;
	(void)error;
	if (reply && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")))
		jobs_set(w, reply);
	else
		jobs_known = 0;     /* ask again with the next list */
	cJSON_Delete(reply);
}

static void list_cb(void *arg, cJSON *reply, const char *error)
{
	struct web *w = arg;
	w->list_busy = 0;
	struct buf delta = {0};
	if (reply && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		apps_update(&w->apps, reply, clock_real_ms(), &delta);
		if (strstr(delta.p ? delta.p : "", "\"full\":true"))
			jobs_known = 0;
		if (!jobs_known) {
			jobs_known = 1;
			ctl_request(w->l, w->sock, ctl_req("describe", "all"), 30000, describe_cb, w);
		}
	} else {
		const char *e = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reply, "error"));
		w->list_errors++;
		apps_error(&w->apps, error ? error : e ? e : "the daemon refused the list", &delta);
		cJSON_Delete(reply);
	}
	/* Unchanged lists come less and less often; a change brings the
	 * fast pace back. */
	w->list_every = delta.len ? WEB_LIST_MS : w->list_every * 2;
	if (w->list_every > WEB_LIST_IDLE_MS)
		w->list_every = WEB_LIST_IDLE_MS;
	if (delta.len)
		sse_broadcast(w, "apps", delta.p, delta.len);
	buf_free(&delta);
	http_kick(w);
}

static void tick_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)id;
	struct web *w = arg;
	int64_t now = clock_mono_ms();
	if (!w->list_busy && now >= w->next_list) {
		w->list_busy = 1;
		/* The daemon has no change events to follow: ask it every
		 * second while a page watches, less often for /metrics alone. */
		w->next_list = now + (w->n_sse || w->list_every < WEB_LIST_MS ? WEB_LIST_MS : w->list_every);
		ctl_request(l, w->sock, ctl_req("list", NULL), 10000, list_cb, w);
	}
	jobs_tick(w, now);
	broadcast_jobs(w);
	sse_tick(w, now);
	http_kick(w);
	loop_timer_after(l, WEB_TICK_MS, tick_cb, w);
}

static void stop_cb(struct loop *l, int signo, void *arg)
{
	(void)signo, (void)arg;
	loop_stop(l);
}

static void child_cb(struct loop *l, int signo, void *arg)
{
	(void)l, (void)signo;
	jobs_reap(arg);
}

static int die(const char *what, char *cause)
{
	fprintf(stderr, "psup web: %s%s\n", what, cause ? cause : "");
	free(cause);
	return 1;
}

int main(int argc, char **argv)
{
	const char *listen = "127.0.0.1:9615", *token_file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		}
		if (strcmp(a, "--listen") == 0 || strncmp(a, "--listen=", 9) == 0)
			dst = &listen;
		else if (strcmp(a, "--token-file") == 0 || strncmp(a, "--token-file=", 13) == 0)
			dst = &token_file;
		else
			return fprintf(stderr, "psup web: unknown argument '%s'\n%s", a, usage), 2;
		const char *eq = strchr(a, '=');
		if (eq)
			*dst = eq + 1;
		else if (i + 1 < argc)
			*dst = argv[++i];
		else
			return fprintf(stderr, "psup web: %s needs a value\n", a), 2;
	}
	char *cause = NULL;
	struct sockaddr_storage sa;
	socklen_t salen;
	if (auth_listen_parse(listen, &sa, &salen, &cause) < 0)
		return fprintf(stderr, "psup web: %s\n", cause), free(cause), 2;
	struct web *w = &web;
	if (token_file && !(w->token = auth_token_load(token_file, &cause)))
		return die("", cause);
	if (!w->token && !auth_addr_is_loopback(&sa))
		return die("listening on anything but loopback needs --token-file", NULL);
	if (!(w->home = home_default(&cause)))
		return die("", cause);
	w->sock = home_sock_path(w->home);
	w->worker = selfexe_sibling("psup-worker");
	signal(SIGPIPE, SIG_IGN);
	if (!(w->l = loop_create(&cause)) || loop_signal(w->l, SIGINT, stop_cb, w, &cause) < 0
	    || loop_signal(w->l, SIGTERM, stop_cb, w, &cause) < 0
	    || loop_signal(w->l, SIGCHLD, child_cb, w, &cause) < 0)
		return die("", cause);
	int port = http_start(w, &sa, salen, &cause);
	if (port < 0) {
		char *what = xasprintf("%s: ", listen);
		int rc = die(what, cause);
		free(what);
		return rc;
	}
	char host[64];
	const char *colon = strrchr(listen, ':');
	snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
	if (!host[0] || strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	printf("psup web: http://%s:%d/ (PSUP_HOME=%s)\n", host, port, w->home);
	fflush(stdout);
	tick_cb(w->l, 0, w);
	int rc = loop_run(w->l) < 0 ? 1 : 0;

	http_stop(w);
	jobs_free(w);
	apps_free(&w->apps);
	free(jobs_last);
	loop_free(w->l);
	free(w->token);
	free(w->home);
	free(w->sock);
	free(w->worker);
	return rc;
}
