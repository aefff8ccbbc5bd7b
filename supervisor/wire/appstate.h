/* An app's live state as its keeper records it: in $PSUP_HOME/apps/<name>/status
 * (rewritten atomically on every change) and in the status lines the keeper
 * pushes to the daemon. Pure pack/unpack, libc-only. */
#ifndef PSUP_APPSTATE_H
#define PSUP_APPSTATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "progress.h"

enum app_state_kind {
	APP_LAUNCHING,   /* forked, not yet past min_uptime */
	APP_ONLINE,
	APP_STOPPING,    /* stop signal sent, kill_timeout running */
	APP_STOPPED,     /* by request */
	APP_WAITING,     /* restart delay or backoff */
	APP_ERRORED,     /* crash loop, or cannot start */
	APP_COMPLETED,   /* exited 0 (or a stop_exit_code) under on-failure/never */
};

const char *app_state_name(enum app_state_kind k);
/* Returns 0 and *k for a known name, else -1. */
int app_state_parse(const char *name, enum app_state_kind *k);

#define APPSTATE_EXITS 5
#define APPSTATE_REASON_MAX 256
#define APPSTATE_LOG_ERROR_MAX 160

struct app_exit {
	int64_t at_ms;           /* real time of the exit */
	int code;                /* exit code, or -1 when killed by a signal */
	int signal;              /* terminating signal, or 0 */
	int64_t runtime_ms;
};

struct app_state {
	enum app_state_kind state;
	pid_t keeper_pid;
	pid_t pid;               /* app pid while it runs, else 0 */
	pid_t pgid;              /* its process group (== pid), kept until the group is gone */
	/* start times (clock ticks after boot, /proc/PID/stat field 22) that
	 * prove a recorded pid is still that process (procid.h); 0 = unknown */
	unsigned long long keeper_start;
	unsigned long long pgid_start; /* of the group's leader, the app's pid */
	int64_t started_ms;      /* real time the current run started (0 if none) */
	int64_t since_ms;        /* real time of the last state change */
	int64_t next_start_ms;   /* real time of the planned restart when waiting */
	int restarts;            /* total restarts over the app's life */
	int unstable;            /* unstable restarts counted toward max_restarts */
	int n_exits;             /* entries used in exits[], newest first */
	struct app_exit exits[APPSTATE_EXITS];
	char reason[APPSTATE_REASON_MAX]; /* why errored/waiting, or "" */
	int has_progress;
	struct progress progress; /* latest valid report */
	int64_t progress_ms;     /* real time of that report */
	long long progress_bad;  /* invalid progress lines ignored */
	long long lines_dropped; /* log lines that could not be written */
	long long lines_split;   /* over-long lines cut at the maximum */
	char log_error[APPSTATE_LOG_ERROR_MAX]; /* latest log write failure, or "" */
	int in_cgroup;           /* the current (or last) run was put in the app's cgroup */
};

/* One line, no newline: space-separated key=value, values %-escaped.
 * Writes at most n bytes; returns the length it needed (like snprintf). */
int appstate_pack(const struct app_state *st, char *buf, size_t n);
/* Parses appstate_pack() output. Unknown keys are skipped (newer keeper,
 * older daemon). Returns 0, or -1 for a malformed line. */
int appstate_unpack(const char *line, size_t len, struct app_state *st);

#endif
