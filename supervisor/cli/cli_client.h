/* The CLI's side of the control protocol (supervisor/PROTOCOL.md): find the
 * home, connect to $PSUP_HOME/psup.sock (starting the daemon when a command
 * needs it and nothing answers), send one request line, read reply lines. */
#ifndef PSUP_CLI_CLIENT_H
#define PSUP_CLI_CLIENT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "linefr.h"

/* Longest reply line accepted: a list of thousands of apps fits. */
#define CLI_REPLY_MAX (64u << 20)

/* $PSUP_HOME, else ~/.psup. Never NULL; owned by the module. */
const char *cli_home(void);

struct cli_conn {
	int fd;
	struct linefr in;       /* received bytes not yet returned as lines */
};

enum {
	CLI_RQ_NOSTART = 1 << 0, /* never start a daemon (ping-like checks) */
	CLI_RQ_RAW = 1 << 1,     /* return ok:false replies instead of failing */
};

/* Connects, starting the daemon unless CLI_RQ_NOSTART (or $PSUP_NO_AUTOSTART
 * is set) when the socket does not answer. Returns 0, or -1 with *cause. */
int cli_conn_open(struct cli_conn *c, unsigned flags, char **cause);
/* What cli_conn_send() and cli_conn_recv() return, with *cause, when the
 * daemon closed or reset the connection before any byte of a reply: it
 * refused the connection or died (see cli_call). */
#define CLI_CONN_GONE (-3)
/* Sends req as one line. Returns 0, CLI_CONN_GONE, or -1 with *cause. */
int cli_conn_send(struct cli_conn *c, const cJSON *req, char **cause);
/* Reads the next reply line and parses it. timeout_ms < 0 waits forever.
 * Returns 0 with *reply (caller cJSON_Delete()s), CLI_RECV_TIMEOUT with
 * *cause when nothing came in time, CLI_CONN_GONE, or -1 with *cause (EOF
 * mid-reply, oversized or malformed line). */
#define CLI_RECV_TIMEOUT (-2)
int cli_conn_recv(struct cli_conn *c, int timeout_ms, cJSON **reply, char **cause);
void cli_conn_close(struct cli_conn *c);

/* {"v":1,"cmd":cmd}; the caller adds arguments and frees it. */
cJSON *cli_req(const char *cmd);

/* How long cli_call() waits for its reply: a number of ms > 0 (a read-only
 * request, or `wait --timeout` plus a margin), or one of these. Whatever the
 * bound, a daemon silent for CLI_PROBE_AFTER_MS that is stopped (SIGSTOP)
 * ends the wait at once; one that runs is pinged on a second connection
 * (within CLI_PROBE_MS) for what the bound must cover, and waited for up to
 * the bound even when too busy to answer. */
enum {
	/* A request the daemon answers once its apps got somewhere (start,
	 * stop, save...): the daemon bounds each such op itself; the CLI gives
	 * up after CLI_OP_BASE_MS plus the longest kill_timeout plus
	 * CLI_OP_PER_APP_MS per app, as a ping before the request (and any
	 * later one) said. */
	CLI_WAIT_OP = -1,
	/* No bound but the ping (`wait` without --timeout). */
	CLI_WAIT_LIVE = -2,
};
#define CLI_OP_BASE_MS 30000
#define CLI_OP_PER_APP_MS 20
#define CLI_PROBE_AFTER_MS 10000
#define CLI_PROBE_MS 5000

/* One request, one reply within timeout_ms (see above). Consumes req. On
 * success returns CLI_OK and *reply (caller frees). On failure prints one
 * line "psup: reason" and returns the exit code: CLI_DAEMON when the daemon
 * cannot be reached, broke off or gave no reply within the bound (the line
 * says what was asked and how long psup waited), CLI_FAIL for an ok:false
 * reply (unless CLI_RQ_RAW: then CLI_OK and the reply is returned as is).
 * A request that is safe to send twice (it reads, or it stops or deletes)
 * is sent once more, to a daemon started for it, when the daemon broke
 * the connection off and no daemon holds the home any more: one killed
 * (the OOM killer) while the request was on its way. */
int cli_call(cJSON *req, unsigned flags, int timeout_ms, cJSON **reply);

/* cli_call() for a reply used as it came: CLI_OK with the line (n bytes,
 * NUL-terminated, no newline; the caller frees it), ok:false or not, or
 * the exit code after saying why there is none. */
int cli_call_raw(cJSON *req, int timeout_ms, char **line, size_t *n);

/* A command without arguments: refuses any (CLI_USAGE), then cli_call()s
 * the request cmd. */
int cli_call_bare(struct cli_args *a, const char *cmd, int timeout_ms, cJSON **reply);
/* The apps a selector names: describe TARGET, or list when target is NULL
 * or "all", within 10 s. Returns CLI_OK with *reply (the caller frees it)
 * and *apps, its array of app objects; else prints why and returns the exit
 * code (CLI_DAEMON for a reply without an apps array). */
int cli_call_apps(const char *target, cJSON **reply, const cJSON **apps);
/* As cli_call_apps(), with describe's app objects (config, exits, log
 * sizes) even for all. */
int cli_call_described(const char *target, cJSON **reply, const cJSON **apps);

/* Starts a daemon for cli_home() in the background and waits until its
 * socket answers. Returns 0, or -1 with *cause. */
int cli_daemon_spawn(char **cause);

/* Waits up to ms for the home's lock to be free (no daemon holds the
 * home). Returns 1 when it is. */
int cli_lock_free_within(int ms);
/* Takes the home's lock if it is free now: returns the descriptor that
 * holds it (the caller closes it to let go), or -1 when a daemon holds it
 * or there is no lock file. */
int cli_lock_take(void);

#endif
