/* The keeper's control socket (keeperctl.h): private, peer uid checked,
 * lines capped; a bad or slow client is closed, the keeper goes on.
 * Every client gets the status line on connect and on every change. */
#include "keeper.h"
#include "xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int keeper_ctl_listen(struct keeper *k, char **cause)
{
	/* the keeper runs in its app directory, so the path is short whatever
	 * PSUP_HOME is */
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, KEEPER_SOCK_FILE, sizeof KEEPER_SOCK_FILE);
	k->listenfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->listenfd < 0)
		return fail(cause, "cannot create socket: %s", strerror(errno));
	/* we hold the app's lock, so a socket file left here is stale */
	unlink(KEEPER_SOCK_FILE);
	mode_t old = umask(077);
	int r = bind(k->listenfd, (struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	umask(old);
	if (r < 0)
		return fail(cause, "cannot bind %s/%s: %s", k->appdir, KEEPER_SOCK_FILE, strerror(e));
	chmod(KEEPER_SOCK_FILE, 0600);
	if (listen(k->listenfd, 16) < 0)
		return fail(cause, "cannot listen on %s/%s: %s", k->appdir, KEEPER_SOCK_FILE, strerror(errno));
	return 0;
}

static void client_watch(struct keeper *k, struct client *c)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN | (c->out_len ? EPOLLOUT : 0);
	ev.data.ptr = &c->w;
	epoll_ctl(k->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void client_flush(struct keeper *k, struct client *c)
{
	while (c->out_len > 0) {
		ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				c->dead = 1;
			break;
		}
		memmove(c->out, c->out + w, c->out_len - (size_t)w);
		c->out_len -= (size_t)w;
	}
	if (c->out_len == 0 && c->closing)
		c->dead = 1;
	int want = c->out_len > 0;
	if (!c->dead && want != c->want_out) {
		c->want_out = want;
		client_watch(k, c);
	}
}

/* Queues one line; a client that falls too far behind is dropped. */
static void client_send(struct keeper *k, struct client *c, const char *a, const char *b)
{
	if (c->dead)
		return;
	size_t la = strlen(a), lb = b ? strlen(b) : 0;
	size_t need = c->out_len + la + lb + 1;
	if (need > KEEPER_CLIENT_OUT_MAX) {
		c->dead = 1;
		return;
	}
	if (need > c->out_cap) {
		c->out_cap = need < 4096 ? 4096 : need * 2;
		c->out = xrealloc(c->out, c->out_cap);
	}
	memcpy(c->out + c->out_len, a, la);
	if (lb)
		memcpy(c->out + c->out_len + la, b, lb);
	c->out[c->out_len + la + lb] = '\n';
	c->out_len = need;
	client_flush(k, c);
}

void keeper_ctl_broadcast(struct keeper *k, const char *line)
{
	for (struct client *c = k->clients; c; c = c->next)
		client_send(k, c, "status ", line);
}

static void reply_err(struct keeper *k, struct client *c, const char *why)
{
	client_send(k, c, "err ", why);
}

static int parse_signal(const char *s, int *sig)
{
	long v = 0;
	if (!*s)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > 1000)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 64)
		return -1;
	*sig = (int)v;
	return 0;
}

static void handle_line(struct keeper *k, struct client *c, char *line)
{
	char *cause = NULL;
	if (strcmp(line, "start") == 0) {
		keeper_event(k, PEV_START);
	} else if (strcmp(line, "stop") == 0) {
		keeper_event(k, PEV_STOP);
	} else if (strcmp(line, "restart") == 0) {
		keeper_event(k, PEV_RESTART);
	} else if (strcmp(line, "quit") == 0) {
		client_send(k, c, "ok", NULL);
		keeper_event(k, PEV_QUIT);
		return;
	} else if (strcmp(line, "status") == 0) {
		keeper_publish(k, 0);
		client_send(k, c, "status ", k->last_status);
	} else if (strcmp(line, "flush") == 0) {
		if (logsink_flush(&k->log, &cause) < 0) {
			reply_err(k, c, cause);
			free(cause);
			return;
		}
	} else if (strcmp(line, "reload") == 0) {
		if (keeper_reload(k, &cause) < 0) {
			reply_err(k, c, cause);
			free(cause);
			return;
		}
	} else if (strncmp(line, "signal ", 7) == 0) {
		int sig;
		if (parse_signal(line + 7, &sig) < 0) {
			reply_err(k, c, "bad signal number");
			return;
		}
		if (!k->pid) {
			reply_err(k, c, "not running");
			return;
		}
		if (kill(k->pid, sig) < 0) {
			char why[128];
			snprintf(why, sizeof why, "cannot signal %ld: %s", (long)k->pid, strerror(errno));
			reply_err(k, c, why);
			return;
		}
	} else {
		reply_err(k, c, "unknown request");
		return;
	}
	client_send(k, c, "ok", NULL);
}

