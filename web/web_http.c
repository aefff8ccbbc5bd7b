/* The HTTP server of psup web (see web_http.h). */
#include "web_http.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "loop.h"
#include "web.h"
#include "web_auth.h"
#include "web_ctl.h"
#include "web_esc.h"
#include "web_hist.h"
#include "web_jobs.h"
#include "web_logs.h"
#include "web_metrics.h"
#include "web_page.h"
#include "web_prom.h"
#include "web_sse.h"
#include "xalloc.h"

#define BODY_MAX 4096           /* a POST needs no body: a little is ignored */

/* One request's state across MHD's calls of the access handler. */
struct req {
	struct web *w;
	struct MHD_Connection *conn;
	size_t body;
	enum { RQ_NEW, RQ_PENDING, RQ_DONE } action;
	int suspended;
	int orphan;             /* MHD completed it while the daemon's reply was due */
	cJSON *reply;
	char *error;
};

static void req_free(struct req *r)
{
	cJSON_Delete(r->reply);
	free(r->error);
	free(r);
}

static void common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", "no-store");
}

/* Answers with body (taken) as type. */
static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type, struct buf *body)
{
	size_t len;
	char *p = buf_take(body, &len);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(p);
		return MHD_NO;
	}
	common_headers(r);
	MHD_add_response_header(r, "Content-Type", type);
	if (strncmp(type, "text/html", 9) == 0)
		MHD_add_response_header(r, "Content-Security-Policy",
		    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
		    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* {"ok":false,"error":msg} with status. */
static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	struct buf b = {0};
	buf_puts(&b, "{\"ok\":false,\"error\":");
	esc_json_str(&b, msg, strlen(msg));
	buf_puts(&b, "}\n");
	return respond(c, status, "application/json", &b);
}

static enum MHD_Result respond_stream(struct MHD_Connection *c, struct MHD_Response *r)
{
	if (!r)
		return respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "too many live streams open");
	common_headers(r);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static int token_ok(const struct web *w, const char *t, size_t len)
{
	return t && auth_token_equal(w->token, t, len);
}

/* The access rules. Returns 0 when the request may go on, else the status
 * to refuse it with (and *why). */
static unsigned check_access(struct web *w, struct MHD_Connection *c, int is_action, const char **why)
{
	const char *host = header(c, "Host");
	int by_header = 0;
	if (!w->token) {
		if (!auth_host_is_loopback(host))
			return *why = "psup web answers only to localhost without a token", MHD_HTTP_FORBIDDEN;
	} else {
		size_t len = 0;
		const char *t = auth_bearer(header(c, "Authorization"), &len);
		by_header = token_ok(w, t, len);
		t = auth_cookie(header(c, "Cookie"), AUTH_COOKIE, &len);
		if (!by_header && !token_ok(w, t, len))
			return *why = "a token is needed: Authorization: Bearer TOKEN, or open /?token=TOKEN once",
			    MHD_HTTP_UNAUTHORIZED;
	}
	if (!is_action || by_header)
		return 0;
	/* An action from a browser must come from the page itself (no CSRF).
	 * Browsers send Origin with every POST; a request without one is no
	 * browser's, and is let through only without a token (on loopback). */
	const char *origin = header(c, "Origin");
	const char *site = header(c, "Sec-Fetch-Site");
	if (origin ? !auth_origin_same(origin, host) : (w->token || (site && strcmp(site, "same-origin") != 0)))
		return *why = "actions need the token or the page's own origin", MHD_HTTP_FORBIDDEN;
	return 0;
}

static void action_reply_cb(void *arg, cJSON *reply, const char *error)
{
	struct req *r = arg;
	if (r->orphan) {
		cJSON_Delete(reply);
		req_free(r);
		return;
	}
	r->action = RQ_DONE;
	r->reply = reply;
	r->error = error ? xstrdup(error) : NULL;
	web_list_soon(r->w);
	if (r->suspended) {
		r->suspended = 0;
		MHD_resume_connection(r->conn);
	}
}

static enum MHD_Result action_answer(struct req *r)
{
	if (r->error)
		return respond_error(r->conn, MHD_HTTP_BAD_GATEWAY, r->error);
	char *raw = cJSON_PrintUnformatted(r->reply);
	struct buf b = {0};
	esc_json_safe(&b, raw ? raw : "{}");
	buf_addc(&b, '\n');
	free(raw);
	int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->reply, "ok"));
	return respond(r->conn, ok ? MHD_HTTP_OK : MHD_HTTP_BAD_REQUEST, "application/json", &b);
}

