/* The CLI socket (control.c), on the common control-socket server. A client is
 * owned by struct daemon's list; client_close() buries it and the sweep
 * frees it with client_free(). */
#ifndef PSUP_CONTROL_H
#define PSUP_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "daemon_core.h"
#include "proto.h"

/* A CLI client: its connection is the control socket server's (ctlsrv.h),
 * this is what the commands know of it. */
struct ctlconn;

struct dclient {
	struct dclient *next;
	struct daemon *d;
	struct ctlconn *conn;       /* NULL once closed */
	int busy;                   /* an op answers the current request */
	int dead;
};

int control_listen(struct daemon *d, char **cause);
/* Listens again at the socket's path with a new socket (what is there is
 * removed: the caller holds the home's lock); the clients stay. Returns 0,
 * or -1 with *cause set (the old socket, if any, still listens). */
int control_relisten(struct daemon *d, char **cause);
/* Stops accepting (clients stay until control_free()). */
void control_close(struct daemon *d);
/* Frees closed connections: from the loop's sweep. */
void control_sweep(struct daemon *d);
/* Closes every client connection and the server (daemon exit). */
void control_free(struct daemon *d);
/* Queues one encoded reply line (takes ownership of buf). */
void client_send(struct dclient *c, char *buf, size_t len);
/* Queues the reply line in b without copying it where it can, and frees
 * b (left empty). */
void client_send_buf(struct dclient *c, struct buf *b);
/* Queues reply (the caller still owns and frees it). */
void client_reply(struct dclient *c, cJSON *reply);
void client_error(struct dclient *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The current request is answered: go on with the next one. */
void client_done(struct dclient *c);
void client_close(struct dclient *c);
void client_free(struct dclient *c);
/* Blocks briefly to flush every client's output (daemon exit). */
void control_flush_all(struct daemon *d);

#endif
