/* The daemon's view of an app: states x events -> actions, one table.
 * Pure: time comes in as an argument, effects go out as LA_* bits.
 *
 *                 IDLE HELD HFAIL CONNECTING CONNECTED RELAUNCH GONE
 *   load          l    .    .     .          .         .        .
 *   start         s    .    held  want       send      want     .
 *   restart       s    .    held  want       send      want     .
 *   stop          .    idle idle  want       send      idle     .
 *   quit          idle idle idle  quitting   send      idle     .
 *   deps waiting  .    why  .     .          .         .        .
 *   deps met      .    L    .     .          .         .        .
 *   deps failed   .    HFAIL.     .          .         .        .
 *   connected     .    .    .     CONNECTED  .         .        .
 *   push          .    .    .     .          start?    .        .
 *   lost          .    .    .     lost       lost      .        .
 *   gone          .    .    .     .          .         .        IDLE
 *   relaunch due  .    .    .     .          .         L        .
 *
 * (l: attach, hold or launch; s: hold or launch; L: launch; want: remember
 * it for once connected; lost: see on_lost(); ".": nothing to do, or cannot
 * happen in that state.) */
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
	return lc->state == LC_CONNECTING || lc->state == LC_CONNECTED || lc->state == LC_RELAUNCH;
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
		"connected", "relaunch", "gone" };
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

typedef void lc_handler(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o);

/* An app without a keeper keeps showing how its last run ended: the one rule
 * for every way of going idle (PROTOCOL.md: a stop ends "stopped or already
 * finished"). */
static enum app_state_kind idle_state(const struct lc_event *ev)
{
	if (ev->have_state && (ev->last == APP_COMPLETED || ev->last == APP_ERRORED))
		return ev->last;
	return APP_STOPPED;
}

static void go_idle(struct lifecycle *lc, struct lc_out *o, enum app_state_kind shown)
{
	lc->state = LC_IDLE;
	o->acts |= LA_IDLE;
	o->shown = shown;
}

static void launch(struct lifecycle *lc, struct lc_out *o)
{
	lc->state = LC_CONNECTING;
	lc->reason[0] = '\0';
	lc->quitting = 0;
	o->acts |= LA_LAUNCH;
}

static void on_load(struct lifecycle *lc, const struct lc_event *ev, int64_t now, struct lc_out *o)
{
	(void)now;
	if (ev->launched) {
		lc->state = LC_CONNECTING;
		o->acts |= LA_CONNECT;
	} else if (ev->has_after) {
		lc->state = LC_HELD;
	} else {
		launch(lc, o);
	}
}

static void start_idle(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)now;
	lc->reason[0] = '\0';
	lc->fail_count = 0;
	lc->want_stop = 0;
	/* an app that never ran waits for its dependencies first */
	if (ev->has_after && !ev->have_state) {
		lc->state = LC_HELD;
		return;
	}
	lc->want_start = 1;
	launch(lc, o);
}

static void start_held_failed(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now, (void)o;
	lc->state = LC_HELD;       /* look at the dependencies again */
}

/* No connection yet: the keeper is told once it answers. */
static void start_pending(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now, (void)o;
	lc->want_stop = 0;
	lc->want_start = 1;
}

static void start_connected(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now;
	lc->want_stop = 0;
	o->acts |= LA_SEND_START;
}

static void restart_connected(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)now;
	lc->want_start = 0;
	o->acts |= (ev->reload ? LA_SEND_RELOAD : 0) | LA_SEND_RESTART;
}

static void stop_idle(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now, (void)o;
	lc->want_start = 0;
}

static void stop_held(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)now;
	lc->want_start = 0;
	lc->reason[0] = '\0';
	go_idle(lc, o, idle_state(ev));
}

static void stop_connecting(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now, (void)o;
	lc->want_start = 0;
	lc->want_stop = 1;
}

static void stop_connected(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now;
	lc->want_start = 0;
	lc->want_stop = 0;
	o->acts |= LA_SEND_STOP;
}

/* A lost keeper about to be replaced: there is nothing to stop. */
static void stop_relaunch(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)now;
	lc->want_start = 0;
	o->acts |= LA_CANCEL_RELAUNCH;
	go_idle(lc, o, idle_state(ev));
}

static void quit_idle(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)now;
	lc->want_start = 0;
	go_idle(lc, o, idle_state(ev));
}

static void quit_connecting(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now, (void)o;
	lc->want_start = 0;
	lc->quitting = 1;          /* sent once it answers */
}

static void quit_connected(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now;
	lc->want_start = 0;
	lc->quitting = 1;
	o->acts |= LA_SEND_QUIT;
}

static void quit_relaunch(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	o->acts |= LA_CANCEL_RELAUNCH;
	quit_idle(lc, ev, now, o);
}

static void deps_waiting(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)now, (void)o;
	snprintf(lc->reason, sizeof lc->reason, "%s", ev->reason ? ev->reason : "");
}

static void deps_met(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now;
	launch(lc, o);
}

static void deps_failed(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	lc->state = LC_HELD_FAILED;
	deps_waiting(lc, ev, now, o);
}

