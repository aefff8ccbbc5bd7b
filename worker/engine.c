/* libcurl multi on epoll. curl tells us which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION) and when to call it back (CURLMOPT_TIMERFUNCTION,
 * a deadline on the loop here); we call curl_multi_socket_action on events
 * and then drain curl_multi_info_read for finished transfers. Easy handles
 * are pooled.
 *
 * The whole-request timeout is the engine's, not curl's: curl checks a
 * transfer's timeout before it reads its socket, so a worker that did not
 * run for a while (a loaded machine, SIGSTOP) would time out answers that
 * had long arrived, and pay for them again on the retry. When a request's
 * deadline comes, every watched socket is read first; only what is still
 * unanswered then times out. A deadline that passed while the worker could
 * not run at all (the expiry came ENGINE_STALL_NS or more after it) did not
 * give its request the time it asks for either: a request still waiting to
 * be sent when the worker stopped went out only when it ran again. The
 * lateness is then added to every live request's deadline, once, and each
 * gets at least ENGINE_STALL_GRACE_NS from now (the stall began before the
 * deadline, by how much is not known). */
#include "engine.h"
#include "engine_headers.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "deadline.h"
#include "xalloc.h"

struct engine {
	struct loop *loop;
	CURLM *multi;
	struct deadline timer;
	int64_t timer_want;      /* when curl wants its timeout call; 0 = never */
	int in_action;           /* inside socket_action: it arms the timer */
	engine_done_cb cb;
	void *arg;
	int inflight;
	CURL **pool;             /* idle easy handles, each set up for */
	const struct http_target **pool_t; /* ... its target here */
	const char *ca_bundle;   /* CURL_CA_BUNDLE, as for the curl tool; may be NULL */
	int proxy_env;           /* a proxy variable is set: curl reads them */
	/* Each target's URL parsed once (curl would parse the text and print
	 * it back for every transfer); the handles only read them. */
	struct { const struct http_target *t; CURLU *u; } *urls;
	int n_urls, cap_urls;
	long long connects;      /* new connections opened, for the summary */
	int n_pool, cap_pool;
	struct deadline expiry;  /* at or before the earliest request deadline */
	struct http_request *live;   /* in flight, newest first */
	/* The watched sockets, found by fd through their loop registration.
	 * curl's own per-socket pointer (curl_multi_assign) is not used: a
	 * socket closed without CURL_POLL_REMOVE first would leave it behind
	 * for the next socket that gets the same number. */
	struct sock **socks;     /* in no order; each knows its slot */
	int n_socks, cap_socks;
};

/* A socket curl stops watching (CURL_POLL_REMOVE) stays registered with
 * want 0: a kept-alive connection is usually wanted again for its next
 * request before anything happens on it, and re-registering it then would
 * cost an epoll_ctl DEL and ADD per request. It is unregistered when an
 * event comes for it unwanted, or before it is closed. */
struct sock {
	struct engine *e;
	curl_socket_t fd;
	unsigned events;         /* LOOP_READ | LOOP_WRITE, as registered */
	unsigned want;           /* what curl watches now; 0: nothing */
	int slot;                /* its place in engine.socks */
};

static void live_unlink(struct engine *e, struct http_request *req)
{
	if (req->prev)
		req->prev->next = req->next;
	else if (e->live == req)
		e->live = req->next;
	if (req->next)
		req->next->prev = req->prev;
	req->prev = req->next = NULL;
}

/* Takes req's transfer out of curl, keeps its handle for reuse and hands
 * req back with its outcome; why, when not NULL, replaces curl's words. */
