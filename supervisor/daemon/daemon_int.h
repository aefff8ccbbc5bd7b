/* The daemon's internals, shared by the daemon*.c family only:
 *   daemon.c          lifecycle: lock, pid file, socket, signals, sweep, spawn
 *   daemon_apps.c     the app table: load/create/remove APPDIRs, selection,
 *                     app objects for list/describe, `after:` ordering
 *   daemon_keeper.c   launching keepers, their control connections, recovery
 *   daemon_control.c  the CLI socket: accept, framing, bounded output
 *   daemon_cmd.c      command dispatch and replies that wait (ops)
 *   daemon_file.c     start FILE as a transaction, save and resurrect
 * Ownership: struct daemon owns every app, client and op; each is unlinked
 * when it dies and freed in daemon_sweep_cb() after the loop pass, so a
 * callback never frees something a later callback of the pass may touch. */
#ifndef PSUP_DAEMON_INT_H
#define PSUP_DAEMON_INT_H

#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "appstate.h"
#include "buf.h"
#include "keeperctl.h"
#include "linefr.h"
#include "loop.h"
#include "procstat.h"
#include "proto.h"
#include "spec.h"

struct dclient;
struct ctlconn;
struct ctlsrv;
struct dop;

/* Where an app is from the daemon's point of view. */
enum dapp_phase {
	PHASE_KEEPER,      /* it has (or is getting) a keeper */
	PHASE_IDLE,        /* no keeper: last state shown (stopped, completed, errored) */
	PHASE_AFTER,       /* held back by `after:`: state waiting */
	PHASE_AFTER_FAILED,/* a dependency errored: state errored, never started */
};

#define DAPP_PROGRESS_SAMPLES 32

struct dapp {
	struct dapp *next;
	struct daemon *d;
	int id;
	int id_saved;               /* APPDIR/id holds it */
	char *name;
	char *dir;                  /* $PSUP_HOME/apps/NAME */
	struct app_spec spec;
	enum dapp_phase phase;
	char reason[APPSTATE_REASON_MAX]; /* daemon-side reason (after:, keeper trouble) */
	int dead;                   /* removed from the table, freed at sweep */

	/* the keeper */
	int kfd;                    /* control connection, -1 when none */
	pid_t keeper_pid;           /* 0 when none known */
	int keeper_child;           /* launched by this daemon: reaped on SIGCHLD */
	int connecting;             /* waiting for control.sock to accept */
	int64_t connect_deadline;   /* monotonic */
	int connect_delay;          /* ms before the next try */
	uint64_t connect_timer;
	uint64_t relaunch_timer;
	int64_t fail_window_start;  /* monotonic: start of the keeper-death count */
	int fail_count;
	int quitting;               /* told to quit: its end is expected */
	int want_quit;              /* send quit once connected */
	int want_start;             /* send start once connected if it is stopped */
	int want_stop;              /* send stop once connected */
	unsigned stops;             /* user stops so far: ends a waiting start */
	uint64_t stop_seq;          /* that stop request */
	uint64_t start_seq;         /* that start request */
	uint64_t gone_timer;        /* polling for a quitting keeper's exit */
	int64_t gone_deadline;
	pid_t old_keeper_pid;       /* a lost keeper to outlive before relaunching */
	struct linefr kin;          /* lines from the keeper */
	struct buf kout;            /* requests not yet written to it */
	size_t kout_off;            /* bytes of kout written */
	uint64_t sent, acked;       /* request sequence numbers */
	uint64_t err_seq;           /* last request answered "err" */
	char err[256];

	/* the keeper's view */
	struct app_state st;
	int have_state;
	uint64_t pushes;            /* status lines received on this connection */

	/* derived */
	struct { int64_t at; long long done; } prog[DAPP_PROGRESS_SAMPLES];
	int nprog;
	struct procstat_sample cpu;
};

/* A CLI client: its connection is the control socket server's (ctlsrv.h),
 * this is what the commands know of it. */
struct dclient {
	struct dclient *next;
	struct daemon *d;
	struct ctlconn *conn;       /* NULL once closed */
	int busy;                   /* an op answers the current request */
	int dead;
};

/* A reply that waits for apps to reach a state. */
struct dop_app {
	int kind;                   /* enum dop_kind: what this app must reach */
	int id;                     /* looked up again each time: apps may go */
	uint64_t seq;               /* keeper request to be acked first, 0 = none */
	pid_t old_pid;
	unsigned stops;             /* the app's stop count when added */
	int done;
	int failed;
	char why[320];
};

enum dop_kind {
	OP_START,       /* a keeper runs it (or after: holds it) */
	OP_STOP,        /* stopped, completed or errored; or no keeper */
	OP_RESTART,     /* running again with a new pid */
	OP_DELETE,      /* keeper gone, APPDIR removed */
	OP_ACK,         /* the keeper answered the request */
	OP_WAIT,        /* completed, errored or stopped */
	OP_KILL,        /* keeper gone (then the daemon exits) */
};

struct dop {
	struct dop *next;
	struct daemon *d;
	enum dop_kind kind;
	struct dclient *client;     /* NULL once the client left */
	struct dop_app *apps;
	int n;
	int64_t deadline;           /* monotonic, 0 = none */
	uint64_t timer;
	cJSON *reply;               /* sent when every app is done */
	int dead;
};

struct daemon {
	char *home;
	char *sock_path, *pid_path, *lock_path, *apps_dir, *dump_path;
	char *keeper_path;
	char *keeper_log;
	int foreground;
	struct loop *loop;
	int lock_fd;
	struct ctlsrv *ctl;         /* the CLI socket */
	struct dapp *apps;          /* ordered by id */
	struct dclient *clients;
	struct dop *ops;
	int next_id;
	int killing;                /* `psup kill` in progress */
	int exit_code;
	int checking;               /* ops_check() is running */
	int recheck;                /* state changed during ops_check() */
	/* unlinked, freed after the loop pass */
	struct dapp *dead_apps;
	struct dclient *dead_clients;
	struct dop *dead_ops;
};