static void on_connected(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now;
	lc->state = LC_CONNECTED;
	if (lc->quitting) {
		lc->want_stop = 0;
		o->acts |= LA_SEND_QUIT;
	} else if (lc->want_stop) {
		lc->want_stop = 0;
		o->acts |= LA_SEND_STOP;
	}
}

/* The keeper of a fresh connection says where its app is: a start asked
 * for before is sent only if the app is stopped there. */
static void on_push(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)now;
	if (!lc->want_start || !ev->first)
		return;
	lc->want_start = 0;
	if (ev->last == APP_STOPPED)
		o->acts |= LA_SEND_START;
}

static void on_lost(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	lc->want_start = 0;
	if (lc->quitting) {
		/* we asked for this; wait until the process is really gone */
		lc->quitting = 0;
		go_idle(lc, o, idle_state(ev));
		if (ev->alive) {
			lc->state = LC_GONE;
			o->acts |= LA_AWAIT_GONE;
		} else {
			o->acts |= LA_KILL_ALL;
		}
		return;
	}
	/* whatever is left of that keeper and its app must go first */
	o->acts |= LA_KILL_ALL;
	enum app_state_kind last = ev->have_state ? ev->last : APP_LAUNCHING;
	if (ev->killing || last == APP_STOPPED || last == APP_STOPPING ||
	    last == APP_COMPLETED || last == APP_ERRORED) {
		go_idle(lc, o, idle_state(ev));
		return;
	}
	if (!lc->fail_window_start || now - lc->fail_window_start > LC_FAIL_WINDOW_MS) {
		lc->fail_window_start = now;
		lc->fail_count = 0;
	}
	if (++lc->fail_count > LC_FAIL_MAX) {
		snprintf(lc->reason, sizeof lc->reason, "its keeper exited %d times in %d s (see %s)",
		    lc->fail_count - 1, LC_FAIL_WINDOW_MS / 1000, ev->reason ? ev->reason : "its log");
		go_idle(lc, o, APP_ERRORED);
		o->acts |= LA_SHOW_REASON;
		return;
	}
	/* a fresh keeper restarts the app; back off if keepers keep dying */
	lc->state = LC_RELAUNCH;
	o->acts |= LA_RELAUNCH;
	o->delay = lc->fail_count <= 1 ? 0 : (int64_t)LC_RELAUNCH_BASE_MS << (lc->fail_count - 2);
}

static void on_gone(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now;
	lc->state = LC_IDLE;
	o->acts |= LA_KILL_ALL;
}

static void relaunch_due(struct lifecycle *lc, const struct lc_event *ev, int64_t now,
    struct lc_out *o)
{
	(void)ev, (void)now;
	launch(lc, o);
}

#define NSTATES (LC_GONE + 1)
#define NEVENTS (LE_RELAUNCH_DUE + 1)

static lc_handler *const table[NEVENTS][NSTATES] = {
	/*                  IDLE        HELD          HELD_FAILED        CONNECTING       CONNECTED          RELAUNCH       GONE */
	[LE_LOAD]         = { on_load,    NULL,         NULL,              NULL,            NULL,              NULL,          NULL },
	[LE_START]        = { start_idle, NULL,         start_held_failed, start_pending,   start_connected,   start_pending, NULL },
	[LE_RESTART]      = { start_idle, NULL,         start_held_failed, start_pending,   restart_connected, start_pending, NULL },
	[LE_STOP]         = { stop_idle,  stop_held,    stop_held,         stop_connecting, stop_connected,    stop_relaunch, NULL },
	[LE_QUIT]         = { quit_idle,  quit_idle,    quit_idle,         quit_connecting, quit_connected,    quit_relaunch, NULL },
	[LE_DEPS_WAITING] = { NULL,       deps_waiting, NULL,              NULL,            NULL,              NULL,          NULL },
	[LE_DEPS_MET]     = { NULL,       deps_met,     NULL,              NULL,            NULL,              NULL,          NULL },
	[LE_DEPS_FAILED]  = { NULL,       deps_failed,  NULL,              NULL,            NULL,              NULL,          NULL },
	[LE_CONNECTED]    = { NULL,       NULL,         NULL,              on_connected,    NULL,              NULL,          NULL },
	[LE_PUSH]         = { NULL,       NULL,         NULL,              NULL,            on_push,           NULL,          NULL },
	[LE_LOST]         = { NULL,       NULL,         NULL,              on_lost,         on_lost,           NULL,          NULL },
	[LE_GONE]         = { NULL,       NULL,         NULL,              NULL,            NULL,              NULL,          on_gone },
	[LE_RELAUNCH_DUE] = { NULL,       NULL,         NULL,              NULL,            NULL,              relaunch_due,  NULL },
};

struct lc_out lifecycle_step(struct lifecycle *lc, const struct lc_event *ev, int64_t now)
{
	struct lc_out o = { 0, APP_STOPPED, 0 };
	if ((unsigned)ev->kind < NEVENTS && (unsigned)lc->state < NSTATES &&
	    table[ev->kind][lc->state])
		table[ev->kind][lc->state](lc, ev, now, &o);
	return o;
}
