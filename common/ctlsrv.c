/* The control-socket server (see ctlsrv.h). */
#include "ctlsrv.h"
#include "buf.h"
#include "clock.h"
#include "fdio.h"
#include "linefr.h"
#include "xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACCEPTS_PER_WAKE 64
#define READS_PER_WAKE 4        /* other clients get their turn */
#define READ_CHUNK 16384

struct ctlconn {
	struct ctlconn *next;
	struct ctlsrv *s;
	int fd;                     /* -1 once closed */
	void *user;
	struct linefr in;
	struct buf out;
	size_t out_off;             /* bytes of out already written */
	int held;                   /* a request is answered later */
	int eof;                    /* the peer shut its side */
	int finishing;              /* close once the output is written */
	int dead;
	uint64_t kick_timer;        /* resumes the lines after a held request */
	uint64_t idle_timer;
	int64_t active_ms;          /* monotonic: accepted, last request or output */
};

struct ctlsrv {
	struct loop *l;
	struct ctlsrv_config cfg;
	int fd;                     /* listening, -1 once stopped */
	int paused;                 /* accept paused on EMFILE */
	uint64_t retry_timer;
	struct ctlconn *conns;
	int nconns;
	struct ctlconn *dead;       /* closed, freed at ctlsrv_sweep() */
	char *rbuf;                 /* one read's worth, shared by the clients */
	size_t rbuf_len;
};

static void conn_io_cb(struct loop *l, int fd, unsigned events, void *arg);
static void idle_cb(struct loop *l, uint64_t id, void *arg);
static void conn_process(struct ctlconn *c);

static void say(struct ctlsrv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct ctlsrv *s, const char *fmt, ...)
{
	if (!s->cfg.log_cb)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->cfg.log_cb(msg, s->cfg.arg);
}

static size_t pending(const struct ctlconn *c)
{
	return c->out.len - c->out_off;
}

/* ---- accepting ---- */

static void accept_resume(struct ctlsrv *s)
{
	if (!s->paused || s->fd < 0)
		return;
	s->paused = 0;
	loop_timer_del(s->l, s->retry_timer);
	s->retry_timer = 0;
	loop_fd_mod(s->l, s->fd, LOOP_READ);
}

static void retry_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct ctlsrv *s = arg;
	s->retry_timer = 0;
	accept_resume(s);
}

static void accept_pause(struct ctlsrv *s)
{
	if (s->paused)
		return;
	s->paused = 1;
	loop_fd_mod(s->l, s->fd, 0);
	if (s->cfg.accept_retry_ms > 0)
		s->retry_timer = loop_timer_after(s->l, s->cfg.accept_retry_ms, retry_cb, s);
}

/* Re-arms the idle timer: on every request and on output progress. */
static void touch(struct ctlconn *c)
{
	struct ctlsrv *s = c->s;
	c->active_ms = clock_mono_ms();
	if (!s->cfg.idle_ms)
		return;
	loop_timer_del(s->l, c->idle_timer);
	c->idle_timer = 0;
	int64_t ms = pending(c) && s->cfg.stall_ms ? s->cfg.stall_ms : s->cfg.idle_ms;
	c->idle_timer = loop_timer_after(s->l, ms, idle_cb, c);
}

static void idle_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct ctlconn *c = arg;    /* live: closing cancels this timer */
	c->idle_timer = 0;
	/* waiting for its answer is not idle; not reading it is */
	if (c->held && !pending(c)) {
		touch(c);
		return;
	}
	if (pending(c))
		say(c->s, "dropping a client that does not read its replies");
	ctlsrv_close(c);
}

/* At max_clients: closes the client idle longest to make room (drop_idle).
 * Returns 1 when one was closed. */
static int drop_idlest(struct ctlsrv *s)
{
	if (!s->cfg.drop_idle)
		return 0;
	struct ctlconn *idlest = NULL;
	/* newest first: on a tie the later one found is the older */
	for (struct ctlconn *c = s->conns; c; c = c->next)
		if (!c->held && !c->finishing && !pending(c) && linefr_held(&c->in) == 0 &&
		    (!idlest || c->active_ms <= idlest->active_ms))
			idlest = c;
	if (!idlest)
		return 0;
	ctlsrv_close(idlest);
	return 1;
}

