/* The restart policy of one app as a pure state machine: one transition
 * function takes the current state, an event and the monotonic time, and
 * returns what the keeper must do. It owns a single deadline per state.
 * No I/O, no clock reads: the keeper does both and passes the time in. */
#ifndef PSUP_POLICY_H
#define PSUP_POLICY_H

#include <stdint.h>

#include "appstate.h"
#include "spec.h"

enum policy_event_kind {
	PEV_START,        /* user start (or autostart) */
	PEV_STOP,         /* user stop */
	PEV_RESTART,      /* user restart */
	PEV_QUIT,         /* stop, then the keeper exits */
	PEV_SPAWNED,      /* the app was exec'd */
	PEV_SPAWN_FAILED, /* it cannot start (exec failed): errored, no loop */
	PEV_EXITED,       /* the group leader exited (code/signal, runtime) */
	PEV_GROUP_EMPTY,  /* no process of the app is left */
	PEV_MEMORY,       /* the group is over max_memory_restart */
	PEV_DEADLINE,     /* the state's deadline was reached */
};

struct policy_event {
	enum policy_event_kind kind;
	int code;            /* PEV_EXITED: exit code, or -1 when signalled */
	int signal;          /* PEV_EXITED: terminating signal, or 0 */
	int group_empty;     /* PEV_EXITED: nothing else of the app is left */
	const char *halt;    /* PEV_EXITED: the run's "halt" text (progress.h),
	                      * or NULL: a failure then errors, not restarts */
};

/* What a deadline means in the state that owns it. */
enum policy_timer {
	PT_NONE,
	PT_UPTIME,       /* launching: min_uptime reached, go online */
	PT_DELAY,        /* waiting: restart delay or backoff elapsed */
	PT_KILL,         /* stopping: kill_timeout elapsed, SIGKILL (repeats) */
};

enum policy_after { AFTER_STOPPED, AFTER_START, AFTER_QUIT };

/* Actions the keeper performs, in this order, after a step. */
enum {
	ACT_KILL_LEFTOVERS = 1 << 0, /* SIGKILL what is left of the run that ended */
	ACT_SIGNAL = 1 << 1,         /* send stop_signal to the app's group */
	ACT_KILL = 1 << 2,           /* SIGKILL the group and every orphan */
	ACT_SPAWN = 1 << 3,          /* fork/exec now, then report SPAWNED/SPAWN_FAILED */
	ACT_QUIT = 1 << 4,           /* everything is stopped: the keeper exits */
	ACT_CHANGED = 1 << 5,        /* the state (or counters) changed: publish */
};

/* How often SIGKILL is repeated while something of the app is still left. */
#define POLICY_KILL_REPEAT_MS 100
/* A run this long resets the exponential backoff (pm2's rule). */
#define POLICY_BACKOFF_RESET_MS 30000

struct policy {
	enum app_state_kind state;
	int64_t deadline;          /* monotonic ms; 0 = none */
	enum policy_timer timer;   /* what the deadline means */
	int64_t started;           /* monotonic start of the current run */
	int running;               /* the group leader is alive */
	int restarts;              /* every restart over the app's life */
	int unstable;              /* consecutive unstable exits */
	int64_t backoff_ms;        /* last backoff delay (either kind); 0 = none yet */
	enum policy_after after;   /* what to do once a stop completes */
	int killed;                /* SIGKILL was sent in this stop */
	int restart_pending;       /* the coming spawn is a restart (counted) */
	char reason[APPSTATE_REASON_MAX]; /* why errored/waiting/stopped, or "" */
};

void policy_init(struct policy *p);
/* Applies ev at monotonic time now under spec s; returns ACT_* bits.
 * The deadline to arm afterwards is p->deadline (0: none). */
unsigned policy_step(struct policy *p, const struct app_spec *s,
    const struct policy_event *ev, int64_t now);

#endif