static void finish(struct engine *e, struct http_request *req, CURLcode res, int64_t latency_ms,
    const char *why)
{
	CURL *easy = req->easy;
	long status = 0;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	long connects = 0;
	if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
		e->connects += connects;
	CURLMcode mc = curl_multi_remove_handle(e->multi, easy);
	if (mc != CURLM_OK)
		fprintf(stderr, "psup-worker: curl_multi_remove_handle: %s\n", curl_multi_strerror(mc));
	live_unlink(e, req);
	e->inflight--;
	if (e->n_pool == e->cap_pool) {
		e->cap_pool = e->cap_pool ? e->cap_pool * 2 : 64;
		e->pool = xreallocarray(e->pool, (size_t)e->cap_pool, sizeof *e->pool);
		e->pool_t = xreallocarray(e->pool_t, (size_t)e->cap_pool, sizeof *e->pool_t);
	}
	e->pool_t[e->n_pool] = req->target;
	e->pool[e->n_pool++] = easy;
	req->easy = NULL;
	if (why)
		snprintf(req->errbuf, sizeof req->errbuf, "%s", why);
	req->curl_code = (int)res;
	req->status = status;
	req->latency_ms = latency_ms;
	/* curl's own words for either are about a file ("Failure writing
	 * output to destination"): the cause is the size limit. */
	if (res == CURLE_FILESIZE_EXCEEDED)
		req->too_large = 1;
	if (!req->resp.p)
		buf_add(&req->resp, "", 0);
	e->cb(req, e->arg);
}

static void check_done(struct engine *e)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(e->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct http_request *req = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&req);
		curl_off_t total_us = 0;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_TOTAL_TIME_T, &total_us);
		finish(e, req, msg->data.result, (int64_t)(total_us / 1000), NULL);
	}
}

/* Arms the loop's timer for curl's timeout call, unless one as early is
 * armed already. */
static void timer_follow(struct engine *e)
{
	int64_t armed = deadline_at(&e->timer);
	if (e->timer_want != 0 && (armed == 0 || armed > e->timer_want))
		deadline_arm(&e->timer, e->timer_want);
}

static void socket_action(struct engine *e, curl_socket_t fd, int mask)
{
	int running;
	e->in_action++;
	CURLMcode mc = curl_multi_socket_action(e->multi, fd, mask, &running);
	if (mc != CURLM_OK)
		fprintf(stderr, "psup-worker: curl_multi_socket_action: %s\n", curl_multi_strerror(mc));
	check_done(e);
	/* The done callbacks usually start new requests, and curl then asks
	 * for a timeout call right away: make it now instead of a round trip
	 * through the loop's timer. Bounded so sockets are not starved. */
	for (int i = 0; i < 4 && e->timer_want != 0 && e->timer_want <= clock_mono_ns(); i++) {
		e->timer_want = 0;
		mc = curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		if (mc != CURLM_OK)
			fprintf(stderr, "psup-worker: curl_multi_socket_action: %s\n", curl_multi_strerror(mc));
		check_done(e);
	}
	if (--e->in_action == 0)
		timer_follow(e);
}

static void sock_forget(struct engine *e, curl_socket_t fd);

static void sock_event_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	struct sock *s = arg;
	if (!s->want) {
		/* kept registered for its next request, but something came
		 * first (the server closed it, say): curl looks at it itself
		 * when it takes the connection again */
		sock_forget(s->e, fd);
		return;
	}
	int mask = 0;
	if (events & LOOP_READ)
		mask |= CURL_CSELECT_IN;
	if (events & LOOP_WRITE)
		mask |= CURL_CSELECT_OUT;
	/* A hang-up or error; a peer's half-close alone (LOOP_HUP without
	 * LOOP_ERR) comes with LOOP_READ, and curl reads the EOF itself. */
	if (events & LOOP_ERR)
		mask |= CURL_CSELECT_ERR;
	socket_action(s->e, fd, mask);
}

static void timer_cb(void *arg)
{
	struct engine *e = arg;
	if (e->timer_want == 0)
		return;
	int64_t now = clock_mono_ns();
	if (now < e->timer_want) {
		/* curl moved its deadline later since we armed: follow it. */
		deadline_arm(&e->timer, e->timer_want);
		return;
	}
	e->timer_want = 0;
	socket_action(e, CURL_SOCKET_TIMEOUT, 0);
}

