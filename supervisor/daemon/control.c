/* The CLI socket: the common control-socket server (ctlsrv.h: private
 * socket, peer uid, capped requests, EMFILE pause, bounded output, idle
 * timeouts) speaking the JSON protocol of proto.h, one request at a time
 * per client; a client that misbehaves is closed, never the daemon. */
#include "control.h"
#include "command.h"
#include "ops.h"
#include "ctlsrv.h"
#include "home.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLIENTS_MAX 512
#define CLIENT_OUT_MAX (4 << 20)    /* queued reply bytes before a client is dropped */
#define CLIENT_IDLE_MS 60000        /* no request, no pending reply: closed */
#define CLIENT_STALL_MS 10000       /* a reply it does not read: closed */
#define ACCEPT_RETRY_MS 200

static void *open_cb(struct ctlconn *conn, void *arg)
{
	struct daemon *d = arg;
	struct dclient *c = xcalloc(1, sizeof *c);
	c->d = d;
	c->conn = conn;
	c->next = d->clients;
	d->clients = c;
	return c;
}

static int line_cb(struct ctlconn *conn, void *user, const char *line, size_t len, void *arg)
{
	(void)arg;
	struct dclient *c = user;
	if (len == 0)
		return 0;       /* blank lines are harmless */
	struct proto_req req;
	char *err = NULL;
	int rc = proto_decode(line, len, &req, &err);
	if (rc != PROTO_OK) {
		client_error(c, "%s", err);
		free(err);
		if (rc == PROTO_ERR_FRAME)
			ctlsrv_finish(conn);
		return 0;
	}
	command_dispatch(c, &req);
	proto_req_free(&req);
	return c->busy;
}

static void fault_cb(struct ctlconn *conn, void *user, enum ctlsrv_fault f, void *arg)
{
	(void)conn;
	(void)arg;
	if (f == CTLSRV_LONG)
		client_error(user, "request longer than %d bytes", PROTO_LINE_MAX);
	else
		client_error(user, "truncated request (no newline before end of input)");
}

static void close_cb(struct ctlconn *conn, void *user, void *arg)
{
	(void)conn;
	struct daemon *d = arg;
	struct dclient *c = user;
	c->conn = NULL;
	for (struct dop *o = d->ops; o; o = o->next)
		if (o->client == c)
			o->client = NULL;
	daemon_bury_client(c);
}

static void log_cb(const char *msg, void *arg)
{
	(void)arg;
	dlog("%s", msg);
}

/* Listens at the socket's path: a new server with cfg, or (cfg NULL) the
 * server's new socket. */
static int listen_at(struct daemon *d, const struct ctlsrv_config *cfg, char **cause)
{
	struct sockaddr_un sa;
	socklen_t len;
	int dirfd, r;
	if (home_sockaddr(d->sock_path, &sa, &len, &dirfd, cause) < 0)
		return -1;
	if (cfg) {
		d->ctl = ctlsrv_listen(d->loop, &sa, len, d->sock_path, cfg, cause);
		r = d->ctl ? 0 : -1;
	} else {
		r = ctlsrv_relisten(d->ctl, &sa, len, d->sock_path, cause);
	}
	if (dirfd >= 0)
		close(dirfd);
	return r;
}

int control_listen(struct daemon *d, char **cause)
{
	/* one line, as proto_encode_error() would say it */
	static const char full[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";
	struct ctlsrv_config cfg = {
		.line_max = PROTO_LINE_MAX,
		.out_max = CLIENT_OUT_MAX,
		.max_clients = CLIENTS_MAX,
		.backlog = 128,
		.full_reply = full,
		/* a CLI client sends its request at once: an idle one is a
		 * leftover or a flood, and gives way to the owner's next command */
		.drop_idle = 1,
		.idle_ms = CLIENT_IDLE_MS,
		.stall_ms = CLIENT_STALL_MS,
		.accept_retry_ms = ACCEPT_RETRY_MS,
		.open_cb = open_cb,
		.line_cb = line_cb,
		.fault_cb = fault_cb,
		.close_cb = close_cb,
		.log_cb = log_cb,
		.arg = d,
	};
	/* We hold the home's lock: a socket left here is a dead daemon's. */
	return listen_at(d, &cfg, cause);
}

int control_relisten(struct daemon *d, char **cause)
{
	return listen_at(d, NULL, cause);
}

void control_close(struct daemon *d)
{
	if (d->ctl)
		ctlsrv_stop(d->ctl);
}

void control_free(struct daemon *d)
{
	ctlsrv_free(d->ctl);
	d->ctl = NULL;
}

void control_sweep(struct daemon *d)
{
	if (d->ctl)
		ctlsrv_sweep(d->ctl);
}

void control_flush_all(struct daemon *d)
{
	if (d->ctl)
		ctlsrv_flush_all(d->ctl, 1000);
}

/* ---- replies ---- */

void client_send(struct dclient *c, char *buf, size_t len)
{
	if (!c->dead && c->conn)
		ctlsrv_send(c->conn, buf, len);
	free(buf);
}

void client_send_buf(struct dclient *c, struct buf *b)
{
	if (!c->dead && c->conn)
		ctlsrv_send_buf(c->conn, b);
	buf_free(b);
}

void client_reply(struct dclient *c, cJSON *reply)
{
	size_t len;
	char *s = proto_encode(reply, &len);
	client_send(c, s, len);
}

void client_error(struct dclient *c, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	size_t len;
	char *s = proto_encode_error(msg ? msg : "error", &len);
	free(msg);
	client_send(c, s, len);
}

void client_done(struct dclient *c)
{
	if (c->dead || !c->conn)
		return;
	c->busy = 0;
	ctlsrv_resume(c->conn);
}

void client_close(struct dclient *c)
{
	if (!c->dead && c->conn)
		ctlsrv_close(c->conn);
}

void client_free(struct dclient *c)
{
	free(c);
}
