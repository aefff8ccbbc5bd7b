/* The daemon's app lifecycle, driven through scripted scenarios with time
 * passed in: after each event, the state and the actions it asks for. */
#include "tap.h"
#include "lifecycle.h"

#define X -1          /* "do not check" */
#define NOST 99       /* the event carries no keeper state */

/* event flags */
#define AFTER (1 << 0)     /* has_after */
#define LAUNCHED (1 << 1)
#define RELOAD (1 << 2)
#define FIRST (1 << 3)
#define ALIVE (1 << 4)
#define KILLING (1 << 5)
#define RENEWED (1 << 6)   /* renew: the keeper runs an older program */

struct step {
	enum lc_event_kind ev;
	int last;          /* the keeper's state in the event, or NOST */
	int flags;
	int64_t now;
	int acts;          /* expected LA_* bits */
	int state;         /* expected lc_state */
	int shown;         /* expected out.shown when LA_IDLE, or X */
	int64_t delay;     /* expected out.delay when LA_RELAUNCH, or X */
};

struct scenario {
	const char *name;
	struct step steps[24];
};

/* short names for the table */
#define IDLE LC_IDLE
#define HELD LC_HELD
#define HFAIL LC_HELD_FAILED
#define CONN LC_CONNECTING
#define UP LC_CONNECTED
#define RELA LC_RELAUNCH
#define GONE LC_GONE
#define STALL LC_STALLED
#define RENEW LC_RENEW
#define L LA_LAUNCH
#define K LA_KILL_ALL
#define I LA_IDLE
#define R LA_RELAUNCH

#define END { 0, 0, 0, 0, 0, 0, 0, 0 }
/* a user start of an idle app that never ran: its keeper is launched */
#define START_NEW(t) { LE_START, NOST, 0, t, L, CONN, X, X }
#define CONNECTED(t) { LE_CONNECTED, NOST, 0, t, 0, UP, X, X }
#define ONLINE(t) { LE_PUSH, APP_ONLINE, FIRST, t, 0, UP, X, X }

/* an app online under a keeper that an upgrade made outdated, restarted */
#define RENEWING(t) START_NEW(t), CONNECTED(t + 1), ONLINE(t + 2), \
	{ LE_RESTART, APP_ONLINE, RENEWED, t + 3, LA_SEND_QUIT, RENEW, X, X }

