/* The app table (apps.c): one struct dapp per loaded app, its APPDIR on disk
 * (id, spec), selection by target, the state users see, and `after:` gates.
 * struct daemon owns every app: app_remove() buries it, the sweep frees it
 * with app_free(). */
#ifndef PSUP_APPS_H
#define PSUP_APPS_H

#include <stdint.h>
#include <sys/types.h>

#include "appstate.h"
#include "buf.h"
#include "daemon_core.h"
#include "keeperctl.h"
#include "lifecycle.h"
#include "linefr.h"
#include "procstat.h"
#include "spec.h"

#define DAPP_PROGRESS_SAMPLES 32
/* the id of an app loaded without a usable one, until all are loaded */
#define APP_ID_LATER 1000000000

struct dapp {
	struct dapp *next;
	struct daemon *d;
	int id;
	char *name;
	char *spec_dir;             /* $PSUP_HOME/apps/NAME: its spec and runtime
	                             * files in a home from before the spec file
	                             * (specs.h) and the runtime directory; made
	                             * only when there is no runtime directory */
	size_t spec_bytes;          /* its record in the spec file; 0: none */
	char *dir;                  /* where its keeper runs and keeps keeper.pid,
	                             * status and control.sock: its folder of the
	                             * runtime directory (home.h), or spec_dir in
	                             * a home without one or of the old layout */
	struct app_spec spec;
	/* where it is from the daemon's point of view: changed only by
	 * link_event(), which carries out what lifecycle_step() decides */
	struct lifecycle lc;
	int dead;                   /* removed from the table, freed at sweep */

	/* the keeper: owned by link.c */
	int kfd;                    /* control connection, -1 when none */
	pid_t keeper_pid;           /* 0 when none known */
	int keeper_child;           /* launched by this daemon: reaped on SIGCHLD */
	int64_t connect_deadline;   /* monotonic */
	int connect_delay;          /* ms before the next try */
	uint64_t connect_timer;
	int ready_fd;               /* the launched keeper says it listens (keeperctl.h) */
	uint64_t relaunch_timer;
	uint64_t stop_seq;          /* the stop sent once connected (lc.want_stop) */
	uint64_t start_seq;         /* the start sent once it answered (lc.want_start) */
	uint64_t gone_timer;        /* polling for a quitting keeper's exit */
	int64_t gone_deadline;
	pid_t old_keeper_pid;       /* a lost keeper to outlive before relaunching */
	int quit_signal;            /* a quit by SIGTERM (LA_SIGNAL_QUIT) not yet sent:
	                             * the keeper could not be proven ours yet */
	struct linefr kin;          /* lines from the keeper */
	struct buf kout;            /* requests not yet written to it */
	size_t kout_off;            /* bytes of kout written */
	uint64_t sent, acked;       /* request sequence numbers */
	uint64_t err_seq;           /* last request answered "err" */
	char err[256];

	unsigned stops;             /* user stops so far (command.c): end a waiting start */
	unsigned picked;            /* the last selection (apps_select_many) or
	                             * op (ops_add_app) that took it: each takes an
	                             * app once without searching its list */
	int done_recorded;          /* specs.c: its spec's stopped was set because the
	                             * keeper said it completed, not by a command */

	/* the keeper's view: owned by link.c */
	struct app_state st;
	int have_state;
	uint64_t pushes;            /* status lines received on this connection */

	/* derived: progress samples and CPU (appview.c) */
	struct { int64_t at; long long done; } prog[DAPP_PROGRESS_SAMPLES];
	int nprog;
	struct procstat_sample cpu;
};

struct dapp *app_new(struct daemon *d, const char *name, int id);
void app_free(struct dapp *a);
struct dapp *apps_find(struct daemon *d, const char *name);
struct dapp *apps_by_id(struct daemon *d, int id);
/* Apps a target names: "all", an id, a name, or a group. Returns a malloc'd
 * array (the caller frees it) of *n apps, or NULL with *n 0 when none. */
struct dapp **apps_select(struct daemon *d, const char *target, int *n);
/* Apps any of targets names (NULL-terminated selectors: as apps_select's,
 * or /regex/ on names, or an absolute path: the apps of that file, or
 * running that script, or a namespace when no name, id or group matches),
 * each once, in id order. Every selector must name an app (with some,
 * one at least: the others are passed over): else NULL, *n 0, and *cause
 * (when cause is not NULL; the caller frees it) says which did not. */
struct dapp **apps_select_many(struct daemon *d, char *const *targets, int some, int *n,
    char **cause);
/* A mark no app's `picked` holds yet (a new one each call). */
unsigned apps_pick_mark(void);
/* At the daemon's exit, what it made for the apps and they no longer use
 * goes: the empty cgroups (cgroup.h), and the runtime directory (on tmpfs,
 * outside the home) when empty, after `psup kill` with every folder whose
 * keeper is gone (a keeper still running keeps it). */
void apps_tidy_exit(struct daemon *d);
/* At start-up: finds the runtime directory (home.h; where none can be had,
 * each app's runtime files stay in its spec_dir, said in the log), then
 * loads every app (specs.h) and its last state. */
void apps_load_all(struct daemon *d);
/* Reads dir/name whole (at most 1 MiB) into a malloc'd *buf the caller
 * frees. 0, or -1 with errno. */
int app_read_file(const char *dir, const char *name, char **buf, size_t *len);
/* An id in decimal digits: 0 with *id set, or -1. */
int apps_parse_id(const char *s, int *id);
/* Makes the folder a fresh keeper of a will run in (moving the runtime files
 * of an old-layout home's app to the runtime directory) with the copy of
 * its spec the keeper reads. 0, or -1 with *cause set. */
int app_run_prepare(struct dapp *a, char **cause);
/* Removes its folders, unlinks the app from the table (freed at sweep) and
 * records it gone. */
void app_remove(struct dapp *a);
/* The state shown to users, and its reason. */
enum app_state_kind app_shown_state(const struct dapp *a);
const char *app_reason(const struct dapp *a);
/* 1 when the app is in a state a `wait` ends on. */
int app_finished(const struct dapp *a);
/* Releases apps held by `after:` whose dependencies are met, fails those
 * whose dependency errored. */
void apps_after_check(struct daemon *d);
/* Adds PSUP_APP_NAME, PSUP_INSTANCE, PSUP_INSTANCES, PSUP_HOME, the
 * instance variable (NODE_APP_INSTANCE, 0..N-1) and increment_var to
 * s->env, over what the file set. */
void app_spec_env(struct daemon *d, struct app_spec *s);
/* The value of name in a NULL-terminated "K=V" vector (may be NULL), or
 * NULL. */
const char *app_env_get(char *const *env, const char *name);
/* 1 when a name can be a directory under apps/. */
int app_name_ok(const char *name);

#endif
