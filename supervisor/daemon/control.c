/* The CLI socket (as relayd's control.c): a private socket, the peer's uid
 * checked, requests framed and capped, accept paused on EMFILE, bounded
 * output; a client that misbehaves is closed, never the daemon. */
#include "daemon_int.h"
#include "home.h"
#include "xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CLIENTS_MAX 512
#define CLIENT_OUT_MAX (4 << 20)    /* queued reply bytes before a client is dropped */
#define CLIENT_IDLE_MS 60000        /* no request, no pending reply: closed */
#define CLIENT_STALL_MS 10000       /* a reply it does not read: closed */
#define ACCEPT_RETRY_MS 200

static void client_io_cb(struct loop *l, int fd, unsigned events, void *arg);
static void client_process(struct dclient *c);

static void accept_resume_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)id;
	struct daemon *d = arg;
	d->accept_timer = 0;
	if (d->accept_paused && d->listen_fd >= 0) {
		d->accept_paused = 0;
		loop_fd_mod(l, d->listen_fd, LOOP_READ);
	}
}

static void accept_pause(struct daemon *d)
{
	if (d->accept_paused)
		return;
	d->accept_paused = 1;
	loop_fd_mod(d->loop, d->listen_fd, 0);
	d->accept_timer = loop_timer_after(d->loop, ACCEPT_RETRY_MS, accept_resume_cb, d);
}

static void client_update_events(struct dclient *c)
{
	unsigned ev = 0;
	/* Read while the request buffer has room; a busy client's next
	 * requests wait in it, so a flood is bounded by the cap. */
	c->reading = !c->eof && !c->closing && linefr_held(&c->in) <= PROTO_LINE_MAX;
	if (c->reading)
		ev |= LOOP_READ;
	if (c->out_len > c->out_off)
		ev |= LOOP_WRITE;
	loop_fd_mod(c->d->loop, c->fd, ev);
}

static void idle_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct dclient *c = arg;
	c->idle_timer = 0;
	if (c->dead)
		return;
	/* waiting for its op is not idle; not reading its replies is */
	if (c->busy && c->out_off >= c->out_len) {
		c->idle_timer = loop_timer_after(c->d->loop, CLIENT_IDLE_MS, idle_cb, c);
		return;
	}
	if (c->out_off < c->out_len)
		dlog("dropping a client that does not read its replies");
	client_close(c);
}

/* Re-arms the idle timer: called on every request and on output progress. */
static void touch(struct dclient *c)
{
	loop_timer_del(c->d->loop, c->idle_timer);
	c->idle_timer = loop_timer_after(c->d->loop,
	    c->out_off < c->out_len ? CLIENT_STALL_MS : CLIENT_IDLE_MS, idle_cb, c);
}

static void listen_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	(void)events;
	struct daemon *d = arg;
	for (int i = 0; i < 64; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				dlog("accept: %s: pausing new connections", strerror(errno));
				accept_pause(d);
			}
			return;
		}
		struct ucred cred;
		socklen_t len = sizeof cred;
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    cred.uid != geteuid()) {
			dlog("refused a connection from uid %ld", (long)cred.uid);
			close(cfd);
			continue;
		}
		if (d->nclients >= CLIENTS_MAX) {
			size_t n;
			char *msg = proto_encode_error("too many clients", &n);
			(void)!send(cfd, msg, n, MSG_NOSIGNAL | MSG_DONTWAIT);
			free(msg);
			close(cfd);
			continue;
		}
		struct dclient *c = xcalloc(1, sizeof *c);
		c->d = d;
		c->fd = cfd;
		linefr_init(&c->in, PROTO_LINE_MAX);
		if (loop_fd_add(d->loop, cfd, LOOP_READ, client_io_cb, c, NULL) < 0) {
			linefr_free(&c->in);
			free(c);
			close(cfd);
			continue;
		}
		c->reading = 1;
		c->next = d->clients;
		d->clients = c;
		d->nclients++;
		touch(c);
	}
}

int control_listen(struct daemon *d, char **cause)
{
	struct sockaddr_un sa;
	socklen_t len;
	int dirfd;
	if (home_sockaddr(d->sock_path, &sa, &len, &dirfd, cause) < 0)
		return -1;
	/* We hold the home's lock: a socket left here is a dead daemon's. */
	unlink(d->sock_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno;
		if (dirfd >= 0)
			close(dirfd);
		return fail(cause, "socket: %s", strerror(e));
	}
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sa, len);
	int e = errno;
	umask(old);
	if (dirfd >= 0)
		close(dirfd);
	if (r < 0) {
		close(fd);
		return fail(cause, "cannot bind %s: %s", d->sock_path, strerror(e));
	}
	if (chmod(d->sock_path, 0600) < 0 || listen(fd, 128) < 0) {
		e = errno;
		close(fd);
		unlink(d->sock_path);
		return fail(cause, "cannot listen on %s: %s", d->sock_path, strerror(e));
	}
	if (loop_fd_add(d->loop, fd, LOOP_READ, listen_cb, d, cause) < 0) {
		close(fd);
		unlink(d->sock_path);
		return -1;
	}
	d->listen_fd = fd;
	return 0;
}

void control_close(struct daemon *d)
{
	if (d->listen_fd >= 0) {
		loop_fd_del(d->loop, d->listen_fd);
		close(d->listen_fd);
		d->listen_fd = -1;
	}
	loop_timer_del(d->loop, d->accept_timer);
	d->accept_timer = 0;
}