static const struct scenario scenarios[] = {
	{ "restart of an outdated keeper: it quits, then a fresh one starts the app", {
		RENEWING(10),
		{ LE_PUSH, APP_STOPPING, 0, 20, 0, RENEW, X, X },
		{ LE_LOST, APP_STOPPED, ALIVE, 30, LA_AWAIT_GONE, RENEW, X, X },
		{ LE_GONE, APP_STOPPED, 0, 40, K | L, CONN, X, X },
		CONNECTED(50),
		{ LE_PUSH, APP_STOPPED, FIRST, 60, LA_SEND_START, UP, X, X },
		END } },
	{ "an outdated keeper gone with its connection: the fresh one at once", {
		RENEWING(10),
		{ LE_LOST, APP_STOPPED, 0, 20, K | L, CONN, X, X },
		CONNECTED(30),
		{ LE_PUSH, APP_LAUNCHING, FIRST, 40, 0, UP, X, X },
		END } },
	{ "a stop while an outdated keeper quits: no fresh keeper", {
		RENEWING(10),
		{ LE_STOP, APP_STOPPING, 0, 20, 0, RENEW, X, X },
		{ LE_LOST, APP_STOPPED, ALIVE, 30, LA_AWAIT_GONE, RENEW, X, X },
		{ LE_GONE, APP_STOPPED, 0, 40, K | I, IDLE, APP_STOPPED, X },
		END } },
	{ "a delete while it quits, then a start: the fresh keeper after all", {
		RENEWING(10),
		{ LE_QUIT, APP_STOPPING, 0, 20, 0, RENEW, X, X },
		{ LE_START, APP_STOPPING, 0, 25, 0, RENEW, X, X },
		{ LE_LOST, APP_STOPPED, 0, 30, K | L, CONN, X, X },
		END } },
	{ "a restart of a current keeper is sent to it", {
		START_NEW(10), CONNECTED(11), ONLINE(12),
		{ LE_RESTART, APP_ONLINE, 0, 20, LA_SEND_RESTART, UP, X, X },
		END } },
	{ "start while starting: one start, sent once the keeper says stopped", {
		START_NEW(10),
		{ LE_START, NOST, 0, 20, 0, CONN, X, X },
		CONNECTED(30),
		{ LE_PUSH, APP_STOPPED, FIRST, 40, LA_SEND_START, UP, X, X },
		{ LE_PUSH, APP_STOPPED, 0, 50, 0, UP, X, X },
		{ LE_START, APP_LAUNCHING, 0, 60, LA_SEND_START, UP, X, X },
		END } },
	{ "a fresh keeper that already runs its app is not told to start", {
		START_NEW(10), CONNECTED(20),
		{ LE_PUSH, APP_LAUNCHING, FIRST, 30, 0, UP, X, X },
		{ LE_PUSH, APP_STOPPED, 0, 40, 0, UP, X, X },
		END } },
	{ "stop while launching: stop sent once connected, the start dropped", {
		START_NEW(10),
		{ LE_STOP, NOST, 0, 20, 0, CONN, X, X },
		{ LE_CONNECTED, NOST, 0, 30, LA_SEND_STOP, UP, X, X },
		{ LE_PUSH, APP_STOPPED, FIRST, 40, 0, UP, X, X },
		END } },
	{ "stop while connecting to a keeper found at start-up", {
		{ LE_LOAD, APP_ONLINE, LAUNCHED, 10, LA_CONNECT, CONN, X, X },
		{ LE_STOP, APP_ONLINE, 0, 20, 0, CONN, X, X },
		{ LE_CONNECTED, APP_ONLINE, 0, 30, LA_SEND_STOP, UP, X, X },
		END } },
	{ "start after stop while connecting: the stop is forgotten", {
		START_NEW(10),
		{ LE_STOP, NOST, 0, 20, 0, CONN, X, X },
		{ LE_START, NOST, 0, 30, 0, CONN, X, X },
		CONNECTED(40),
		{ LE_PUSH, APP_STOPPED, FIRST, 50, LA_SEND_START, UP, X, X },
		END } },
	{ "keeper lost while stopping: idle, stopped, nothing relaunched", {
		START_NEW(10), CONNECTED(20), ONLINE(30),
		{ LE_STOP, APP_ONLINE, 0, 40, LA_SEND_STOP, UP, X, X },
		{ LE_LOST, APP_STOPPING, 0, 50, K | I, IDLE, APP_STOPPED, X },
		END } },
	{ "keeper lost while online: relaunched with backoff, errored after 5 in 30 s", {
		START_NEW(10), CONNECTED(20), ONLINE(30),
		{ LE_LOST, APP_ONLINE, 0, 1000, K | R, RELA, X, 0 },
		{ LE_RELAUNCH_DUE, APP_LAUNCHING, 0, 1000, L, CONN, X, X },
		{ LE_LOST, NOST, 0, 2000, K | R, RELA, X, 100 },
		{ LE_RELAUNCH_DUE, APP_LAUNCHING, 0, 2100, L, CONN, X, X },
		CONNECTED(2200), ONLINE(2300),
		{ LE_LOST, APP_ONLINE, 0, 3000, K | R, RELA, X, 200 },
		{ LE_RELAUNCH_DUE, APP_LAUNCHING, 0, 3200, L, CONN, X, X },
		{ LE_LOST, APP_LAUNCHING, 0, 4000, K | R, RELA, X, 400 },
		{ LE_RELAUNCH_DUE, APP_LAUNCHING, 0, 4400, L, CONN, X, X },
		{ LE_LOST, APP_LAUNCHING, 0, 5000, K | R, RELA, X, 800 },
		{ LE_RELAUNCH_DUE, APP_LAUNCHING, 0, 5800, L, CONN, X, X },
		{ LE_LOST, APP_LAUNCHING, 0, 6000, K | I | LA_SHOW_REASON, IDLE, APP_ERRORED, X },
		/* a user start forgives the count */
		{ LE_START, APP_ERRORED, 0, 7000, L, CONN, X, X },
		{ LE_LOST, APP_LAUNCHING, 0, 8000, K | R, RELA, X, 0 },
		END } },
	{ "keeper deaths far apart are never counted together", {
		START_NEW(10),
		{ LE_LOST, NOST, 0, 1000, K | R, RELA, X, 0 },
		{ LE_RELAUNCH_DUE, APP_LAUNCHING, 0, 1000, L, CONN, X, X },
		{ LE_LOST, NOST, 0, 2000, K | R, RELA, X, 100 },
		{ LE_RELAUNCH_DUE, APP_LAUNCHING, 0, 2100, L, CONN, X, X },
		{ LE_LOST, NOST, 0, 40000, K | R, RELA, X, 0 },
		END } },
	{ "stop while a lost keeper waits to be relaunched", {
		START_NEW(10), CONNECTED(20), ONLINE(30),
		{ LE_LOST, APP_ONLINE, 0, 1000, K | R, RELA, X, 0 },
		{ LE_STOP, APP_LAUNCHING, 0, 1001, LA_CANCEL_RELAUNCH | I, IDLE, APP_STOPPED, X },
		{ LE_RELAUNCH_DUE, APP_STOPPED, 0, 1002, 0, IDLE, X, X },
		END } },
	{ "start while a lost keeper waits: sent to the fresh keeper if stopped", {
		START_NEW(10), CONNECTED(20), ONLINE(30),
		{ LE_LOST, APP_ONLINE, 0, 1000, K | R, RELA, X, 0 },
		{ LE_START, APP_LAUNCHING, 0, 1001, 0, RELA, X, X },
		{ LE_RELAUNCH_DUE, APP_LAUNCHING, 0, 1002, L, CONN, X, X },
		CONNECTED(1010),
		{ LE_PUSH, APP_STOPPED, FIRST, 1020, LA_SEND_START, UP, X, X },
		END } },
	{ "keeper never answers: relaunched", {
		START_NEW(10),
		{ LE_LOST, NOST, 0, 10010, K | R, RELA, X, 0 },
		END } },
	{ "re-attach at start-up: online keeper", {
		{ LE_LOAD, APP_ONLINE, LAUNCHED, 10, LA_CONNECT, CONN, X, X },
		{ LE_CONNECTED, APP_ONLINE, 0, 20, 0, UP, X, X },
		{ LE_PUSH, APP_ONLINE, FIRST, 30, 0, UP, X, X },
		END } },
	{ "re-attach at start-up: keeper gone, app was online: relaunched", {
		{ LE_LOAD, APP_ONLINE, LAUNCHED, 10, LA_CONNECT, CONN, X, X },
		{ LE_LOST, APP_ONLINE, 0, 20, K | R, RELA, X, 0 },
		END } },
	{ "re-attach at start-up: keeper gone, app was waiting to restart: relaunched", {
		{ LE_LOAD, APP_WAITING, LAUNCHED, 10, LA_CONNECT, CONN, X, X },
		{ LE_LOST, APP_WAITING, 0, 20, K | R, RELA, X, 0 },
		END } },
	{ "re-attach at start-up: keeper gone, app had completed", {
		{ LE_LOAD, APP_COMPLETED, LAUNCHED, 10, LA_CONNECT, CONN, X, X },
		{ LE_LOST, APP_COMPLETED, 0, 20, K | I, IDLE, APP_COMPLETED, X },
		END } },
	{ "re-attach at start-up: keeper gone, app had errored", {
		{ LE_LOAD, APP_ERRORED, LAUNCHED, 10, LA_CONNECT, CONN, X, X },
		{ LE_LOST, APP_ERRORED, 0, 20, K | I, IDLE, APP_ERRORED, X },
		END } },
	{ "re-attach at start-up: keeper gone, app was stopped", {
		{ LE_LOAD, APP_STOPPED, LAUNCHED, 10, LA_CONNECT, CONN, X, X },
		{ LE_LOST, APP_STOPPED, 0, 20, K | I, IDLE, APP_STOPPED, X },
		END } },
	{ "re-attach at start-up: keeper gone while stopping its app", {
		{ LE_LOAD, APP_STOPPING, LAUNCHED, 10, LA_CONNECT, CONN, X, X },
		{ LE_LOST, APP_STOPPING, 0, 20, K | I, IDLE, APP_STOPPED, X },
		END } },
	{ "start-up: an app never launched is launched, or held by after:", {
		{ LE_LOAD, NOST, 0, 10, L, CONN, X, X },
		END } },
	{ "start-up: held by after:", {
		{ LE_LOAD, NOST, AFTER, 10, 0, HELD, X, X },
		END } },
	{ "delete during restart: quit sent, then the keeper is awaited", {
		START_NEW(10), CONNECTED(20), ONLINE(30),
		{ LE_RESTART, APP_ONLINE, 0, 40, LA_SEND_RESTART, UP, X, X },
		{ LE_QUIT, APP_STOPPING, 0, 50, LA_SEND_QUIT, UP, X, X },
		{ LE_LOST, APP_STOPPED, ALIVE, 60, I | LA_AWAIT_GONE, GONE, APP_STOPPED, X },
		{ LE_START, APP_STOPPED, 0, 65, 0, GONE, X, X },
		{ LE_GONE, APP_STOPPED, 0, 70, K, IDLE, X, X },
		END } },
	{ "delete of a completed app keeps showing completed", {
		START_NEW(10), CONNECTED(20),
		{ LE_QUIT, APP_COMPLETED, 0, 30, LA_SEND_QUIT, UP, X, X },
		{ LE_LOST, APP_COMPLETED, 0, 40, K | I, IDLE, APP_COMPLETED, X },
		END } },
	{ "restart while stopped, connected: the keeper restarts its app", {
		START_NEW(10), CONNECTED(20),
		{ LE_PUSH, APP_ONLINE, FIRST, 30, 0, UP, X, X },
		{ LE_STOP, APP_ONLINE, 0, 40, LA_SEND_STOP, UP, X, X },
		{ LE_RESTART, APP_STOPPED, 0, 50, LA_SEND_RESTART, UP, X, X },
		{ LE_RESTART, APP_ONLINE, RELOAD, 60, LA_SEND_RELOAD | LA_SEND_RESTART, UP, X, X },
		END } },
	{ "restart while stopped, no keeper: launched and started", {
		{ LE_LOAD, APP_STOPPED, LAUNCHED, 10, LA_CONNECT, CONN, X, X },
		{ LE_LOST, APP_STOPPED, 0, 20, K | I, IDLE, APP_STOPPED, X },
		{ LE_RESTART, APP_STOPPED, 0, 30, L, CONN, X, X },
		CONNECTED(40),
		{ LE_PUSH, APP_STOPPED, FIRST, 50, LA_SEND_START, UP, X, X },
		END } },
	{ "after: held, then released", {
		{ LE_LOAD, NOST, AFTER, 10, 0, HELD, X, X },
		{ LE_START, NOST, AFTER, 20, 0, HELD, X, X },
		{ LE_DEPS_WAITING, NOST, AFTER, 30, 0, HELD, X, X },
		{ LE_DEPS_MET, NOST, AFTER, 40, L, CONN, X, X },
		CONNECTED(50),
		END } },
	{ "after: held, then failed; a start looks again; a stop idles it", {
		{ LE_LOAD, NOST, AFTER, 10, 0, HELD, X, X },
		{ LE_DEPS_FAILED, NOST, AFTER, 20, 0, HFAIL, X, X },
		{ LE_START, NOST, AFTER, 30, 0, HELD, X, X },
		{ LE_DEPS_FAILED, NOST, AFTER, 40, 0, HFAIL, X, X },
		{ LE_STOP, NOST, AFTER, 50, I, IDLE, APP_STOPPED, X },
		/* it never ran: a start waits for the dependencies again */
		{ LE_START, NOST, AFTER, 60, 0, HELD, X, X },
		{ LE_QUIT, NOST, AFTER, 70, I, IDLE, APP_STOPPED, X },
		END } },
	{ "after: failed, then its dependency started again: held, then released", {
		{ LE_LOAD, NOST, AFTER, 10, 0, HELD, X, X },
		{ LE_DEPS_FAILED, NOST, AFTER, 20, 0, HFAIL, X, X },
		{ LE_DEPS_WAITING, NOST, AFTER, 30, 0, HELD, X, X },
		{ LE_DEPS_FAILED, NOST, AFTER, 40, 0, HFAIL, X, X },
		{ LE_DEPS_MET, NOST, AFTER, 50, L, CONN, X, X },
		CONNECTED(60),
		END } },
	{ "stop of a held app keeps showing how its last run ended", {
		{ LE_LOAD, NOST, AFTER, 10, 0, HELD, X, X },
		{ LE_STOP, APP_COMPLETED, AFTER, 20, I, IDLE, APP_COMPLETED, X },
		END } },
	{ "stop while relaunching a keeper whose app had errored shows errored", {
		START_NEW(10),
		{ LE_LOST, NOST, 0, 20, K | R, RELA, X, 0 },
		{ LE_STOP, APP_ERRORED, 0, 30, LA_CANCEL_RELAUNCH | I, IDLE, APP_ERRORED, X },
		END } },
	{ "after: an app that ran before starts at once", {
		{ LE_LOAD, APP_COMPLETED, AFTER | LAUNCHED, 10, LA_CONNECT, CONN, X, X },
		{ LE_LOST, APP_COMPLETED, AFTER, 20, K | I, IDLE, APP_COMPLETED, X },
		{ LE_START, APP_COMPLETED, AFTER, 30, L, CONN, X, X },
		END } },
	{ "kill while connecting: quit sent once connected", {
		START_NEW(10),
		{ LE_QUIT, NOST, 0, 20, 0, CONN, X, X },
		{ LE_CONNECTED, NOST, 0, 30, LA_SEND_QUIT, UP, X, X },
		{ LE_LOST, APP_STOPPED, 0, 40, K | I, IDLE, APP_STOPPED, X },
		END } },
	{ "kill while connecting: a stop asked before is replaced by quit", {
		START_NEW(10),
		{ LE_STOP, NOST, 0, 15, 0, CONN, X, X },
		{ LE_QUIT, NOST, 0, 20, 0, CONN, X, X },
		{ LE_CONNECTED, NOST, 0, 30, LA_SEND_QUIT, UP, X, X },
		END } },
	{ "kill: a keeper lost meanwhile is not relaunched", {
		START_NEW(10), CONNECTED(20), ONLINE(30),
		{ LE_LOST, APP_ONLINE, KILLING, 40, K | I, IDLE, APP_STOPPED, X },
		END } },
	{ "kill while relaunching: nothing left to wait for", {
		START_NEW(10),
		{ LE_LOST, NOST, 0, 20, K | R, RELA, X, 0 },
		{ LE_QUIT, APP_LAUNCHING, 0, 30, LA_CANCEL_RELAUNCH | I, IDLE, APP_STOPPED, X },
		END } },
	{ "no descriptor to reach a launched keeper: stalled, nothing killed, tried again", {
		START_NEW(10),
		{ LE_NO_FD, NOST, 0, 20, LA_RETRY, STALL, X, LC_RETRY_MS },
		{ LE_RETRY_DUE, NOST, 0, 520, LA_CONNECT, CONN, X, X },
		{ LE_NO_FD, NOST, 0, 530, LA_RETRY, STALL, X, LC_RETRY_MS },
		{ LE_RETRY_DUE, NOST, 0, 1030, LA_CONNECT, CONN, X, X },
		CONNECTED(1040),
		{ LE_PUSH, APP_ONLINE, FIRST, 1050, 0, UP, X, X },
		END } },
	{ "no descriptor at start-up: the keeper found keeps running until reached", {
		{ LE_LOAD, APP_ONLINE, LAUNCHED, 10, LA_CONNECT, CONN, X, X },
		{ LE_NO_FD, APP_ONLINE, 0, 20, LA_RETRY, STALL, X, X },
		{ LE_LOST, APP_ONLINE, 0, 30, 0, STALL, X, X },
		{ LE_RELAUNCH_DUE, APP_ONLINE, 0, 40, 0, STALL, X, X },
		{ LE_RETRY_DUE, APP_ONLINE, 0, 520, LA_CONNECT, CONN, X, X },
		CONNECTED(530),
		END } },
	{ "stalled: start and stop wait for the connection", {
		START_NEW(10),
		{ LE_NO_FD, NOST, 0, 20, LA_RETRY, STALL, X, X },
		{ LE_STOP, NOST, 0, 30, 0, STALL, X, X },
		{ LE_RETRY_DUE, NOST, 0, 520, LA_CONNECT, CONN, X, X },
		{ LE_CONNECTED, NOST, 0, 530, LA_SEND_STOP, UP, X, X },
		END } },
	{ "stalled: delete or kill quits the keeper by signal and waits for it", {
		START_NEW(10),
		{ LE_NO_FD, NOST, 0, 20, LA_RETRY, STALL, X, X },
		{ LE_QUIT, NOST, 0, 30, LA_CANCEL_RELAUNCH | I | LA_SIGNAL_QUIT | LA_AWAIT_GONE,
		  GONE, APP_STOPPED, X },
		{ LE_GONE, NOST, 0, 40, K, IDLE, X, X },
		END } },
	{ "quit asked while connecting, then no descriptor: quit by signal", {
		START_NEW(10),
		{ LE_QUIT, NOST, 0, 20, 0, CONN, X, X },
		{ LE_NO_FD, NOST, 0, 30, LA_CANCEL_RELAUNCH | I | LA_SIGNAL_QUIT | LA_AWAIT_GONE,
		  GONE, APP_STOPPED, X },
		END } },
	{ "events that cannot happen in a state change nothing", {
		{ LE_CONNECTED, NOST, 0, 10, 0, IDLE, X, X },
		{ LE_LOST, NOST, 0, 20, 0, IDLE, X, X },
		{ LE_GONE, NOST, 0, 30, 0, IDLE, X, X },
		{ LE_STOP, NOST, 0, 40, 0, IDLE, X, X },
		END } },
};