static struct sock *sock_at(const struct engine *e, curl_socket_t fd)
{
	return loop_fd_arg(e->loop, fd, sock_event_cb);
}

/* Stops watching fd, if it was watched. */
static void sock_forget(struct engine *e, curl_socket_t fd)
{
	struct sock *s = sock_at(e, fd);
	if (!s)
		return;
	loop_fd_del(e->loop, fd);
	struct sock *last = e->socks[--e->n_socks];
	e->socks[s->slot] = last;
	last->slot = s->slot;
	free(s);
}

/* CURLOPT_CLOSESOCKETFUNCTION: a socket is unwatched before it is closed,
 * whatever curl said before, so no registration outlives its socket and a
 * new socket with the same number starts clean. */
static int closesocket_cb(void *clientp, curl_socket_t fd)
{
	sock_forget(clientp, fd);
	return close(fd);
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching a socket. */
static int curl_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	(void)easy;
	(void)socketp;
	struct engine *e = userp;
	if (what == CURL_POLL_REMOVE) {
		struct sock *s = sock_at(e, fd);
		if (s)
			s->want = 0;
		return 0;
	}
	unsigned events = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= LOOP_READ;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= LOOP_WRITE;
	char *cause = NULL;
	struct sock *s = sock_at(e, fd);
	if (!s) {
		s = xcalloc(1, sizeof *s);
		s->e = e;
		s->fd = fd;
		s->events = events;
		if (loop_fd_add(e->loop, fd, events, sock_event_cb, s, &cause) < 0) {
			fprintf(stderr, "psup-worker: %s\n", cause);
			free(cause);
			free(s);
			return -1; /* curl fails the transfer */
		}
		if (e->n_socks == e->cap_socks) {
			e->cap_socks = e->cap_socks ? e->cap_socks * 2 : 64;
			e->socks = xreallocarray(e->socks, (size_t)e->cap_socks, sizeof *e->socks);
		}
		s->slot = e->n_socks;
		e->socks[e->n_socks++] = s;
	} else if (s->events != events) {
		if (loop_fd_mod(e->loop, fd, events) < 0) {
			fprintf(stderr, "psup-worker: cannot change the events of socket %d: %s\n",
			    (int)fd, strerror(errno));
			return -1;
		}
		s->events = events;
	}
	s->want = events;
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: curl wants socket_action(TIMEOUT) in timeout_ms.
 * curl calls this very often, mostly moving the deadline later; moving the
 * loop's timer each time costs a timerfd syscall, so it is only moved earlier
 * here and timer_cb catches up with a later deadline when it fires. */
static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct engine *e = userp;
	if (timeout_ms < 0) {
		e->timer_want = 0;
		deadline_arm(&e->timer, 0);
		return 0;
	}
	e->timer_want = clock_mono_ns() + (int64_t)timeout_ms * 1000000;
	/* Asked inside socket_action (a done callback's new request, mostly,
	 * which wants its call at once): it makes the call itself, or arms
	 * the timer as it leaves; a timerfd armed for now and re-armed after
	 * would cost two syscalls per pass of the loop. */
	if (!e->in_action)
		timer_follow(e);
	return 0;
}

/* Reads every watched socket that is ready now, so answers that came while
 * the worker was not running are taken before anything times out. */
