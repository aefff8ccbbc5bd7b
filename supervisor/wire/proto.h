/* The CLI <-> daemon protocol (supervisor/PROTOCOL.md) as pure layers:
 * framing (bytes to capped lines), decoding (one JSON line to a typed
 * request, version checked), and encoding (reply objects to one line).
 * Nothing here does I/O, so each layer is unit-tested and fuzzed. */
#ifndef PSUP_PROTO_H
#define PSUP_PROTO_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define PROTO_VERSION 1
#define PROTO_LINE_MAX (64 * 1024)   /* a request line, newline included */

/* ---- framing ---- */

struct proto_framer {
	char *buf;
	size_t off;             /* start of the bytes not yet returned */
	size_t len;             /* end of the bytes held */
	size_t cap;
	size_t max;             /* longest line, newline included */
};

void proto_framer_init(struct proto_framer *f, size_t max);
void proto_framer_free(struct proto_framer *f);
/* Appends n bytes. Never fails; the caller bounds what it feeds by looking
 * at proto_framer_held() (stop reading while requests are pending). */
void proto_framer_feed(struct proto_framer *f, const void *p, size_t n);
/* The next whole line without its newline (and without a '\r' before it):
 * returns 1 with *line and *len pointing into the framer (valid until the next
 * feed or next call), 0 when no whole line is held yet, or -1 when the
 * pending line is already longer than max (the stream is then unusable). */
int proto_framer_next(struct proto_framer *f, const char **line, size_t *len);
/* Bytes held that were not returned as lines yet. At EOF, a non-zero value
 * means the peer sent a truncated request. */
size_t proto_framer_held(const struct proto_framer *f);

/* ---- decoding ---- */

enum proto_cmd {
	PROTO_PING,
	PROTO_START,
	PROTO_STOP,
	PROTO_RESTART,
	PROTO_DELETE,
	PROTO_LIST,
	PROTO_DESCRIBE,
	PROTO_FLUSH,
	PROTO_SIGNAL,
	PROTO_SAVE,
	PROTO_RESURRECT,
	PROTO_KILL,
	PROTO_WAIT,
};

struct proto_req {
	enum proto_cmd cmd;
	char *file;             /* start FILE: an absolute path, else NULL */
	char *target;           /* name, group, id or "all"; NULL when absent */
	int signal;             /* signal: 1..64 */
	long long timeout_ms;   /* wait: 0 = no limit */
};

enum {
	PROTO_OK = 0,
	PROTO_ERR_FRAME = -1,   /* not UTF-8 text, not JSON, not an object: close */
	PROTO_ERR_REQUEST = -2, /* bad version, command or argument: reply, go on */
};

/* Decodes one request line into *req (zeroed first). Returns PROTO_OK, or a
 * PROTO_ERR_* with *err set to a one-line message (the caller frees it);
 * on error *req holds nothing to free. */
int proto_decode(const char *line, size_t len, struct proto_req *req, char **err);
void proto_req_free(struct proto_req *req);
const char *proto_cmd_name(enum proto_cmd c);

/* 1 when p[0..n) is well-formed UTF-8 without NUL bytes. */
int proto_utf8_valid(const char *p, size_t n);

/* ---- encoding ---- */

/* Serialises obj as one JSON line ending in '\n'. obj is not freed. Returns
 * a malloc'd buffer (the caller frees it) and its length in *len. */
char *proto_encode(const cJSON *obj, size_t *len);
/* {"ok":false,"error":msg}\n */
char *proto_encode_error(const char *msg, size_t *len);
/* A new reply object {"ok":true}; the caller adds fields and deletes it. */
cJSON *proto_reply_ok(void);

#endif
