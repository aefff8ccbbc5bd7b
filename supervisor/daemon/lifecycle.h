/* An app's lifecycle as the daemon sees it, as one pure state machine: one
 * transition function takes the current state, an event and the monotonic
 * time, and returns what the I/O code must do. No I/O, no clock reads: the
 * link (link.c) carries the actions out and reports what happened as events.
 * The keeper's own restart policy is a separate machine (keeper/policy.c);
 * this one is about having a keeper at all: launching it, talking to it,
 * replacing it when it dies, holding an app back for `after:`. */
#ifndef PSUP_LIFECYCLE_H
#define PSUP_LIFECYCLE_H

#include <stdint.h>

#include "appstate.h"

enum lc_state {
	LC_IDLE,        /* no keeper: shows its last state (stopped, completed, errored) */
	LC_HELD,        /* held back by `after:`: shows waiting */
	LC_HELD_FAILED, /* a dependency errored or is missing: shows errored, never started;
	                 * held again once none is */
	LC_CONNECTING,  /* a keeper runs (launched, or found at start-up): connecting to it */
	LC_CONNECTED,   /* talking to its keeper */
	LC_RELAUNCH,    /* its keeper died: a fresh one is launched after a delay */
	LC_GONE,        /* told to quit and disconnected: its keeper is still on its way out */
	LC_STALLED,     /* its keeper cannot be reached or checked for want of a descriptor
	                 * (EMFILE, ENFILE): not known dead, so nothing is killed or
	                 * relaunched; connecting is tried again later */
	LC_RENEW,       /* restarted while its keeper runs an older program than the
	                 * installed one (psup was upgraded): that keeper quits, stopping
	                 * the app, then a fresh one starts it */
};

enum lc_event_kind {
	LE_LOAD,         /* a new app (start FILE or start-up); launched: a keeper ran for it */
	LE_START,        /* user start (or start FILE of an app that is stopped) */
	LE_RESTART,      /* user restart, or new settings (reload first) */
	LE_STOP,         /* user stop */
	LE_QUIT,         /* delete or kill: its keeper stops the app and exits */
	LE_DEPS_WAITING, /* `after:` still waits (reason says for what); to a held app
	                  * whose errored dependency was started again, too */
	LE_DEPS_MET,     /* `after:` released it */
	LE_DEPS_FAILED,  /* a dependency errored or is not loaded (reason says) */
	LE_CONNECTED,    /* the control connection is up */
	LE_PUSH,         /* the keeper pushed a status line */
	LE_LOST,         /* the keeper is lost: connection closed, exited before it
	                  * answered, never answered, cannot be launched or written to */
	LE_GONE,         /* a quitting keeper's process is gone */
	LE_RELAUNCH_DUE, /* the relaunch delay is over and the lost keeper is gone */
	LE_NO_FD,        /* connecting to or checking the keeper failed for want of a
	                  * descriptor: cannot tell whether it lives */
	LE_RETRY_DUE,    /* the retry delay of a stalled app is over */
};

struct lc_event {
	enum lc_event_kind kind;
	/* what the daemon knows of the app, filled for every event */
	int have_state;             /* the keeper's view below is known */
	enum app_state_kind last;   /* the keeper's last known (or pushed) state */
	int has_after;              /* the spec has `after:` dependencies */
	/* per event */
	int launched;               /* LE_LOAD: a keeper was launched for it before */
	int reload;                 /* LE_RESTART: new settings: reload first */
	int renew;                  /* LE_RESTART: its keeper is an older program than
	                             * the installed one: replace it */
	int first;                  /* LE_PUSH: the first status on this connection */
	int alive;                  /* LE_LOST: the keeper's process still exists */
	int killing;                /* LE_LOST: `psup kill` runs: nothing is relaunched */
	const char *reason;         /* LE_DEPS_*: why; LE_LOST: where to look (keeper log) */
};

/* Actions, carried out in this order. */
enum {
	LA_CANCEL_RELAUNCH = 1 << 0, /* disarm the relaunch timer */
	LA_KILL_ALL = 1 << 1,        /* SIGKILL what is left of the app's group and keeper; forget it */
	LA_IDLE = 1 << 2,            /* show out.shown, no pid, no keeper pid */
	LA_SHOW_REASON = 1 << 3,     /* ... with the lifecycle's reason as the shown reason */
	LA_LAUNCH = 1 << 4,          /* launch a fresh keeper (shows launching) and connect */
	LA_CONNECT = 1 << 5,         /* connect to the keeper found at start-up */
	LA_RELAUNCH = 1 << 6,        /* show launching; after out.delay ms, once the lost
	                              * keeper is gone, report LE_RELAUNCH_DUE */
	LA_AWAIT_GONE = 1 << 7,      /* watch the quitting keeper until it is gone: LE_GONE */
	LA_SEND_RELOAD = 1 << 8,     /* requests to the keeper */
	LA_SEND_START = 1 << 9,
	LA_SEND_RESTART = 1 << 10,
	LA_SEND_STOP = 1 << 11,
	LA_SEND_QUIT = 1 << 12,
	LA_RETRY = 1 << 13,          /* after out.delay ms, report LE_RETRY_DUE (the timer
	                              * LA_CANCEL_RELAUNCH disarms) */
	LA_SIGNAL_QUIT = 1 << 14,    /* SIGTERM the keeper (its quit) when proven ours:
	                              * there is no connection to send quit on */
};

/* Keeper deaths tolerated in a window before the app is shown errored. */
#define LC_FAIL_WINDOW_MS 30000
#define LC_FAIL_MAX 5
/* The delay before the second relaunch in a window; it doubles after. */
#define LC_RELAUNCH_BASE_MS 100
/* How often a stalled app tries its keeper again. */
#define LC_RETRY_MS 500

struct lifecycle {
	enum lc_state state;
	int want_start;             /* send start once its keeper says it is stopped */
	int want_stop;              /* send stop once connected */
	int quitting;               /* told to quit (or will be once connected): its end is expected */
	int64_t fail_window_start;  /* monotonic start of the keeper-death count; 0 = none */
	int fail_count;
	char reason[APPSTATE_REASON_MAX]; /* the daemon's reason (after:, keeper deaths), or "" */
};

struct lc_out {
	unsigned acts;              /* LA_* bits */
	enum app_state_kind shown;  /* LA_IDLE: the state to show */
	int64_t delay;              /* LA_RELAUNCH: ms before the fresh keeper; LA_RETRY:
	                             * ms before trying again */
};

void lifecycle_init(struct lifecycle *lc);
/* Applies ev at monotonic time now (> 0); returns the actions to carry out. */
struct lc_out lifecycle_step(struct lifecycle *lc, const struct lc_event *ev, int64_t now);
/* 1 in the states where the app has (or is getting) a keeper of its own. */
int lifecycle_has_keeper(const struct lifecycle *lc);
/* 1 while a keeper runs, is connected to, relaunched or awaited. */
int lifecycle_active(const struct lifecycle *lc);
/* What users see before (or without) the keeper's own state. */
enum app_state_kind lifecycle_shown(const struct lifecycle *lc, int have_state,
    enum app_state_kind last);
const char *lifecycle_state_name(enum lc_state s);

#endif