static void listen_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	(void)events;
	struct ctlsrv *s = arg;
	for (int i = 0; i < ACCEPTS_PER_WAKE; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				say(s, "accept: %s: pausing new connections", strerror(errno));
				accept_pause(s);
			}
			return;
		}
		struct ucred cred;
		socklen_t len = sizeof cred;
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    (cred.uid != geteuid() && !(s->cfg.allow_root && cred.uid == 0))) {
			say(s, "refused a connection from uid %ld", (long)cred.uid);
			close(cfd);
			continue;
		}
		if (s->nconns >= s->cfg.max_clients && !drop_idlest(s)) {
			if (s->cfg.full_reply)
				(void)!send(cfd, s->cfg.full_reply, strlen(s->cfg.full_reply),
				    MSG_NOSIGNAL | MSG_DONTWAIT);
			close(cfd);
			continue;
		}
		struct ctlconn *c = xcalloc(1, sizeof *c);
		c->s = s;
		c->fd = cfd;
		linefr_init(&c->in, s->cfg.line_max);
		if (loop_fd_add(s->l, cfd, LOOP_READ, conn_io_cb, c, NULL) < 0) {
			linefr_free(&c->in);
			free(c);
			close(cfd);
			continue;
		}
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
		touch(c);
		c->user = s->cfg.open_cb(c, s->cfg.arg);
	}
}

/* A listening socket bound at sa (what is at path removed first), mode
 * 0600. Returns the fd, or -1 with *cause set. */
static int listen_at(const struct sockaddr_un *sa, socklen_t len, const char *path, int backlog,
    char **cause)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(cause, "cannot create a socket for %s: %s", path, strerror(errno));
	unlink(path);
	mode_t old = umask(0177);
	int r = bind(fd, (const struct sockaddr *)sa, len);
	int e = errno;
	umask(old);
	if (r < 0) {
		close(fd);
		return fail(cause, "cannot bind %s: %s", path, strerror(e));
	}
	if (chmod(path, 0600) < 0 || listen(fd, backlog) < 0) {
		e = errno;
		close(fd);
		unlink(path);
		return fail(cause, "cannot listen on %s: %s", path, strerror(e));
	}
	return fd;
}

struct ctlsrv *ctlsrv_listen(struct loop *l, const struct sockaddr_un *sa, socklen_t len,
    const char *path, const struct ctlsrv_config *cfg, char **cause)
{
	int fd = listen_at(sa, len, path, cfg->backlog, cause);
	if (fd < 0)
		return NULL;
	struct ctlsrv *s = xcalloc(1, sizeof *s);
	s->l = l;
	s->cfg = *cfg;
	s->fd = fd;
	/* on the heap, not the stack: a keeper's stack stays one page deep */
	s->rbuf_len = cfg->line_max < READ_CHUNK ? cfg->line_max : READ_CHUNK;
	s->rbuf = xmalloc(s->rbuf_len);
	if (loop_fd_add(l, fd, LOOP_READ, listen_cb, s, cause) < 0) {
		close(fd);
		unlink(path);
		free(s->rbuf);
		free(s);
		return NULL;
	}
	return s;
}

