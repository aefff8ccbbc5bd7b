/* The CLI <-> daemon protocol (supervisor/PROTOCOL.md) as pure layers:
 * framing (bytes to lines of at most PROTO_LINE_MAX, by common/linefr.h),
 * decoding (one JSON line to a typed request, version checked), and
 * encoding (reply objects to one line). Nothing here does I/O, so each
 * layer is unit-tested and fuzzed. */
#ifndef PSUP_PROTO_H
#define PSUP_PROTO_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define PROTO_VERSION 1
#define PROTO_LINE_MAX (64 * 1024)   /* a request line, newline included */
#define PROTO_SCALE_MAX 1024         /* instances of a group `scale` makes */

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
	PROTO_RELOAD_LOGS,
	PROTO_RESET,
	PROTO_SCALE,
};

struct proto_req {
	enum proto_cmd cmd;
	char *file;             /* start FILE: an absolute path, else NULL */
	char *target;           /* the first of targets; NULL when absent */
	char **targets;         /* NULL-terminated selectors (name, group, id, "all",
	                         * /regex/, absolute file or script path); NULL
	                         * when absent */
	int signal;             /* signal: 1..64 */
	long long timeout_ms;   /* wait: 0 = no limit */
	int instances;          /* scale: 1..PROTO_SCALE_MAX */
	char **env;             /* start, restart: the caller's environment as
	                         * NULL-terminated "KEY=VALUE"; NULL when absent */
	int force;              /* save: write the dump even with no apps */
	int clear;              /* save: write a dump of no apps (cleardump) */
	int pm2;                /* list: add pm2's jlist keys to each app */
	int toggle_watch;       /* restart: watch the app's cwd if it watched
	                         * nothing, else stop watching (pm2's --watch) */
	int update_env;         /* start NAME, restart: replace the apps' base
	                         * environment with env */
	char *env_name;         /* start FILE: pick env_NAME of each app, or NULL */
	char **only;            /* start FILE: NULL-terminated app names, or NULL */
	char *app;              /* start: an app object or a list of them (JSON
	                         * text), or NULL */
	char *cwd;              /* start with app: the caller's absolute cwd */
	int rerun;              /* start with app: one loaded, unchanged and
	                         * completed runs again (start SCRIPT) */
	int restart_running;    /* start with target: running apps restart (pm2's
	                         * start; without it they are left running) */
	int some;               /* stop, delete: a selector that names no app is
	                         * passed over (an error only when none names one) */
	int adopt;              /* start with file: an app of the same name from
	                         * elsewhere becomes this file's (restart FILE) */
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
