/* The daemon's view of an app: states x events -> actions, one table.
 * Pure: time comes in as an argument, effects go out as LA_* bits.
 *
 *                 IDLE HELD HFAIL CONNECTING CONNECTED RELAUNCH GONE STALLED RENEW
 *   load          l    .    .     .          .         .        .    .       .
 *   start         s    .    held  want       send      want     .    want    want
 *   restart       s    .    held  want       send/new  want     .    want    want
 *   stop          .    idle idle  want       send      idle     .    want    drop
 *   quit          idle idle idle  quitting   send      idle     .    sig     drop
 *   deps waiting  .    why  .     .          .         .        .    .       .
 *   deps met      .    L    .     .          .         .        .    .       .
 *   deps failed   .    fail .     .          .         .        .    .       .
 *   connected     .    .    .     CONNECTED  .         .        .    .       .
 *   push          .    .    .     .          start?    .        .    .       .
 *   lost          .    .    .     lost       lost      .        .    .       end
 *   gone          .    .    .     .          .         .        IDLE .       end
 *   relaunch due  .    .    .     .          .         L        .    .       .
 *   no fd         .    .    .     stall      .         .        .    .       .
 *   retry due     .    .    .     .          .         .        .    C       .
 *
 * (l: attach, hold or launch; s: hold or launch; L: launch; fail: to HFAIL;
 * want: remember it for once connected; lost: see on_lost(); stall: to
 * STALLED, or sig when quitting; sig: SIGTERM the keeper, then GONE; C:
 * connect again; new: quit to RENEW when the keeper is an older program;
 * drop: no fresh keeper after it; end: await the old keeper's exit, then
 * launch a fresh one, or go idle when dropped; ".": nothing to do, or
 * cannot happen in that state.)
 *
 * A descriptor shortage is "cannot tell", never "dead": a stalled app keeps
 * its keeper, which keeps its app running; nothing is killed or relaunched
 * until the keeper is proven gone. */
#include "lifecycle.h"

#include <stdio.h>
#include <string.h>

void lifecycle_init(struct lifecycle *lc)
{
	memset(lc, 0, sizeof *lc);
	lc->state = LC_IDLE;
}

int lifecycle_has_keeper(const struct lifecycle *lc)
{
	return lc->state == LC_CONNECTING || lc->state == LC_CONNECTED || lc->state == LC_RELAUNCH ||
	    lc->state == LC_STALLED || lc->state == LC_RENEW;
}

int lifecycle_active(const struct lifecycle *lc)
{
	return lifecycle_has_keeper(lc) || lc->state == LC_GONE;
}

enum app_state_kind lifecycle_shown(const struct lifecycle *lc, int have_state,
    enum app_state_kind last)
{
	switch (lc->state) {
	case LC_HELD:
		return APP_WAITING;
	case LC_HELD_FAILED:
		return APP_ERRORED;
	case LC_CONNECTING:
	case LC_CONNECTED:
	case LC_RELAUNCH:
	case LC_STALLED:
	case LC_RENEW:
		return have_state ? last : APP_LAUNCHING;
	case LC_IDLE:
	case LC_GONE:
		break;
	}
	return have_state ? last : APP_STOPPED;
}