int ctlsrv_relisten(struct ctlsrv *s, const struct sockaddr_un *sa, socklen_t len,
    const char *path, char **cause)
{
	int fd = listen_at(sa, len, path, s->cfg.backlog, cause);
	if (fd < 0)
		return -1;
	if (loop_fd_add(s->l, fd, LOOP_READ, listen_cb, s, cause) < 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	ctlsrv_stop(s);
	s->fd = fd;
	s->paused = 0;
	return 0;
}

void ctlsrv_stop(struct ctlsrv *s)
{
	if (s->fd >= 0) {
		loop_fd_del(s->l, s->fd);
		close(s->fd);
		s->fd = -1;
	}
	loop_timer_del(s->l, s->retry_timer);
	s->retry_timer = 0;
}

int ctlsrv_clients(const struct ctlsrv *s)
{
	return s->nconns;
}

/* ---- output ---- */

/* Writes what the socket takes. Returns 0, or -1 when the peer is gone. */
static int conn_flush(struct ctlconn *c)
{
	return fdio_send_queued(c->fd, &c->out, &c->out_off);
}

static void conn_update_events(struct ctlconn *c)
{
	/* Read while the request buffer has room: a held client's next
	 * requests wait in it, so a flood is bounded by the cap. */
	int reading = !c->eof && !c->finishing && linefr_held(&c->in) <= c->s->cfg.line_max;
	loop_fd_mod(c->s->l, c->fd, (reading ? LOOP_READ : 0) | (pending(c) ? LOOP_WRITE : 0));
}

/* A reply past the socket's send buffer (about 208 KiB by default) goes
 * out in several writes, each waiting for the client to read and the loop
 * to wake again, which a loaded machine makes slow: for a big one the
 * buffer is raised to hold it (the kernel caps it at net.core.wmem_max). */
#define BIG_REPLY (128 * 1024)
static void conn_fit(struct ctlconn *c, size_t n)
{
	if (n < BIG_REPLY)
		return;
	int v = n > (size_t)(1 << 30) ? 1 << 30 : (int)n;
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
}

/* Queues n bytes from p, or (p NULL) the contents of *b by taking its
 * memory when nothing is queued. */
static int conn_send(struct ctlconn *c, const void *p, size_t n, struct buf *b)
{
	if (c->dead)
		return -1;
	if (pending(c) + n > c->s->cfg.out_max) {
		/* it reads slower than we answer: drop it (tmux control.c) */
		say(c->s, "dropping a client that does not read its replies");
		ctlsrv_close(c);
		return -1;
	}
	int was_stalled = pending(c) > 0;
	conn_fit(c, pending(c) + n);
	if (p) {
		buf_add(&c->out, p, n);
	} else if (!was_stalled) {
		struct buf old = c->out;
		c->out = *b;
		c->out_off = 0;
		*b = old;
	} else {
		buf_add(&c->out, b->p, b->len);
	}
	if (conn_flush(c) < 0) {
		ctlsrv_close(c);
		return -1;
	}
	/* output just got stuck: it now has stall_ms to read it */
	if (!was_stalled && pending(c))
		touch(c);
	conn_update_events(c);
	return 0;
}

int ctlsrv_send(struct ctlconn *c, const void *p, size_t n)
{
	return conn_send(c, p ? p : "", n, NULL);
}

int ctlsrv_send_buf(struct ctlconn *c, struct buf *b)
{
	return conn_send(c, NULL, b->len, b);
}

void ctlsrv_broadcast(struct ctlsrv *s, const void *p, size_t n)
{
	struct ctlconn *next;
	for (struct ctlconn *c = s->conns; c; c = next) {
		next = c->next;     /* a dropped client leaves the list */
		ctlsrv_send(c, p, n);
	}
}

void ctlsrv_flush_all(struct ctlsrv *s, int64_t max_ms)
{
	int64_t deadline = clock_mono_ms() + max_ms;
	for (;;) {
		int left = 0;
		for (struct ctlconn *c = s->conns; c; c = c->next) {
			if (!pending(c))
				continue;
			if (conn_flush(c) < 0) {
				buf_clear(&c->out);
				c->out_off = 0;
			} else if (pending(c)) {
				left = 1;
			}
		}
		if (!left || clock_mono_ms() >= deadline)
			return;
		poll(NULL, 0, 10);
	}
}

/* ---- closing ---- */

void ctlsrv_close(struct ctlconn *c)
{
	if (c->dead)
		return;
	struct ctlsrv *s = c->s;
	c->dead = 1;
	loop_fd_del(s->l, c->fd);
	close(c->fd);
	c->fd = -1;
	loop_timer_del(s->l, c->kick_timer);
	loop_timer_del(s->l, c->idle_timer);
	c->kick_timer = c->idle_timer = 0;
	struct ctlconn **pp = &s->conns;
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	c->next = s->dead;
	s->dead = c;
	s->nconns--;
	if (s->cfg.close_cb)
		s->cfg.close_cb(c, c->user, s->cfg.arg);
	/* a descriptor is free again */
	accept_resume(s);
}

void ctlsrv_finish(struct ctlconn *c)
{
	if (c->dead)
		return;
	c->finishing = 1;
	if (!pending(c))
		ctlsrv_close(c);
	else
		conn_update_events(c);
}

static void conn_free(struct ctlconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	linefr_free(&c->in);
	buf_free(&c->out);
	free(c);
}

void ctlsrv_sweep(struct ctlsrv *s)
{
	while (s->dead) {
		struct ctlconn *c = s->dead;
		s->dead = c->next;
		conn_free(c);
	}
}

void ctlsrv_free(struct ctlsrv *s)
{
	if (!s)
		return;
	ctlsrv_stop(s);
	while (s->conns) {
		struct ctlconn *c = s->conns;
		s->conns = c->next;
		loop_fd_del(s->l, c->fd);
		loop_timer_del(s->l, c->kick_timer);
		loop_timer_del(s->l, c->idle_timer);
		conn_free(c);
	}
	ctlsrv_sweep(s);
	free(s->rbuf);
	free(s);
}

/* ---- input ---- */

static void kick_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct ctlconn *c = arg;    /* live: closing cancels this timer */
	c->kick_timer = 0;
	conn_process(c);
}

