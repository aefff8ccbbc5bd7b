/* The control-socket server of the daemon (the CLI socket) and of every
 * keeper (control.sock), as relayd's and tmux's control.c: a private Unix
 * socket (mode 0600), the peer's uid checked with SO_PEERCRED, requests cut
 * into capped lines (linefr.h), bounded queued output with a client that
 * falls behind dropped, accept paused on EMFILE and resumed when a client
 * leaves, optional idle and stall timeouts, and at the client cap
 * optionally the longest idle client dropped for a new one. A client that misbehaves is
 * closed, never the server. The protocol spoken on the lines is the
 * user's: it gets each line through a callback and answers with
 * ctlsrv_send(). Runs on loop.h; libc only. */
#ifndef PSUP_CTLSRV_H
#define PSUP_CTLSRV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "buf.h"
#include "loop.h"

struct ctlsrv;
struct ctlconn;

enum ctlsrv_fault {
	CTLSRV_LONG,            /* a request over line_max */
	CTLSRV_TRUNCATED,       /* input ended inside a request */
};

/* A client connected; returns the user's object for it (handed back to
 * every callback about this client). */
typedef void *ctlsrv_open_cb(struct ctlconn *c, void *arg);
/* One request line (without newline, NUL-terminated; len counts NULs
 * inside). Returns 0 to get the next line, or 1 when the request is
 * answered later: no line comes until ctlsrv_resume(). */
typedef int ctlsrv_line_cb(struct ctlconn *c, void *user, const char *line, size_t len,
    void *arg);
/* A request the framer refused: the user may send an error reply; the
 * client is then closed once its output is written. */
typedef void ctlsrv_fault_cb(struct ctlconn *c, void *user, enum ctlsrv_fault f, void *arg);
/* The client is closed (its descriptor already is): the user drops its
 * references to c, which is freed at the next ctlsrv_sweep(). */
typedef void ctlsrv_close_cb(struct ctlconn *c, void *user, void *arg);
/* What the server has to say (a dropped client, a refused peer, a paused
 * accept); NULL in the config keeps it quiet. */
typedef void ctlsrv_log_cb(const char *msg, void *arg);

struct ctlsrv_config {
	size_t line_max;            /* longest request, newline included */
	size_t out_max;             /* queued reply bytes before a client is dropped */
	int max_clients;
	int backlog;
	int allow_root;             /* also accept peers of uid 0 */
	/* sent to a client refused because max_clients are connected (NULL:
	 * closed without a word) */
	const char *full_reply;
	/* At max_clients, a new client closes the client idle longest (no
	 * request in progress, nothing queued either way) and takes its place;
	 * refused only when none is idle. So a flood of idle connections from
	 * the same uid cannot lock the owner out. 0: refused at once (a server
	 * whose long-lived clients are quiet for long). */
	int drop_idle;
	int64_t idle_ms;            /* 0: none; else a client with no request and
	                             * nothing to read in that long is closed */
	int64_t stall_ms;           /* a client that reads none of its queued
	                             * output for that long is closed (with idle_ms) */
	int64_t accept_retry_ms;    /* after EMFILE, also try again after this
	                             * long (0: only when a client leaves) */
	ctlsrv_open_cb *open_cb;
	ctlsrv_line_cb *line_cb;
	ctlsrv_fault_cb *fault_cb;  /* may be NULL */
	ctlsrv_close_cb *close_cb;  /* may be NULL */
	ctlsrv_log_cb *log_cb;      /* may be NULL */
	void *arg;
};

/* Binds a stream socket at sa (path names it for unlink, chmod and
 * messages: a file left there is removed first, as the caller holds the
 * lock that makes it stale), mode 0600, listens and serves it on l.
 * Returns the server, or NULL with *cause set. */
struct ctlsrv *ctlsrv_listen(struct loop *l, const struct sockaddr_un *sa, socklen_t len,
    const char *path, const struct ctlsrv_config *cfg, char **cause);
/* Listens again at sa (as ctlsrv_listen() does: a file left at path is
 * removed first) with a new socket, for a server whose socket file was
 * removed: the old listening socket is closed, the clients stay. Returns 0,
 * or -1 with *cause set (the old socket, if any, still listens). */
int ctlsrv_relisten(struct ctlsrv *s, const struct sockaddr_un *sa, socklen_t len,
    const char *path, char **cause);
/* Stops accepting and closes the listening socket (its file stays: the
 * caller unlinks it when it is done with it). Clients stay. */
void ctlsrv_stop(struct ctlsrv *s);
/* Writes what is queued for every client, waiting up to max_ms in all
 * (0: one non-blocking try each): last words at exit. */
void ctlsrv_flush_all(struct ctlsrv *s, int64_t max_ms);
/* Frees closed clients: call it from the loop's sweep callback. */
void ctlsrv_sweep(struct ctlsrv *s);
/* Closes everything without callbacks and frees the server. */
void ctlsrv_free(struct ctlsrv *s);
int ctlsrv_clients(const struct ctlsrv *s);

/* Queues n bytes for c and writes what the socket takes now. A client past
 * out_max is dropped (closed). Returns 0, or -1 when c is (now) closed. */
int ctlsrv_send(struct ctlconn *c, const void *p, size_t n);
/* ctlsrv_send() of b's contents, taking its memory instead of copying when
 * nothing is queued for c (a list of every app is half a megabyte): b is
 * left holding what c no longer needs, for the caller to free. */
int ctlsrv_send_buf(struct ctlconn *c, struct buf *b);
/* Queues the same bytes for every open client. */
void ctlsrv_broadcast(struct ctlsrv *s, const void *p, size_t n);
/* Reads no more from c and closes it once its output is written. */
void ctlsrv_finish(struct ctlconn *c);
/* Closes c now (close_cb runs); queued output is lost. */
void ctlsrv_close(struct ctlconn *c);
/* The request that held the lines is answered: go on with the next line,
 * from the loop (not from inside the caller). */
void ctlsrv_resume(struct ctlconn *c);

#endif
