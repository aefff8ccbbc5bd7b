/* The keeper: one process per app, the app's parent. It spawns the app,
 * drains its pipes into the logs, applies the restart policy, escalates
 * stops, and publishes the app's state. In its APPDIR ($PSUP_HOME/apps/NAME):
 *   spec          written by the daemon, read here
 * in its RUNDIR (the runtime directory's NAME, home.h; APPDIR itself when
 * there is none), its working directory:
 *   status        appstate_pack() line, rewritten atomically on every change
 *   keeper.pid    this keeper's pid, flock()ed while it runs
 *   control.sock  the keeperctl.h protocol
 * Single-threaded: one event loop (common/loop.h) over signals, one
 * deadline, the control socket (common/ctlsrv.h) and the app's pipes.
 * Links only libc. */
#ifndef PSUP_KEEPER_H
#define PSUP_KEEPER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "appstate.h"
#include "cron.h"
#include "ctlsrv.h"
#include "keeperctl.h"
#include "linefr.h"
#include "logsink.h"
#include "loop.h"
#include "policy.h"
#include "spec.h"

/* Files in APPDIR (spec) and RUNDIR (the rest, relative: RUNDIR is the
 * keeper's cwd). */
#define KEEPER_SPEC_FILE "spec"
#define KEEPER_STATUS_FILE "status"
#define KEEPER_PID_FILE "keeper.pid"
#define KEEPER_SOCK_FILE "control.sock"

#define KEEPER_READ_BUF (1024 * 1024)
/* A pipe whose reader keeps finding it full grows to this (pipes count
 * against the user's pipe-user-pages-soft, so idle apps keep the default
 * 64 KiB and a trimmed keeper shrinks them back). */
#define KEEPER_PIPE_SIZE (1024 * 1024)
#define KEEPER_PIPE_DEFAULT (64 * 1024)
#define KEEPER_PROGRESS_LINE_MAX PROGRESS_WIRE_MAX
#define KEEPER_MAX_CLIENTS 64
#define KEEPER_CLIENT_OUT_MAX (256 * 1024)
#define KEEPER_STATUS_COALESCE_MS 200
#define KEEPER_MEMORY_SAMPLE_MS 1000
/* After this long without a big read, the read buffer's pages and the
 * stamping area go back to the system: a keeper that logged a burst does
 * not keep its peak memory. */
#define KEEPER_TRIM_MS 5000
#define KEEPER_SMALL_READ (16 * 1024)
/* Reads up to this size stay on the stack (keeper_io.c); within the depth
 * status publishing reaches anyway, so it costs no page of its own. */
#define KEEPER_SMALL_BUF 2048
/* Folders one app may watch (each is an inotify watch, a kernel resource
 * every user has a bounded number of). */
#define KEEPER_WATCH_MAX 4096
/* The longest message the keeper writes about watching and cron. */
#define PATH_MAX_MSG 512

enum { PIPE_OUT, PIPE_ERR, PIPE_PROGRESS };

struct run;
struct keeper;

/* A watched folder: the changes in it count all, or (whole = 0) only
 * those to files the spec names. */
struct keeper_wdir {
	int wd;
	char *path;
	int whole;
};

struct run_pipe {
	struct run *run;
	int which;              /* PIPE_* */
	int fd;                 /* -1 once at EOF */
	struct logline ll;      /* unterminated end of out/err */
	int pipe_size;          /* capacity; grown only for a fast writer */
};

/* The pipes of one spawned process. It outlives the process: it is freed
 * only when every pipe reached EOF, so no line written before an exit is
 * ever lost, even while the next run already writes. */
struct run {
	struct run *next;
	struct keeper *k;
	struct run_pipe pipes[3];
	int open;               /* pipes not yet at EOF */
	struct linefr prog;     /* progress lines being cut */
};

struct keeper {
	char *appdir;
	struct app_spec spec;
	struct app_spec pending;       /* from "reload", applied at next start */
	int has_pending;
	struct policy pol;
	struct logsink log;

	struct loop *loop;
	struct ctlsrv *ctl;            /* control.sock */
	int pidfd;

	char *cg_dir;                  /* the app's cgroup (cgroup.h), or NULL: none */
	int cg_run;                    /* the current run was put in cg_dir */
	int cg_failed;                 /* cg_dir could not be made (said once) */

	pid_t pid;                     /* the running app's pid, or 0 */
	pid_t pgid;                    /* its group, kept until the group is gone */
	unsigned long long pgid_start; /* its leader's start time (procid.h), 0 = unknown */
	unsigned long long self_start; /* this keeper's own start time */
	int64_t started_real;

	/* what the status file says beyond the policy */
	struct app_exit exits[APPSTATE_EXITS];
	int n_exits;
	int restarts_base;             /* restarts carried from a previous keeper */
	struct progress progress;
	int has_progress;
	int64_t progress_ms;
	long long progress_bad;
	char *halt;                    /* the current run's "halt" (progress.h), or NULL */
	char reason[APPSTATE_REASON_MAX]; /* overrides pol.reason when set */

	/* the last status published, framed for clients: "status LINE\n"
	 * (status_len bytes, NUL-terminated; owned). Sized to the line, not
	 * to the protocol's maximum: a keeper's memory is counted 1,000-fold. */
	char *status_msg;
	size_t status_len;
	enum app_state_kind last_state;
	int64_t since_ms;
	int status_dirty;
	long long log_counts;          /* lines_dropped + lines_split + write_errors published */
	int64_t status_flush_at;       /* monotonic; 0 = none */
	int64_t mem_next;              /* monotonic; 0 = no sampling */