static void client_read(struct keeper *k, struct client *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - 1 - c->in_len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				c->dead = 1;
			return;
		}
		if (n == 0) {
			c->dead = 1;
			return;
		}
		c->in_len += (size_t)n;
		char *p = c->in, *end = c->in + c->in_len;
		char *nl;
		while (!c->dead && !c->closing && (nl = memchr(p, '\n', (size_t)(end - p)))) {
			size_t len = (size_t)(nl - p);
			if (len && p[len - 1] == '\r')
				len--;
			p[len] = '\0';
			if (strlen(p) != len) {
				reply_err(k, c, "binary data in request");
				c->closing = 1;
				client_flush(k, c);
				return;
			}
			handle_line(k, c, p);
			p = nl + 1;
		}
		c->in_len = (size_t)(end - p);
		memmove(c->in, p, c->in_len);
		if (c->in_len >= KEEPERCTL_LINE_MAX) {
			reply_err(k, c, "request too long");
			c->closing = 1;
			client_flush(k, c);
			return;
		}
		if (c->closing || c->dead)
			return;
	}
}

void keeper_ctl_client_cb(struct keeper *k, struct client *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & EPOLLOUT)
		client_flush(k, c);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(k, c);
}

static void pause_accept(struct keeper *k, int pause)
{
	if (k->accept_paused == pause)
		return;
	k->accept_paused = pause;
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = pause ? 0 : EPOLLIN;
	ev.data.ptr = &k->wlisten;
	epoll_ctl(k->epfd, EPOLL_CTL_MOD, k->listenfd, &ev);
}

void keeper_ctl_accept_cb(struct keeper *k)
{
	for (;;) {
		int fd = accept4(k->listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				pause_accept(k, 1); /* resumed when a client leaves */
			return;
		}
		struct ucred cr;
		socklen_t cl = sizeof cr;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 ||
		    (cr.uid != geteuid() && cr.uid != 0) || k->nclients >= KEEPER_MAX_CLIENTS) {
			close(fd);
			continue;
		}
		struct client *c = xcalloc(1, sizeof *c);
		c->fd = fd;
		c->w.kind = W_CLIENT;
		c->w.ptr = c;
		struct epoll_event ev;
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.ptr = &c->w;
		if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = k->clients;
		k->clients = c;
		k->nclients++;
		client_send(k, c, "status ", k->last_status);
	}
}

static void client_free(struct client *c)
{
	close(c->fd);
	free(c->out);
	free(c);
}

void keeper_ctl_sweep(struct keeper *k)
{
	struct client **pp = &k->clients;
	int freed = 0;
	while (*pp) {
		struct client *c = *pp;
		if (c->dead) {
			*pp = c->next;
			client_free(c);
			k->nclients--;
			freed = 1;
		} else {
			pp = &c->next;
		}
	}
	if (freed && k->accept_paused)
		pause_accept(k, 0);
}

void keeper_ctl_close_all(struct keeper *k)
{
	while (k->clients) {
		struct client *c = k->clients;
		k->clients = c->next;
		/* last words (the "ok" to quit) go out if the socket takes them */
		if (c->out_len && !c->dead)
			client_flush(k, c);
		client_free(c);
	}
	k->nclients = 0;
}