static void socks_drain(struct engine *e)
{
	if (e->n_socks == 0)
		return;
	struct pollfd *pf = xreallocarray(NULL, (size_t)e->n_socks, sizeof *pf);
	nfds_t n = 0;
	for (int i = 0; i < e->n_socks; i++) {
		const struct sock *s = e->socks[i];
		if (!s->want)
			continue;
		pf[n].fd = s->fd;
		pf[n].events = (short)((s->events & LOOP_READ ? POLLIN : 0) |
		    (s->events & LOOP_WRITE ? POLLOUT : 0));
		pf[n].revents = 0;
		n++;
	}
	if (poll(pf, n, 0) > 0) {
		for (nfds_t i = 0; i < n; i++) {
			int mask = 0;
			if (pf[i].revents & POLLIN)
				mask |= CURL_CSELECT_IN;
			if (pf[i].revents & POLLOUT)
				mask |= CURL_CSELECT_OUT;
			if (pf[i].revents & (POLLERR | POLLHUP))
				mask |= CURL_CSELECT_ERR;
			/* an earlier action may have closed it: curl ignores
			 * sockets it no longer knows */
			if (mask)
				socket_action(e, pf[i].fd, mask);
		}
	}
	free(pf);
}

/* Keeps the expiry deadline at the earliest request deadline (or off). */
static void expiry_arm(struct engine *e)
{
	int64_t min = 0;
	for (struct http_request *r = e->live; r; r = r->next)
		if (min == 0 || r->deadline_ns < min)
			min = r->deadline_ns;
	deadline_arm(&e->expiry, min);
}

static struct http_request *first_expired(const struct engine *e, int64_t now)
{
	for (struct http_request *r = e->live; r; r = r->next)
		if (r->deadline_ns <= now)
			return r;
	return NULL;
}

/* The expiry came this much after the deadline it was armed for: the
 * worker did not run meanwhile (stopped, or starved of CPU). */
#define ENGINE_STALL_NS (250 * 1000000LL)
#define ENGINE_STALL_GRACE_NS (1000 * 1000000LL)

/* A request deadline came. Done callbacks may submit or abort requests,
 * so the list is searched again after each one. */
static void expiry_cb(void *arg)
{
	struct engine *e = arg;
	int64_t now = clock_mono_ns(), earliest = 0;
	for (struct http_request *r = e->live; r; r = r->next)
		if (earliest == 0 || r->deadline_ns < earliest)
			earliest = r->deadline_ns;
	if (earliest && now - earliest >= ENGINE_STALL_NS)
		for (struct http_request *r = e->live; r; r = r->next) {
			r->deadline_ns += now - earliest;
			if (r->deadline_ns < now + ENGINE_STALL_GRACE_NS)
				r->deadline_ns = now + ENGINE_STALL_GRACE_NS;
		}
	socks_drain(e);
	struct http_request *req;
	while ((req = first_expired(e, now))) {
		char why[CURL_ERROR_SIZE];
		snprintf(why, sizeof why,
		    "Operation timed out after %lld milliseconds with %zu bytes of the answer received",
		    req->target->timeout_ms, req->resp.len);
		finish(e, req, CURLE_OPERATION_TIMEDOUT, (now - req->start_ns) / 1000000, why);
	}
	expiry_arm(e);
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct http_request *req = userp;
	size_t n = size * nmemb;
	if (req->resp.len + n > ENGINE_RESP_MAX) {
		req->too_large = 1;
		return 0; /* CURLE_WRITE_ERROR */
	}
	buf_add(&req->resp, data, n);
	return n;
}

/* curl looks up these for every transfer that sets no proxy (the
 * uppercase HTTP_PROXY it ignores); the environment is ours and does not
 * change, so when none is set, no proxy is set once instead. */