/* daemon.c */
void dlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void daemon_exit_soon(struct daemon *d);
/* Called whenever an app's state may have changed: re-evaluates `after:`
 * gates and waiting replies. */
void daemon_changed(struct daemon *d);
/* Unlink from the live list now; free after the loop pass. */
void daemon_bury_app(struct dapp *a);
void daemon_bury_client(struct dclient *c);
void daemon_bury_op(struct dop *o);

/* daemon_apps.c */
struct dapp *dapp_new(struct daemon *d, const char *name, int id);
void dapp_free(struct dapp *a);
struct dapp *dapp_find(struct daemon *d, const char *name);
struct dapp *dapp_by_id(struct daemon *d, int id);
/* Apps a target names: "all", an id, a name, or a group. Returns a malloc'd
 * array (the caller frees it) of *n apps, or NULL with *n 0 when none. */
struct dapp **dapp_select(struct daemon *d, const char *target, int *n);
/* Loads every apps/NAME directory at start-up. */
void dapp_load_all(struct daemon *d);
/* Writes APPDIR/id and APPDIR/spec. 0 or -1 + *cause. */
int dapp_write_spec(struct dapp *a, char **cause);
/* Removes APPDIR and unlinks the app from the table (freed at sweep). */
void dapp_remove(struct dapp *a);
/* The state shown to users, and its reason. */
enum app_state_kind dapp_state(const struct dapp *a);
const char *dapp_reason(const struct dapp *a);
/* 1 when the app is in a state a `wait` ends on. */
int dapp_finished(const struct dapp *a);
/* Records a progress sample from the latest status. */
void dapp_progress_sample(struct dapp *a);
/* Writes "apps": [app objects as PROTOCOL.md describes] into w; describe
 * adds config, exits, log sizes. */
struct jw;
void dapp_json_list(struct daemon *d, struct dapp **apps, int n, int describe, struct jw *w);
/* Releases apps held by `after:` whose dependencies are met, fails those
 * whose dependency errored. */
void dapp_after_check(struct daemon *d);
/* Adds PSUP_APP_NAME, PSUP_INSTANCE, PSUP_INSTANCES, PSUP_HOME to s->env. */
void dapp_spec_env(struct daemon *d, struct app_spec *s);
/* 1 when a name can be a directory under apps/. */
int dapp_name_ok(const char *name);

/* daemon_keeper.c */
/* Launches a keeper for a (phase PHASE_KEEPER) and starts connecting. */
void keeper_launch(struct dapp *a);
/* At start-up: connect to a live keeper, else recover as after its death. */
void keeper_attach(struct dapp *a);
/* Queues a request line (without newline). Returns its sequence number, or
 * 0 when the app has no connected keeper. */
uint64_t keeper_send(struct dapp *a, const char *line);
/* Closes the connection without killing anything (daemon exit). */
void keeper_detach(struct dapp *a);
/* The keeper process with this pid exited (SIGCHLD). */
void keeper_reaped(struct daemon *d, pid_t pid);
/* SIGKILLs the app's process group and keeper when they still exist. */
void keeper_kill_all(struct dapp *a);
/* 1 while a keeper is running, being connected to, or relaunched. */
int keeper_active(const struct dapp *a);
/* Tells the keeper to stop its app and exit (now, or once connected). */
void keeper_quit(struct dapp *a);
/* Tells the keeper to stop its app: returns the request's seq, or 0 when it
 * is sent once the keeper answers (want_stop) or nothing runs. */
uint64_t keeper_stop(struct dapp *a);

/* daemon_control.c */
int control_listen(struct daemon *d, char **cause);
/* Stops accepting (clients stay until control_free()). */
void control_close(struct daemon *d);
/* Frees closed connections: from the loop's sweep. */
void control_sweep(struct daemon *d);
/* Closes every client connection and the server (daemon exit). */
void control_free(struct daemon *d);
/* Queues one encoded reply line (takes ownership of buf). */
void client_send(struct dclient *c, char *buf, size_t len);
void client_reply(struct dclient *c, cJSON *reply);
void client_error(struct dclient *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The current request is answered: go on with the next one. */
void client_done(struct dclient *c);
void client_close(struct dclient *c);
void client_free(struct dclient *c);
/* Blocks briefly to flush every client's output (daemon exit). */
void control_flush_all(struct daemon *d);

/* daemon_cmd.c */
void cmd_dispatch(struct dclient *c, struct proto_req *req);
struct dop *op_new(struct daemon *d, struct dclient *c, enum dop_kind kind, int64_t timeout_ms);
/* Adds an app that must reach kind's state (after request seq is acked). */
void op_add_app(struct dop *op, struct dapp *a, enum dop_kind kind, uint64_t seq);
/* Re-checks every waiting op. */
void ops_check(struct daemon *d);
void op_free(struct dop *op);
/* Starts an app: launches its keeper, or tells it to start. Returns the
 * request seq to wait for (0 when none). */
uint64_t cmd_start_app(struct dapp *a);

/* daemon_file.c */
/* start FILE: loads it as a transaction and applies the difference. Only
 * apps named in only[] (NULL: all) are started. Fills the reply fields and
 * adds the apps to wait for to op. Returns 0, or -1 with errors[] filled. */
int file_start(struct daemon *d, const char *path, char **only, int nonly, struct dop *op,
    cJSON *reply);
int file_save(struct daemon *d, cJSON *reply, char **cause);
int file_resurrect(struct daemon *d, struct dop *op, cJSON *reply, char **cause);

#endif