/* ---- output ---- */

static int client_flush(struct dclient *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return -1;
		}
		c->out_off += (size_t)w;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

void client_send(struct dclient *c, char *buf, size_t len)
{
	if (c->dead) {
		free(buf);
		return;
	}
	if (c->out_len - c->out_off + len > CLIENT_OUT_MAX) {
		/* it reads slower than we answer: drop it (tmux control.c) */
		dlog("dropping a client that does not read its replies");
		free(buf);
		client_close(c);
		return;
	}
	if (c->out_off > 0 && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + len > c->out_cap) {
		if (c->out_off > 0) {
			memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + len)
			cap *= 2;
		c->out = xrealloc(c->out, cap);
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	free(buf);
	int was_stalled = c->out_off < c->out_len - len;
	if (client_flush(c) < 0) {
		client_close(c);
		return;
	}
	/* output just got stuck: it now has CLIENT_STALL_MS to read it */
	if (!was_stalled && c->out_off < c->out_len)
		touch(c);
	client_update_events(c);
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

static void kick_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct dclient *c = arg;
	c->kick_timer = 0;
	if (!c->dead)
		client_process(c);
}

void client_done(struct dclient *c)
{
	if (c->dead)
		return;
	c->busy = 0;
	touch(c);
	/* Next request from the loop, not from inside whoever answered. */
	if (!c->kick_timer)
		c->kick_timer = loop_timer_after(c->d->loop, 0, kick_cb, c);
}

void client_close(struct dclient *c)
{
	if (c->dead)
		return;
	struct daemon *d = c->d;
	loop_fd_del(d->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	loop_timer_del(d->loop, c->kick_timer);
	loop_timer_del(d->loop, c->idle_timer);
	c->kick_timer = c->idle_timer = 0;
	for (struct dop *o = d->ops; o; o = o->next)
		if (o->client == c)
			o->client = NULL;
	d->nclients--;
	daemon_bury_client(c);
	/* a descriptor is free again */
	if (d->accept_paused && d->listen_fd >= 0) {
		d->accept_paused = 0;
		loop_timer_del(d->loop, d->accept_timer);
		d->accept_timer = 0;
		loop_fd_mod(d->loop, d->listen_fd, LOOP_READ);
	}
}

void client_free(struct dclient *c)
{
	linefr_free(&c->in);
	free(c->out);
	free(c);
}

void control_flush_all(struct daemon *d)
{
	for (int round = 0; round < 100; round++) {
		int pending = 0;
		for (struct dclient *c = d->clients; c; c = c->next) {
			if (c->fd < 0 || c->out_off >= c->out_len)
				continue;
			if (client_flush(c) < 0)
				c->out_off = c->out_len = 0;
			else if (c->out_off < c->out_len)
				pending = 1;
		}
		if (!pending)
			return;
		poll(NULL, 0, 10);
	}
}

/* ---- input ---- */

static void client_process(struct dclient *c)
{
	while (!c->dead && !c->busy && !c->closing) {
		const char *line;
		size_t len;
		int r = linefr_next(&c->in, &line, &len);
		if (r < 0) {
			client_error(c, "request longer than %d bytes", PROTO_LINE_MAX);
			c->closing = 1;
			break;
		}
		if (r == 0) {
			if (c->eof && linefr_held(&c->in) > 0) {
				client_error(c, "truncated request (no newline before end of input)");
				c->closing = 1;
			} else if (c->eof) {
				c->closing = 1;
			}
			break;
		}
		if (len == 0)
			continue;       /* blank lines are harmless */
		struct proto_req req;
		char *err = NULL;
		int rc = proto_decode(line, len, &req, &err);
		if (rc != PROTO_OK) {
			client_error(c, "%s", err);
			free(err);
			if (rc == PROTO_ERR_FRAME)
				c->closing = 1;
			continue;
		}
		touch(c);
		cmd_dispatch(c, &req);
		proto_req_free(&req);
	}
	if (c->dead)
		return;
	if (c->closing && c->out_off >= c->out_len) {
		client_close(c);
		return;
	}
	client_update_events(c);
}

static void client_io_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	struct dclient *c = arg;
	if (events & LOOP_WRITE) {
		size_t before = c->out_len - c->out_off;
		if (client_flush(c) < 0) {
			client_close(c);
			return;
		}
		if (c->out_len - c->out_off < before)
			touch(c);       /* it reads: the clock starts again */
		if (c->closing && c->out_off >= c->out_len) {
			client_close(c);
			return;
		}
	}
	if ((events & (LOOP_READ | LOOP_HUP)) && c->reading) {
		char buf[16384];
		/* at most a few reads per wake-up: other clients get their turn */
		for (int i = 0; i < 4 && linefr_held(&c->in) <= PROTO_LINE_MAX; i++) {
			ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					break;
				client_close(c);
				return;
			}
			if (r == 0) {
				c->eof = 1;
				break;
			}
			linefr_feed(&c->in, buf, (size_t)r);
		}
		client_process(c);
		return;
	}
	if ((events & LOOP_HUP) && !c->reading) {
		/* both directions are gone: nobody will read a reply */
		client_close(c);
		return;
	}
	client_update_events(c);
}
