/* The CLI socket (control.c): accept, framing, bounded output. A client is
 * owned by struct daemon's list; client_close() buries it and the sweep
 * frees it with client_free(). */
#ifndef PSUP_CONTROL_H
#define PSUP_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "daemon_core.h"
#include "proto.h"

struct dclient {
	struct dclient *next;
	struct daemon *d;
	int fd;
	struct proto_framer in;
	char *out;
	size_t out_off, out_len, out_cap;
	int busy;                   /* an op answers the current request */
	int eof;                    /* the peer shut its side */
	int closing;                /* close once the output is flushed */
	int reading;                /* LOOP_READ is on */
	int dead;
	uint64_t kick_timer;        /* resumes request processing */
	uint64_t idle_timer;
	int64_t last_active;
};

int control_listen(struct daemon *d, char **cause);
void control_close(struct daemon *d);
/* Queues one encoded reply line (takes ownership of buf). */
void client_send(struct dclient *c, char *buf, size_t len);
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