void ctlsrv_resume(struct ctlconn *c)
{
	if (c->dead)
		return;
	c->held = 0;
	touch(c);
	if (!c->kick_timer)
		c->kick_timer = loop_timer_after(c->s->l, 0, kick_cb, c);
}

static void fault(struct ctlconn *c, enum ctlsrv_fault f)
{
	struct ctlsrv *s = c->s;
	if (s->cfg.fault_cb)
		s->cfg.fault_cb(c, c->user, f, s->cfg.arg);
	c->finishing = 1;
}

static void conn_process(struct ctlconn *c)
{
	struct ctlsrv *s = c->s;
	while (!c->dead && !c->held && !c->finishing) {
		const char *line;
		size_t len;
		int r = linefr_next(&c->in, &line, &len);
		if (r == LINEFR_LONG) {
			fault(c, CTLSRV_LONG);
			break;
		}
		if (r == LINEFR_NONE) {
			if (c->eof && linefr_held(&c->in) > 0)
				fault(c, CTLSRV_TRUNCATED);
			else if (c->eof)
				c->finishing = 1;
			break;
		}
		touch(c);
		if (s->cfg.line_cb(c, c->user, line, len, s->cfg.arg))
			c->held = 1;
	}
	if (c->dead)
		return;
	if (c->finishing && !pending(c))
		ctlsrv_close(c);
	else
		conn_update_events(c);
}

static void conn_io_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	struct ctlconn *c = arg;
	size_t max = c->s->cfg.line_max;
	if (events & LOOP_WRITE) {
		size_t before = pending(c);
		if (conn_flush(c) < 0) {
			ctlsrv_close(c);
			return;
		}
		if (pending(c) < before)
			touch(c);       /* it reads: the clock starts again */
		if (c->finishing && !pending(c)) {
			ctlsrv_close(c);
			return;
		}
	}
	int reading = !c->eof && !c->finishing && linefr_held(&c->in) <= max;
	if ((events & (LOOP_READ | LOOP_HUP)) && reading) {
		char *buf = c->s->rbuf;
		for (int i = 0; i < READS_PER_WAKE && linefr_held(&c->in) <= max; i++) {
			ssize_t r = recv(fd, buf, c->s->rbuf_len, MSG_DONTWAIT);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					break;
				ctlsrv_close(c);
				return;
			}
			if (r == 0) {
				c->eof = 1;
				break;
			}
			linefr_feed(&c->in, buf, (size_t)r);
		}
		conn_process(c);
		return;
	}
	if ((events & LOOP_HUP) && !reading) {
		/* both directions are gone: nobody will read a reply */
		ctlsrv_close(c);
		return;
	}
	conn_update_events(c);
}