static int proxy_env_set(void)
{
	static const char *const names[] = {
		"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
		"no_proxy", "NO_PROXY",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (getenv(names[i]))
			return 1;
	return 0;
}

int engine_create(struct loop *l, int max_conns, engine_done_cb cb, void *arg,
    struct engine **out, char **cause)
{
	CURLcode gc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (gc != CURLE_OK)
		return fail(cause, "curl_global_init: %s", curl_easy_strerror(gc));
	struct engine *e = xcalloc(1, sizeof *e);
	e->loop = l;
	const char *ca = getenv("CURL_CA_BUNDLE");
	e->ca_bundle = ca && *ca ? ca : NULL;
	e->proxy_env = proxy_env_set();
	e->cb = cb;
	e->arg = arg;
	e->multi = curl_multi_init();
	if (!e->multi) {
		free(e);
		curl_global_cleanup();
		return fail(cause, "curl_multi_init failed");
	}
	deadline_init(&e->timer, l, timer_cb, e);
	deadline_init(&e->expiry, l, expiry_cb, e);
	CURLMcode mc;
	if ((mc = curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb)) != CURLM_OK ||
	    (mc = curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e)) != CURLM_OK ||
	    (mc = curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb)) != CURLM_OK ||
	    (mc = curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e)) != CURLM_OK ||
	    (mc = curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX)) != CURLM_OK ||
	    (mc = curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)(max_conns > 8 ? max_conns : 8))) != CURLM_OK) {
		fail(cause, "curl_multi_setopt: %s", curl_multi_strerror(mc));
		engine_free(e);
		return -1;
	}
	*out = e;
	return 0;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	for (int i = 0; i < e->n_pool; i++)
		curl_easy_cleanup(e->pool[i]);
	free(e->pool);
	free(e->pool_t);
	curl_multi_cleanup(e->multi);
	/* after every handle that reads them */
	for (int i = 0; i < e->n_urls; i++)
		curl_url_cleanup(e->urls[i].u);
	free(e->urls);
	deadline_arm(&e->timer, 0);
	deadline_arm(&e->expiry, 0);
	while (e->n_socks > 0)
		sock_forget(e, e->socks[0]->fd);
	free(e->socks);
	free(e);
	curl_global_cleanup();
}

/* t's URL parsed, as curl parses CURLOPT_URL; NULL when curl cannot parse
 * it: it is then set as text, and each transfer fails as curl says. */