static int run(const struct scenario *sc)
{
	struct lifecycle lc;
	lifecycle_init(&lc);
	for (int k = 0; k < 24; k++) {
		const struct step *st = &sc->steps[k];
		if (st->now == 0)
			return 1;
		struct lc_event ev = {
			.kind = st->ev,
			.have_state = st->last != NOST,
			.last = st->last != NOST ? (enum app_state_kind)st->last : APP_STOPPED,
			.has_after = !!(st->flags & AFTER),
			.launched = !!(st->flags & LAUNCHED),
			.reload = !!(st->flags & RELOAD),
			.first = !!(st->flags & FIRST),
			.alive = !!(st->flags & ALIVE),
			.killing = !!(st->flags & KILLING),
			.renew = !!(st->flags & RENEWED),
			.reason = "keeper.log",
		};
		struct lc_out o = lifecycle_step(&lc, &ev, st->now);
		if ((int)o.acts != st->acts || (int)lc.state != st->state ||
		    (st->shown != X && (int)o.shown != st->shown) ||
		    (st->delay != X && o.delay != st->delay) ||
		    lifecycle_has_keeper(&lc) != (st->state == CONN || st->state == UP ||
		    st->state == RELA || st->state == STALL || st->state == RENEW)) {
			diag("%s: step %d: acts %#x (want %#x) state %s (want %s) shown %s delay %lld",
			    sc->name, k, o.acts, (unsigned)st->acts, lifecycle_state_name(lc.state),
			    lifecycle_state_name((enum lc_state)st->state), app_state_name(o.shown),
			    (long long)o.delay);
			return 0;
		}
	}
	return 1;
}