static enum MHD_Result action_start(struct req *r, const char *name, const char *verb)
{
	struct web *w = r->w;
	w->actions++;
	r->action = RQ_PENDING;
	r->suspended = 1;
	MHD_suspend_connection(r->conn);
	ctl_request(w->l, w->sock, ctl_req(verb, name), WEB_ACTION_MS, action_reply_cb, r);
	return MHD_YES;
}

static enum MHD_Result serve_logs(struct web *w, struct MHD_Connection *c, const struct app_ent *e)
{
	const char *stream = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "stream");
	const char *follow = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "follow");
	if (!stream)
		stream = "combined";
	if (strcmp(stream, "out") && strcmp(stream, "error") && strcmp(stream, "combined"))
		return respond_error(c, MHD_HTTP_BAD_REQUEST, "stream: out, error or combined");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(e->obj, "log_files");
	const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(files, stream));
	if (!path)
		return respond_error(c, MHD_HTTP_NOT_FOUND, "the app has no such log file");
	if (follow && strcmp(follow, "0") == 0) {
		struct logtail t;
		struct buf b = {0};
		buf_addc(&b, '[');
		struct buf lines = {0};
		logtail_open(&t, path, WEB_LOG_TAIL_BYTES, &lines);
		logtail_close(&t);
		buf_add(&b, lines.p, lines.len);
		buf_free(&lines);
		buf_puts(&b, "]\n");
		return respond(c, MHD_HTTP_OK, "application/json", &b);
	}
	return respond_stream(c, sse_log(w, c, path));
}

/* GET|POST /api/apps/NAME/WHAT */
static enum MHD_Result serve_app(struct req *r, const char *rest, const char *method)
{
	struct MHD_Connection *c = r->conn;
	const char *slash = strrchr(rest, '/');
	if (!slash || slash == rest)
		return respond_error(c, MHD_HTTP_NOT_FOUND, "no such page");
	char *name = xstrndup(rest, (size_t)(slash - rest));
	const char *what = slash + 1;
	enum MHD_Result ret;
	int is_action = !strcmp(what, "start") || !strcmp(what, "stop") || !strcmp(what, "restart");
	if (is_action) {
		ret = strcmp(method, "POST") == 0 ? action_start(r, name, what)
		    : respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "actions need POST");
		free(name);
		return ret;
	}
	const struct app_ent *e = apps_find(&r->w->apps, name);
	free(name);
	if (strcmp(method, "GET") != 0)
		return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only");
	if (!e)
		return respond_error(c, MHD_HTTP_NOT_FOUND, "no such app");
	if (strcmp(what, "logs") == 0)
		return serve_logs(r->w, c, e);
	if (strcmp(what, "history") == 0) {
		struct buf b = {0};
		if (e->hist)
			hist_json(e->hist, clock_real_ms(), &b);
		else
			buf_puts(&b, "null");
		buf_addc(&b, '\n');
		return respond(c, MHD_HTTP_OK, "application/json", &b);
	}
	return respond_error(c, MHD_HTTP_NOT_FOUND, "no such page");
}