	struct run *runs;
	char *rbuf;                    /* KEEPER_READ_BUF, mmap'd so it can be trimmed */
	int64_t big_read_at;           /* monotonic time of the last read > KEEPER_SMALL_READ */
	int64_t trim_at;               /* monotonic; 0 = nothing to trim */
	uint64_t timer;                /* the loop timer of the next deadline */
	int64_t timer_at;              /* its deadline (monotonic), 0 = none */
	int exit_now;

	/* cron_restart and watch restart the app unless the user stopped it */
	int user_stopped;
	uint64_t cron_timer;           /* the loop timer of the next cron time */
	time_t cron_next;              /* that time (wall clock), 0 = none */
	int watch_fd;                  /* inotify, or -1 */
	struct keeper_wdir *wdirs;
	int n_wdirs;
	int watch_full;                /* the watch limit was met (said once) */
	uint64_t watch_timer;          /* restart once changes settle */
	char watch_changed[256];       /* the latest change, for the log */
	char *watch_home;              /* $PSUP_HOME (real path): never watched */
	char *watch_cwd;               /* the app's cwd (real path), or NULL */
};

/* keeper.c: rundir is where the runtime files go (appdir when the same),
 * cgroup_base the daemon's cgroup base (cgroup.h), or NULL */
int keeper_run(const char *appdir, const char *rundir, const char *cgroup_base, int argc,
    char **argv);
/* "psup-keeper: " and the message on stderr. */
void keeper_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void keeper_event(struct keeper *k, enum policy_event_kind kind);
void keeper_publish(struct keeper *k, int force);
void keeper_status_line(struct keeper *k, char *buf, size_t n);
int keeper_reload(struct keeper *k, char **cause);

/* keeper_start.c */
int keeper_load_spec(const char *appdir, struct app_spec *s, char **cause);
/* Opens /dev/null on whichever of 0, 1, 2 is closed. */
void keeper_start_std_fds(void);
/* Takes the per-app lock (keeper.pid): one keeper per app directory. */
int keeper_start_lock(struct keeper *k, char **cause);
/* A previous keeper of this app died (kill -9): kills the app's group its
 * status names (when proven ours) and carries its history over. */
void keeper_start_adopt(struct keeper *k);
/* The "PSUP_HOME=..." entry of the app's environment (the daemon sets it),
 * or NULL. */
const char *keeper_start_home_env(const struct keeper *k);

/* keeper_spawn.c: fork/exec the app; -1 with *cause when it cannot start */
int keeper_spawn(struct keeper *k, char **cause);

/* keeper_io.c: the app's pipes */
/* Watches a new run's three pipes (non-blocking read ends; the run owns
 * them) on the loop. */
struct run *keeper_io_runs_add(struct keeper *k, int outfd, int errfd, int progfd);
void keeper_io_drain_all(struct keeper *k);
/* Reads what the current run's progress pipe holds now: the app exited,
 * and its last report (a "halt" in it) must count before its exit does. */
void keeper_io_progress_drain(struct keeper *k);
void keeper_io_runs_sweep(struct keeper *k);
void keeper_io_runs_free(struct keeper *k);
/* After a burst: pipes back to the default size, empty line buffers freed. */
void keeper_io_trim(struct keeper *k);

/* keeper_ctl.c: the control socket */
/* Takes the readiness descriptor from the environment (keeperctl.h); call
 * before anything is spawned. */
void keeper_ctl_ready_take(void);
/* Listens, then says so on the readiness descriptor. */
int keeper_ctl_listen(struct keeper *k, char **cause);
/* Queues msg (n bytes, whole lines) for every client. */
void keeper_ctl_broadcast(struct keeper *k, const char *msg, size_t n);
void keeper_ctl_sweep(struct keeper *k);
/* Writes the last words that fit and closes every client and the socket. */
void keeper_ctl_close_all(struct keeper *k);

/* keeper_proc.c: the app's processes, seen through its cgroup when it has
 * one, else through /proc and kill() */
int keeper_proc_group_alive(pid_t pgid);
int keeper_proc_has_children(void);
/* Sets k->cg_dir from the daemon's cgroup base (NULL or "": none). */
void keeper_proc_cgroup_init(struct keeper *k, const char *base);
/* 1 while the app's cgroup holds a process (0 without a cgroup run). */
int keeper_proc_cgroup_busy(struct keeper *k);
/* Kills what a dead keeper left in the app's cgroup. */
void keeper_proc_cgroup_kill_left(struct keeper *k);
/* Sends sig to the app's group and to every other process of the app
 * (its cgroup's, else the keeper's other descendants; SIGKILL goes to
 * both); SIGCONT after any signal but SIGKILL, so a stopped process gets
 * it. */
void keeper_proc_signal_app(struct keeper *k, int sig);
/* At quit: SIGKILL to whatever of the app is left, then its cgroup
 * removed once empty (waiting a bounded time for the dying). */
void keeper_proc_quit(struct keeper *k);
/* The app's memory: its cgroup's memory.current less page cache, else its
 * group's RSS. */
long long keeper_proc_app_memory(struct keeper *k);

/* keeper_cron.c: (re)arms the cron timer from the spec (none without
 * cron_restart) */
void keeper_cron_arm(struct keeper *k);

/* keeper_watch.c: (re)starts watching what the spec names; close stops */
void keeper_watch_open(struct keeper *k);
void keeper_watch_close(struct keeper *k);

/* keeper_pidfile.c: the app's pid in the spec's pid_file while it runs */
void keeper_pidfile_write(struct keeper *k);
void keeper_pidfile_remove(struct keeper *k);

/* keeper_title.c */
void keeper_title_set(int argc, char **argv, const char *title);

#endif