/* The reason a crash loop of keepers shows names the count and the log. */
static void reason_of_keeper_deaths(void)
{
	struct lifecycle lc;
	lifecycle_init(&lc);
	struct lc_event ev = { .kind = LE_START };
	lifecycle_step(&lc, &ev, 1);
	ev.kind = LE_LOST;
	ev.reason = "/h/keeper.log";
	for (int i = 0; i < 6; i++) {
		lifecycle_step(&lc, &ev, 10 + i);
		struct lc_event due = { .kind = LE_RELAUNCH_DUE };
		lifecycle_step(&lc, &due, 10 + i);
	}
	is_str(lc.reason, "its keeper exited 5 times in 30 s (see /h/keeper.log)",
	    "keeper deaths: the reason counts them and names the log");
	ev.kind = LE_START;
	lifecycle_step(&lc, &ev, 100);
	is_str(lc.reason, "", "a start clears the reason");
}

/* What users see when the keeper has said nothing yet, per state. */
static void shown_states(void)
{
	static const struct { enum lc_state s; int have; enum app_state_kind last, want; } t[] = {
		{ LC_IDLE, 0, APP_ONLINE, APP_STOPPED },
		{ LC_IDLE, 1, APP_COMPLETED, APP_COMPLETED },
		{ LC_HELD, 1, APP_COMPLETED, APP_WAITING },
		{ LC_HELD_FAILED, 0, APP_STOPPED, APP_ERRORED },
		{ LC_CONNECTING, 0, APP_STOPPED, APP_LAUNCHING },
		{ LC_CONNECTED, 1, APP_ONLINE, APP_ONLINE },
		{ LC_RELAUNCH, 1, APP_LAUNCHING, APP_LAUNCHING },
		{ LC_GONE, 0, APP_ONLINE, APP_STOPPED },
		{ LC_STALLED, 0, APP_STOPPED, APP_LAUNCHING },
		{ LC_STALLED, 1, APP_ONLINE, APP_ONLINE },
		{ LC_RENEW, 1, APP_STOPPING, APP_STOPPING },
		{ LC_RENEW, 0, APP_STOPPED, APP_LAUNCHING },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct lifecycle lc;
		lifecycle_init(&lc);
		lc.state = t[i].s;
		is_str(app_state_name(lifecycle_shown(&lc, t[i].have, t[i].last)),
		    app_state_name(t[i].want), "shown in %s (%s)", lifecycle_state_name(t[i].s),
		    t[i].have ? app_state_name(t[i].last) : "no state");
	}
}

int main(void)
{
	plan_no_plan();
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		ok(run(&scenarios[i]), "%s", scenarios[i].name);
	reason_of_keeper_deaths();
	shown_states();
	return done_testing();
}