/* GET /?token=T: the token from a link, once; a cookie holds it after. */
static enum MHD_Result serve_login(struct web *w, struct MHD_Connection *c, const char *t)
{
	if (!token_ok(w, t, strlen(t))) {
		w->refused++;
		return respond_error(c, MHD_HTTP_UNAUTHORIZED, "wrong token");
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	common_headers(r);
	char *cookie = xasprintf("%s=%s; Path=/; HttpOnly; SameSite=Strict", AUTH_COOKIE, w->token);
	MHD_add_response_header(r, "Set-Cookie", cookie);
	MHD_add_response_header(r, "Location", "/");
	free(cookie);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result route(struct req *r, const char *url, const char *method)
{
	struct web *w = r->w;
	struct MHD_Connection *c = r->conn;
	const char *login = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	if (w->token && login && strcmp(url, "/") == 0 && strcmp(method, "GET") == 0)
		return serve_login(w, c, login);
	int is_action = strncmp(url, "/api/apps/", 10) == 0 && strcmp(method, "GET") != 0;
	const char *why = NULL;
	unsigned refuse = check_access(w, c, is_action, &why);
	if (refuse) {
		w->refused++;
		return respond_error(c, refuse, why);
	}
	if (strncmp(url, "/api/apps/", 10) == 0)
		return serve_app(r, url + 10, method);
	if (strcmp(method, "GET") != 0)
		return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only");
	struct buf b = {0};
	if (strcmp(url, "/") == 0) {
		page_render(w, &b);
		return respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", &b);
	}
	if (strcmp(url, "/events") == 0)
		return respond_stream(c, sse_apps(w, c));
	if (strcmp(url, "/metrics") == 0) {
		metrics_write(w, &b);
		return respond(c, MHD_HTTP_OK, PROM_CONTENT_TYPE, &b);
	}
	if (strcmp(url, "/api/apps") == 0) {
		const cJSON *apps = apps_array(&w->apps);
		if (!apps)
			return respond_error(c, MHD_HTTP_BAD_GATEWAY, w->apps.error ? w->apps.error : "no list from the daemon yet");
		char *raw = cJSON_PrintUnformatted(apps);
		esc_json_safe(&b, raw ? raw : "[]");
		free(raw);
		buf_addc(&b, '\n');
		return respond(c, MHD_HTTP_OK, "application/json", &b);
	}
	if (strcmp(url, "/api/jobs") == 0) {
		jobs_json(w, &b);
		buf_addc(&b, '\n');
		return respond(c, MHD_HTTP_OK, "application/json", &b);
	}
	const struct web_file *f = url[0] == '/' && strcmp(url + 1, "index.html") ? page_file(url + 1) : NULL;
	if (f) {
		buf_add(&b, f->data, f->len);
		return respond(c, MHD_HTTP_OK, page_type(f->name), &b);
	}
	return respond_error(c, MHD_HTTP_NOT_FOUND, "no such page");
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version, (void)upload;
	struct web *w = cls;
	struct req *r = *con_cls;
	if (!r) {
		r = xcalloc(1, sizeof *r);
		r->w = w;
		r->conn = c;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		r->body += *upload_size;
		*upload_size = 0;
		return r->body > BODY_MAX ? MHD_NO : MHD_YES;
	}
	if (r->action == RQ_DONE)
		return action_answer(r);
	if (r->action == RQ_PENDING)
		return MHD_YES;
	w->requests++;
	if (strcmp(method, "GET") && strcmp(method, "POST"))
		return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET and POST only");
	return route(r, url, method);
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	struct req *r = *con_cls;
	if (!r)
		return;
	*con_cls = NULL;
	if (r->action == RQ_PENDING)
		r->orphan = 1;  /* action_reply_cb() frees it */
	else
		req_free(r);
}

/* libmicrohttpd's messages, said as psup web's; none while stopping, when
 * every stream is ended on purpose. */
static void mhd_log_cb(void *cls, const char *fmt, va_list ap)
{
	const struct web *w = cls;
	if (w->stopping)
		return;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	fprintf(stderr, "psup web: http: %s\n", msg);
}

static void mhd_arm(struct web *w);

static void mhd_run(struct web *w)
{
	MHD_run(w->mhd);
	mhd_arm(w);
}

static void mhd_timer_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l, (void)id;
	struct web *w = arg;
	w->mhd_timer = 0;
	mhd_run(w);
}

static void mhd_fd_cb(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)l, (void)fd, (void)ev;
	mhd_run(arg);
}

/* MHD's next deadline (connection timeouts, resumed connections) as a
 * timer on the loop. */
static void mhd_arm(struct web *w)
{
	MHD_UNSIGNED_LONG_LONG to;
	loop_timer_del(w->l, w->mhd_timer);
	w->mhd_timer = 0;
	if (MHD_get_timeout(w->mhd, &to) == MHD_YES)
		w->mhd_timer = loop_timer_after(w->l, (int64_t)(to > 60000 ? 60000 : to), mhd_timer_cb, w);
}

void http_kick(struct web *w)
{
	if (w->mhd)
		mhd_run(w);
}

int http_start(struct web *w, const struct sockaddr_storage *sa, socklen_t len, char **cause)
{
	(void)len;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (sa->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	w->mhd = MHD_start_daemon(flags, 0, NULL, NULL, access_cb, w,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log_cb, w,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_CONN_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, 60u,
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, w,
	    MHD_OPTION_END);
	if (!w->mhd)
		return fail(cause, "cannot listen (the address may be in use or not this machine's)");
	const union MHD_DaemonInfo *ep = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	const union MHD_DaemonInfo *port = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (!ep || !port)
		return fail(cause, "libmicrohttpd gave no epoll descriptor or port");
	if (loop_fd_add(w->l, ep->epoll_fd, LOOP_READ, mhd_fd_cb, w, cause) < 0)
		return -1;
	mhd_arm(w);
	return port->port;
}

void http_stop(struct web *w)
{
	if (!w->mhd)
		return;
	/* Suspended connections must be resumed before MHD stops. */
	w->stopping = 1;
	ctl_abort_all();
	sse_drop_all(w);
	MHD_run(w->mhd);
	const union MHD_DaemonInfo *ep = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (ep)
		loop_fd_del(w->l, ep->epoll_fd);
	loop_timer_del(w->l, w->mhd_timer);
	MHD_stop_daemon(w->mhd);
	w->mhd = NULL;
}
