/* The daemon client of psup web (see web_ctl.h). */
#include "web_ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "fdio.h"
#include "home.h"
#include "linefr.h"
#include "loop.h"
#include "proto.h"
#include "xalloc.h"

/* A list of a few thousand apps is a few MiB. */
#define CTL_REPLY_MAX (64u << 20)

struct ctl {
	struct loop *l;
	int fd;
	uint64_t timer;
	struct buf out;
	size_t off;
	struct linefr in;
	ctl_reply_cb *cb;
	void *arg;
	struct ctl *next;       /* in flight */
};

static struct ctl *in_flight;

static void ctl_finish(struct ctl *c, cJSON *reply, const char *error)
{
	struct ctl **pp = &in_flight;
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	if (c->fd >= 0) {
		loop_fd_del(c->l, c->fd);
		close(c->fd);
	}
	loop_timer_del(c->l, c->timer);
	ctl_reply_cb *cb = c->cb;
	void *arg = c->arg;
	buf_free(&c->out);
	linefr_free(&c->in);
	free(c);
	cb(arg, reply, error);
}

static void ctl_fail(struct ctl *c, const char *fmt, const char *detail)
{
	char *msg = xasprintf(fmt, detail);
	ctl_finish(c, NULL, msg);
	free(msg);
}

static void ctl_timeout_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l, (void)id;
	struct ctl *c = arg;
	c->timer = 0;
	ctl_fail(c, "the daemon gave no reply in time%s", "");
}

static void ctl_read(struct ctl *c)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = read(c->fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			ctl_fail(c, "cannot read from the daemon: %s", strerror(errno));
			return;
		}
		if (n == 0) {
			ctl_fail(c, "the daemon closed the connection%s", "");
			return;
		}
		linefr_feed(&c->in, chunk, (size_t)n);
		const char *line;
		size_t len;
		int r = linefr_next(&c->in, &line, &len);
		if (r == LINEFR_LONG) {
			ctl_fail(c, "the daemon's reply is too long%s", "");
			return;
		}
		if (r == LINEFR_LINE) {
			cJSON *reply = cJSON_ParseWithLength(line, len);
			if (!reply || !cJSON_IsObject(reply)) {
				cJSON_Delete(reply);
				ctl_fail(c, "the daemon's reply is not a JSON object%s", "");
			} else {
				ctl_finish(c, reply, NULL);
			}
			return;
		}
	}
}

static void ctl_io_cb(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)fd;
	struct ctl *c = arg;
	if (c->out.len) {
		if (fdio_send_queued(c->fd, &c->out, &c->off) < 0) {
			ctl_fail(c, "cannot send to the daemon: %s", strerror(errno));
			return;
		}
		if (c->out.len == 0)
			loop_fd_mod(l, c->fd, LOOP_READ);
	}
	if (ev & (LOOP_READ | LOOP_HUP))
		ctl_read(c);
}

cJSON *ctl_req(const char *cmd, const char *target)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "v", PROTO_VERSION);
	cJSON_AddStringToObject(r, "cmd", cmd);
	if (target)
		cJSON_AddStringToObject(r, "target", target);
	return r;
}

void ctl_request(struct loop *l, const char *sock_path, cJSON *req, int timeout_ms,
    ctl_reply_cb *cb, void *arg)
{
	struct ctl *c = xcalloc(1, sizeof *c);
	c->l = l;
	c->cb = cb;
	c->arg = arg;
	c->fd = -1;
	c->next = in_flight;
	in_flight = c;
	linefr_init(&c->in, CTL_REPLY_MAX);
	size_t n;
	char *line = proto_encode(req, &n);
	cJSON_Delete(req);
	buf_add(&c->out, line, n);
	free(line);

	struct sockaddr_un sa;
	socklen_t salen;
	int dirfd;
	char *cause = NULL;
	if (home_sockaddr(sock_path, &sa, &salen, &dirfd, &cause) < 0) {
		ctl_fail(c, "%s", cause);
		free(cause);
		return;
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc = c->fd < 0 ? -1 : connect(c->fd, (struct sockaddr *)&sa, salen);
	int e = errno;
	if (dirfd >= 0)
		close(dirfd);
	if (rc < 0) {
		/* EAGAIN: a full backlog, the daemon is not accepting: as down. */
		char *msg = xasprintf("cannot reach the daemon at %s: %s", sock_path, strerror(e));
		ctl_finish(c, NULL, msg);
		free(msg);
		return;
	}
	c->timer = loop_timer_after(l, timeout_ms, ctl_timeout_cb, c);
	if (loop_fd_add(l, c->fd, LOOP_READ | LOOP_WRITE, ctl_io_cb, c, &cause) < 0) {
		ctl_fail(c, "%s", cause);
		free(cause);
	}
}

void ctl_abort_all(void)
{
	while (in_flight)
		ctl_finish(in_flight, NULL, "shutting down");
}