static CURLU *url_of(struct engine *e, const struct http_target *t)
{
	for (int i = 0; i < e->n_urls; i++)
		if (e->urls[i].t == t)
			return e->urls[i].u;
	CURLU *u = curl_url();
	if (u && curl_url_set(u, CURLUPART_URL, t->url,
	    CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		curl_url_cleanup(u);
		u = NULL;
	}
	if (e->n_urls == e->cap_urls) {
		e->cap_urls = e->cap_urls ? e->cap_urls * 2 : 4;
		e->urls = xreallocarray(e->urls, (size_t)e->cap_urls, sizeof *e->urls);
	}
	e->urls[e->n_urls].t = t;
	e->urls[e->n_urls++].u = u;
	return u;
}

/* Sets what is the same for every request of the job once per easy handle:
 * pooled handles keep it, so a request only sets its own body and pointers. */
static CURLcode easy_setup(struct engine *e, CURL *easy, const struct http_target *t)
{
	CURLcode c = CURLE_OK;
	int is_https = strncasecmp(t->url, "https:", 6) == 0;
#define SET(opt, val) if (c == CURLE_OK) c = curl_easy_setopt(easy, opt, val)
	CURLU *u = url_of(e, t);
	if (u) {
		SET(CURLOPT_CURLU, u);
	} else {
		SET(CURLOPT_URL, t->url);
	}
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_HEADERFUNCTION, engine_header_cb);
	SET(CURLOPT_CLOSESOCKETFUNCTION, closesocket_cb);
	SET(CURLOPT_CLOSESOCKETDATA, e);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(t->timeout_ms < 10000 ? t->timeout_ms : 10000));
	SET(CURLOPT_ACCEPT_ENCODING, "");
	/* A declared length over the limit fails before the body is read. */
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ENGINE_RESP_MAX);
	SET(CURLOPT_HTTPHEADER, t->headers);
	if (e->ca_bundle)
		SET(CURLOPT_CAINFO, e->ca_bundle);
	if (!e->proxy_env) {
		/* "" is no proxy, as no variable says: curl skips its look-ups */
		SET(CURLOPT_PROXY, "");
		SET(CURLOPT_NOPROXY, "");
	}
	if (is_https) {
		/* Multiplex on one HTTP/2 connection rather than open many. */
		SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
		SET(CURLOPT_PIPEWAIT, 1L);
	}
	if (strcmp(t->method, "GET") == 0) {
		SET(CURLOPT_HTTPGET, 1L);
	} else if (strcmp(t->method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else {
		if (strcmp(t->method, "POST") == 0) {
			SET(CURLOPT_POST, 1L);
		} else {
			SET(CURLOPT_CUSTOMREQUEST, t->method);
		}
	}
#undef SET
	return c;
}

/* A handle set up for target t: from the pool when one was made for the
 * same target (the latest first: its connection is the warmest), else a
 * fresh one. */
static CURL *easy_get(struct engine *e, const struct http_target *t, char **cause)
{
	for (int i = e->n_pool - 1; i >= 0; i--) {
		if (e->pool_t[i] != t)
			continue;
		CURL *easy = e->pool[i];
		e->n_pool--;
		e->pool[i] = e->pool[e->n_pool];
		e->pool_t[i] = e->pool_t[e->n_pool];
		return easy;
	}
	CURL *easy = curl_easy_init();
	if (!easy) {
		fail(cause, "curl_easy_init failed");
		return NULL;
	}
	CURLcode c = easy_setup(e, easy, t);
	if (c != CURLE_OK) {
		curl_easy_cleanup(easy);
		fail(cause, "curl_easy_setopt: %s", curl_easy_strerror(c));
		return NULL;
	}
	return easy;
}

int engine_submit(struct engine *e, struct http_request *req, char **cause)
{
	const struct http_target *t = req->target;
	CURL *easy = easy_get(e, t, cause);
	if (!easy)
		return -1;
	engine_request_reset(req);
	req->errbuf[0] = '\0';
	CURLcode c = CURLE_OK;
#define SET(opt, val) if (c == CURLE_OK) c = curl_easy_setopt(easy, opt, val)
	SET(CURLOPT_PRIVATE, req);
	SET(CURLOPT_ERRORBUFFER, req->errbuf);
	SET(CURLOPT_WRITEDATA, req);
	SET(CURLOPT_HEADERDATA, req);
	if (strcmp(t->method, "GET") != 0 && strcmp(t->method, "HEAD") != 0) {
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
	}
#undef SET
	if (c != CURLE_OK) {
		curl_easy_cleanup(easy);
		return fail(cause, "curl_easy_setopt: %s", curl_easy_strerror(c));
	}
	req->easy = easy;
	CURLMcode mc = curl_multi_add_handle(e->multi, easy);
	if (mc != CURLM_OK) {
		req->easy = NULL;
		curl_easy_cleanup(easy);
		return fail(cause, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
	}
	e->inflight++;
	req->start_ns = clock_mono_ns();
	req->deadline_ns = req->start_ns + (int64_t)t->timeout_ms * 1000000;
	req->prev = NULL;
	req->next = e->live;
	if (e->live)
		e->live->prev = req;
	e->live = req;
	int64_t armed = deadline_at(&e->expiry);
	if (armed == 0 || armed > req->deadline_ns)
		deadline_arm(&e->expiry, req->deadline_ns);
	return 0;
}

void engine_abort(struct engine *e, struct http_request *req)
{
	if (!req->easy)
		return;
	curl_multi_remove_handle(e->multi, req->easy);
	curl_easy_cleanup(req->easy);
	req->easy = NULL;
	live_unlink(e, req);
	e->inflight--;
}

void engine_request_reset(struct http_request *req)
{
	buf_free(&req->resp);
	engine_headers_free(req);
	req->status = 0;
	req->curl_code = 0;
	req->too_large = 0;
	req->latency_ms = 0;
}

int engine_inflight(const struct engine *e)
{
	return e->inflight;
}

long long engine_connections(const struct engine *e)
{
	return e->connects;
}
