/* The keeper's control socket (keeperctl.h) on the common control-socket
 * server (ctlsrv.h: private, peer uid checked, lines capped, a bad or slow
 * client closed, the keeper goes on). Every client gets the status line on
 * connect and on every change. */
#include "keeper.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Formats a+b and a newline into buf (cut to a line if longer); returns
 * its length. */
static size_t line_fmt(char *buf, size_t cap, const char *a, const char *b)
{
	int n = snprintf(buf, cap - 1, "%s%s", a, b ? b : "");
	size_t len = n < 0 ? 0 : (size_t)n < cap - 1 ? (size_t)n : cap - 2;
	buf[len++] = '\n';
	return len;
}

/* Queues one line; a client that falls too far behind is dropped. */
static void client_send(struct ctlconn *c, const char *a, const char *b)
{
	char buf[KEEPERCTL_LINE_MAX];
	ctlsrv_send(c, buf, line_fmt(buf, sizeof buf, a, b));
}

extern char **environ;

/* The readiness descriptor (keeperctl.h), -1 when none. */
static int ready_fd = -1;

void keeper_ctl_ready_take(void)
{
	static const char key[] = KEEPERCTL_READY_ENV "=";
	const char *v = NULL;
	/* dropped from environ in place, not by unsetenv: its lock and
	 * bookkeeping would cost each keeper a page of its own */
	char **w = environ;
	for (char **r = environ; r && *r; r++) {
		if (strncmp(*r, key, sizeof key - 1) == 0)
			v = *r + sizeof key - 1;
		else
			*w++ = *r;
	}
	if (w)
		*w = NULL;
	if (!v)
		return;
	char *end;
	long fd = strtol(v, &end, 10);
	if (*end || end == v || fd < 3 || fd > 1024 || fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
		return;
	ready_fd = (int)fd;
}

static void ready_say(void)
{
	if (ready_fd < 0)
		return;
	/* a daemon gone meanwhile is no error: it connects when it comes */
	if (write(ready_fd, "r", 1) < 0 && errno != EPIPE)
		keeper_warnx("cannot say the socket is ready: %s", strerror(errno));
	close(ready_fd);
	ready_fd = -1;
}

void keeper_ctl_broadcast(struct keeper *k, const char *msg, size_t n)
{
	if (k->ctl)
		ctlsrv_broadcast(k->ctl, msg, n);
}

/* The latest status, as published (keeper_publish). */
static void status_send(struct keeper *k, struct ctlconn *c)
{
	if (k->status_msg)
		ctlsrv_send(c, k->status_msg, k->status_len);
	else
		client_send(c, "status ", NULL);
}

static void reply_err(struct ctlconn *c, const char *why)
{
	client_send(c, "err ", why);
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

static void handle_line(struct keeper *k, struct ctlconn *c, const char *line)
{
	char *cause = NULL;
	if (strcmp(line, "start") == 0) {
		keeper_event(k, PEV_START);
	} else if (strcmp(line, "stop") == 0) {
		keeper_event(k, PEV_STOP);
	} else if (strcmp(line, "restart") == 0) {
		keeper_event(k, PEV_RESTART);
	} else if (strcmp(line, "quit") == 0) {
		client_send(c, "ok", NULL);
		keeper_event(k, PEV_QUIT);
		return;
	} else if (strcmp(line, "status") == 0) {
		keeper_publish(k, 0);
		status_send(k, c);
	} else if (strcmp(line, "flush") == 0) {
		if (logsink_flush(&k->log, &cause) < 0) {
			reply_err(c, cause);
			free(cause);
			return;
		}
	} else if (strcmp(line, "reopen") == 0) {
		/* logrotate moved the files: write to new ones */
		if (logsink_reopen(&k->log, &cause) < 0) {
			reply_err(c, cause);
			free(cause);
			return;
		}
	} else if (strcmp(line, "reset") == 0) {
		/* pm2's reset: the restart count starts again from 0 */
		k->restarts_base = 0;
		k->pol.restarts = 0;
		keeper_publish(k, 1);
	} else if (strcmp(line, "reload") == 0) {
		if (keeper_reload(k, &cause) < 0) {
			reply_err(c, cause);
			free(cause);
			return;
		}
	} else if (strncmp(line, "signal ", 7) == 0) {
		int sig;
		if (parse_signal(line + 7, &sig) < 0) {
			reply_err(c, "bad signal number");
			return;
		}
		if (!k->pid) {
			reply_err(c, "not running");
			return;
		}
		if (kill(k->pid, sig) < 0) {
			char why[128];
			snprintf(why, sizeof why, "cannot signal %ld: %s", (long)k->pid, strerror(errno));
			reply_err(c, why);
			return;
		}
	} else {
		reply_err(c, "unknown request");
		return;
	}
	client_send(c, "ok", NULL);
}

static void *open_cb(struct ctlconn *c, void *arg)
{
	struct keeper *k = arg;
	status_send(k, c);
	return k;
}

static int line_cb(struct ctlconn *c, void *user, const char *line, size_t len, void *arg)
{
	(void)user;
	if (strlen(line) != len) {
		reply_err(c, "binary data in request");
		ctlsrv_finish(c);
		return 0;
	}
	handle_line(arg, c, line);
	return 0;
}

static void fault_cb(struct ctlconn *c, void *user, enum ctlsrv_fault f, void *arg)
{
	(void)user;
	(void)arg;
	/* a request cut by the end of input gets no answer: nobody reads it */
	if (f == CTLSRV_LONG)
		reply_err(c, "request too long");
}

int keeper_ctl_listen(struct keeper *k, char **cause)
{
	/* the keeper runs in its app directory, so the path is short whatever
	 * PSUP_HOME is */
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, KEEPER_SOCK_FILE, sizeof KEEPER_SOCK_FILE);
	struct ctlsrv_config cfg = {
		.line_max = KEEPERCTL_LINE_MAX,
		.out_max = KEEPER_CLIENT_OUT_MAX,
		.max_clients = KEEPER_MAX_CLIENTS,
		.backlog = 16,
		.allow_root = 1,
		.open_cb = open_cb,
		.line_cb = line_cb,
		.fault_cb = fault_cb,
		.arg = k,
	};
	char *why = NULL;
	/* we hold the app's lock, so a socket file left here is stale */
	k->ctl = ctlsrv_listen(k->loop, &sa, sizeof sa, KEEPER_SOCK_FILE, &cfg, &why);
	if (!k->ctl) {
		fail(cause, "%s: %s", k->appdir, why);
		free(why);
		return -1;
	}
	ready_say();
	return 0;
}

void keeper_ctl_sweep(struct keeper *k)
{
	if (k->ctl)
		ctlsrv_sweep(k->ctl);
}

void keeper_ctl_close_all(struct keeper *k)
{
	if (!k->ctl)
		return;
	/* last words (the "ok" to quit) go out if the socket takes them */
	ctlsrv_flush_all(k->ctl, 0);
	ctlsrv_free(k->ctl);
	k->ctl = NULL;
}