const char *lifecycle_state_name(enum lc_state s)
{
	static const char *const names[] = { "idle", "held", "held-failed", "connecting",
		"connected", "relaunch", "gone", "stalled", "renew" };
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* One step in progress: what a handler reads and fills. */
struct step {
	struct lifecycle *lc;
	const struct lc_event *ev;
	int64_t now;
	struct lc_out o;
};

typedef void lc_handler(struct step *c);

/* An app without a keeper keeps showing how its last run ended: the one rule
 * for every way of going idle (PROTOCOL.md: a stop ends "stopped or already
 * finished"). */
static enum app_state_kind idle_state(const struct lc_event *ev)
{
	if (ev->have_state && (ev->last == APP_COMPLETED || ev->last == APP_ERRORED))
		return ev->last;
	return APP_STOPPED;
}

static void go_idle(struct step *c, enum app_state_kind shown)
{
	c->lc->state = LC_IDLE;
	c->o.acts |= LA_IDLE;
	c->o.shown = shown;
}

static void launch(struct step *c)
{
	c->lc->state = LC_CONNECTING;
	c->lc->reason[0] = '\0';
	c->lc->quitting = 0;
	c->o.acts |= LA_LAUNCH;
}

static void on_load(struct step *c)
{
	if (c->ev->launched) {
		c->lc->state = LC_CONNECTING;
		c->o.acts |= LA_CONNECT;
	} else if (c->ev->has_after) {
		c->lc->state = LC_HELD;
	} else {
		launch(c);
	}
}

static void start_idle(struct step *c)
{
	c->lc->reason[0] = '\0';
	c->lc->fail_count = 0;
	c->lc->want_stop = 0;
	/* an app that never ran waits for its dependencies first */
	if (c->ev->has_after && !c->ev->have_state) {
		c->lc->state = LC_HELD;
		return;
	}
	c->lc->want_start = 1;
	launch(c);
}

static void start_held_failed(struct step *c)
{
	c->lc->state = LC_HELD;       /* look at the dependencies again */
}

/* No connection yet: the keeper is told once it answers. */
static void start_pending(struct step *c)
{
	c->lc->want_stop = 0;
	c->lc->want_start = 1;
}

static void start_connected(struct step *c)
{
	c->lc->want_stop = 0;
	c->o.acts |= LA_SEND_START;
}

static void restart_connected(struct step *c)
{
	if (c->ev->renew) {
		/* the keeper of an older program quits, stopping the app (its
		 * settings are on disk for the fresh one) */
		c->lc->want_start = 1;
		c->lc->quitting = 1;
		c->lc->state = LC_RENEW;
		c->o.acts |= LA_SEND_QUIT;
		return;
	}
	c->lc->want_start = 0;
	c->o.acts |= (c->ev->reload ? LA_SEND_RELOAD : 0) | LA_SEND_RESTART;
}

/* While the old keeper quits: a start asks for the fresh one, a stop or
 * a delete for none. */
static void renew_want(struct step *c)
{
	c->lc->want_start = c->ev->kind == LE_START || c->ev->kind == LE_RESTART;
}

/* The old keeper's end: once its process is gone, a fresh keeper of the
 * installed program starts the app, unless a stop or a delete came since. */
static void renew_end(struct step *c)
{
	c->lc->quitting = 0;
	if (c->ev->kind == LE_LOST && c->ev->alive) {
		c->o.acts |= LA_AWAIT_GONE;
		return;
	}
	c->o.acts |= LA_KILL_ALL;
	if (c->lc->want_start)
		launch(c);
	else
		go_idle(c, idle_state(c->ev));
}

static void stop_idle(struct step *c)
{
	c->lc->want_start = 0;
}

static void stop_held(struct step *c)
{
	c->lc->want_start = 0;
	c->lc->reason[0] = '\0';
	go_idle(c, idle_state(c->ev));
}

static void stop_connecting(struct step *c)
{
	c->lc->want_start = 0;
	c->lc->want_stop = 1;
}

static void stop_connected(struct step *c)
{
	c->lc->want_start = 0;
	c->lc->want_stop = 0;
	c->o.acts |= LA_SEND_STOP;
}

/* A lost keeper about to be replaced: there is nothing to stop. */
static void stop_relaunch(struct step *c)
{
	c->lc->want_start = 0;
	c->o.acts |= LA_CANCEL_RELAUNCH;
	go_idle(c, idle_state(c->ev));
}

static void quit_idle(struct step *c)
{
	c->lc->want_start = 0;
	go_idle(c, idle_state(c->ev));
}

static void quit_connecting(struct step *c)
{
	c->lc->want_start = 0;
	c->lc->quitting = 1;          /* sent once it answers */
}

static void quit_connected(struct step *c)
{
	c->lc->want_start = 0;
	c->lc->quitting = 1;
	c->o.acts |= LA_SEND_QUIT;
}

static void quit_relaunch(struct step *c)
{
	c->o.acts |= LA_CANCEL_RELAUNCH;
	quit_idle(c);
}

static void deps_waiting(struct step *c)
{
	snprintf(c->lc->reason, sizeof c->lc->reason, "%s", c->ev->reason ? c->ev->reason : "");
}

static void deps_failed(struct step *c)
{
	c->lc->state = LC_HELD_FAILED;
	deps_waiting(c);
}

/* No dependency is errored or missing any more (one was started again):
 * the app waits for them as it did before one failed. */
static void deps_rearm(struct step *c)
{
	c->lc->state = LC_HELD;
	deps_waiting(c);
}

static void on_connected(struct step *c)
{
	c->lc->state = LC_CONNECTED;
	if (c->lc->quitting) {
		c->lc->want_stop = 0;
		c->o.acts |= LA_SEND_QUIT;
	} else if (c->lc->want_stop) {
		c->lc->want_stop = 0;
		c->o.acts |= LA_SEND_STOP;
	}
}

/* The keeper of a fresh connection says where its app is: a start asked
 * for before is sent only if the app is stopped there. */
static void on_push(struct step *c)
{
	if (!c->lc->want_start || !c->ev->first)
		return;
	c->lc->want_start = 0;
	if (c->ev->last == APP_STOPPED)
		c->o.acts |= LA_SEND_START;
}

static void on_lost(struct step *c)
{
	struct lifecycle *lc = c->lc;
	const struct lc_event *ev = c->ev;
	lc->want_start = 0;
	if (lc->quitting) {
		/* we asked for this; wait until the process is really gone */
		lc->quitting = 0;
		go_idle(c, idle_state(ev));
		if (ev->alive) {
			lc->state = LC_GONE;
			c->o.acts |= LA_AWAIT_GONE;
		} else {
			c->o.acts |= LA_KILL_ALL;
		}
		return;
	}
	/* whatever is left of that keeper and its app must go first */
	c->o.acts |= LA_KILL_ALL;
	enum app_state_kind last = ev->have_state ? ev->last : APP_LAUNCHING;
	if (ev->killing || last == APP_STOPPED || last == APP_STOPPING ||
	    last == APP_COMPLETED || last == APP_ERRORED) {
		go_idle(c, idle_state(ev));
		return;
	}
	if (!lc->fail_window_start || c->now - lc->fail_window_start > LC_FAIL_WINDOW_MS) {
		lc->fail_window_start = c->now;
		lc->fail_count = 0;
	}
	if (++lc->fail_count > LC_FAIL_MAX) {
		snprintf(lc->reason, sizeof lc->reason, "its keeper exited %d times in %d s (see %s)",
		    lc->fail_count - 1, LC_FAIL_WINDOW_MS / 1000, ev->reason ? ev->reason : "its log");
		go_idle(c, APP_ERRORED);
		c->o.acts |= LA_SHOW_REASON;
		return;
	}
	/* a fresh keeper restarts the app; back off if keepers keep dying */
	lc->state = LC_RELAUNCH;
	c->o.acts |= LA_RELAUNCH;
	c->o.delay = lc->fail_count <= 1 ? 0 : (int64_t)LC_RELAUNCH_BASE_MS << (lc->fail_count - 2);
}

/* Quitting without a connection: the keeper's SIGTERM is its quit (it stops
 * the app as for "quit"); then wait for it to be gone as after a quit. */
static void quit_by_signal(struct step *c)
{
	c->lc->want_start = 0;
	c->lc->want_stop = 0;
	c->lc->quitting = 0;
	go_idle(c, idle_state(c->ev));
	c->lc->state = LC_GONE;
	c->o.acts |= LA_CANCEL_RELAUNCH | LA_SIGNAL_QUIT | LA_AWAIT_GONE;
}

static void stall(struct step *c)
{
	if (c->lc->quitting) {
		quit_by_signal(c);
		return;
	}
	c->lc->state = LC_STALLED;
	c->o.acts |= LA_RETRY;
	c->o.delay = LC_RETRY_MS;
}

static void retry_due(struct step *c)
{
	c->lc->state = LC_CONNECTING;
	c->o.acts |= LA_CONNECT;
}

static void on_gone(struct step *c)
{
	c->lc->state = LC_IDLE;
	c->o.acts |= LA_KILL_ALL;
}

#define NSTATES (LC_RENEW + 1)
#define NEVENTS (LE_RETRY_DUE + 1)

/* Empty cells: nothing to do, or the event cannot happen in that state. */
static lc_handler *const table[NEVENTS][NSTATES] = {
	[LE_LOAD] = { [LC_IDLE] = on_load },
	[LE_START] = {
		[LC_IDLE] = start_idle, [LC_HELD_FAILED] = start_held_failed,
		[LC_CONNECTING] = start_pending, [LC_CONNECTED] = start_connected,
		[LC_RELAUNCH] = start_pending, [LC_STALLED] = start_pending,
		[LC_RENEW] = renew_want,
	},
	[LE_RESTART] = {
		[LC_IDLE] = start_idle, [LC_HELD_FAILED] = start_held_failed,
		[LC_CONNECTING] = start_pending, [LC_CONNECTED] = restart_connected,
		[LC_RELAUNCH] = start_pending, [LC_STALLED] = start_pending,
		[LC_RENEW] = renew_want,
	},
	[LE_STOP] = {
		[LC_IDLE] = stop_idle, [LC_HELD] = stop_held, [LC_HELD_FAILED] = stop_held,
		[LC_CONNECTING] = stop_connecting, [LC_CONNECTED] = stop_connected,
		[LC_RELAUNCH] = stop_relaunch, [LC_STALLED] = stop_connecting,
		[LC_RENEW] = renew_want,
	},
	[LE_QUIT] = {
		[LC_IDLE] = quit_idle, [LC_HELD] = quit_idle, [LC_HELD_FAILED] = quit_idle,
		[LC_CONNECTING] = quit_connecting, [LC_CONNECTED] = quit_connected,
		[LC_RELAUNCH] = quit_relaunch, [LC_STALLED] = quit_by_signal,
		[LC_RENEW] = renew_want,
	},
	[LE_DEPS_WAITING] = { [LC_HELD] = deps_waiting, [LC_HELD_FAILED] = deps_rearm },
	[LE_DEPS_MET] = { [LC_HELD] = launch, [LC_HELD_FAILED] = launch },
	[LE_DEPS_FAILED] = { [LC_HELD] = deps_failed },
	[LE_CONNECTED] = { [LC_CONNECTING] = on_connected },
	[LE_PUSH] = { [LC_CONNECTED] = on_push },
	[LE_LOST] = { [LC_CONNECTING] = on_lost, [LC_CONNECTED] = on_lost, [LC_RENEW] = renew_end },
	[LE_GONE] = { [LC_GONE] = on_gone, [LC_RENEW] = renew_end },
	[LE_RELAUNCH_DUE] = { [LC_RELAUNCH] = launch },
	[LE_NO_FD] = { [LC_CONNECTING] = stall },
	[LE_RETRY_DUE] = { [LC_STALLED] = retry_due },
};

struct lc_out lifecycle_step(struct lifecycle *lc, const struct lc_event *ev, int64_t now)
{
	struct step c = { lc, ev, now, { 0, APP_STOPPED, 0 } };
	if ((unsigned)ev->kind < NEVENTS && (unsigned)lc->state < NSTATES && table[ev->kind][lc->state])
		table[ev->kind][lc->state](&c);
	return c.o;
}
