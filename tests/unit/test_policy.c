/* The restart policy, driven through scripted scenarios with time passed in. */
#include "tap.h"
#include "policy.h"

#include <signal.h>
#include <string.h>

#define X -1 /* "do not check" */

struct step {
	enum policy_event_kind ev;
	int code, sig, empty;
	int64_t now;
	int acts;          /* expected ACT_* bits, or X */
	int state;         /* expected state, or X */
	int64_t deadline;  /* expected deadline, or X */
	int unstable, restarts; /* or X */
};

struct scenario {
	const char *name;
	void (*tune)(struct app_spec *);
	struct step steps[40];
};

#define S_START(t)        { PEV_START, 0, 0, 0, t, X, X, X, X, X }
#define SPAWNED(t, st, dl) { PEV_SPAWNED, 0, 0, 0, t, ACT_CHANGED, st, dl, X, X }
#define C ACT_CHANGED
#define SP ACT_SPAWN

static void t_default(struct app_spec *s) { (void)s; }
/* crash_backoff 0: pm2's restarts at once, so these scenarios show the
 * counting alone */
static void t_onfail(struct app_spec *s)
{
	s->autorestart = AUTORESTART_ON_FAILURE;
	s->crash_backoff_ms = 0;
}
static void t_never(struct app_spec *s) { s->autorestart = AUTORESTART_NEVER; }
static void t_max2(struct app_spec *s)
{
	s->max_restarts = 2;
	s->crash_backoff_ms = 0;
}
static void t_crash(struct app_spec *s)
{
	s->max_restarts = 4;
	s->exp_backoff_max_ms = 300;
}
static void t_crash_delay(struct app_spec *s)
{
	s->restart_delay_ms = 150;
	s->exp_backoff_max_ms = 1000;
}
static void t_delay(struct app_spec *s) { s->restart_delay_ms = 500; }
static void t_backoff(struct app_spec *s)
{
	s->exp_backoff_ms = 100;
	s->exp_backoff_max_ms = 350;
	s->max_restarts = 100;
	s->crash_backoff_ms = 5000;     /* not used beside pm2's backoff */
}
static void t_stopcodes(struct app_spec *s)
{
	s->stop_exit_codes[0] = 42;
	s->n_stop_exit_codes = 1;
}
static void t_stopcodes_onfail(struct app_spec *s)
{
	t_stopcodes(s);
	s->autorestart = AUTORESTART_ON_FAILURE;
}
static void t_kill0(struct app_spec *s) { s->kill_timeout_ms = 0; }
static void t_uptime0(struct app_spec *s) { s->min_uptime_ms = 0; }

static const struct scenario scenarios[] = {
	{ "start, online, crash restarts at once", t_default, {
		{ PEV_START, 0, 0, 0, 0, C | SP, APP_LAUNCHING, 0, 0, 0 },
		SPAWNED(10, APP_LAUNCHING, 1010),
		{ PEV_DEADLINE, 0, 0, 0, 1009, 0, APP_LAUNCHING, 1010, X, X },
		{ PEV_DEADLINE, 0, 0, 0, 1010, C, APP_ONLINE, 0, 0, X },
		{ PEV_EXITED, 1, 0, 1, 5000, C | SP, APP_LAUNCHING, 0, 0, 0 },
		{ PEV_SPAWNED, 0, 0, 0, 5000, C, APP_LAUNCHING, 6000, 0, 1 },
		{ PEV_EXITED, 0, 0, 1, 7000, C | SP, APP_LAUNCHING, 0, 0, 1 },
		{ PEV_SPAWNED, 0, 0, 0, 7000, C, APP_LAUNCHING, 8000, 0, 2 },
	} },
	{ "leftovers of a crashed run are killed", t_default, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 1, 0, 0, 2000, C | SP | ACT_KILL_LEFTOVERS, APP_LAUNCHING, 0, X, X },
	} },
	{ "crash loop: errored after max_restarts unstable restarts", t_max2, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 1, 0, 1, 10, C | SP, APP_LAUNCHING, 0, 1, 0 },
		SPAWNED(10, APP_LAUNCHING, 1010),
		{ PEV_EXITED, 1, 0, 1, 20, C | SP, APP_LAUNCHING, 0, 2, 1 },
		SPAWNED(20, APP_LAUNCHING, 1020),
		{ PEV_EXITED, 1, 0, 1, 30, C, APP_ERRORED, 0, 2, 2 },
		{ PEV_DEADLINE, 0, 0, 0, 5000, 0, APP_ERRORED, 0, X, X },
		/* a user start forgives the history */
		{ PEV_START, 0, 0, 0, 6000, C | SP, APP_LAUNCHING, 0, 0, 2 },
	} },
	{ "a stable run resets the unstable count", t_max2, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 1, 0, 1, 10, C | SP, APP_LAUNCHING, 0, 1, X },
		SPAWNED(10, APP_LAUNCHING, 1010),
		{ PEV_EXITED, 1, 0, 1, 20, C | SP, APP_LAUNCHING, 0, 2, X },
		SPAWNED(20, APP_LAUNCHING, 1020),
		{ PEV_DEADLINE, 0, 0, 0, 1020, C, APP_ONLINE, 0, 0, X },
		{ PEV_EXITED, 1, 0, 1, 1500, C | SP, APP_LAUNCHING, 0, 0, X },
		SPAWNED(1500, APP_LAUNCHING, 2500),
		{ PEV_EXITED, 1, 0, 1, 1510, C | SP, APP_LAUNCHING, 0, 1, X },
		SPAWNED(1510, APP_LAUNCHING, 2510),
		{ PEV_EXITED, 1, 0, 1, 1520, C | SP, APP_LAUNCHING, 0, 2, X },
		SPAWNED(1520, APP_LAUNCHING, 2520),
		{ PEV_EXITED, 1, 0, 1, 1530, C, APP_ERRORED, 0, 2, X },
	} },
	{ "restart_delay waits, stop while waiting", t_delay, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, -1, SIGSEGV, 1, 100, C, APP_WAITING, 600, 1, X },
		{ PEV_DEADLINE, 0, 0, 0, 599, 0, APP_WAITING, 600, X, X },
		{ PEV_DEADLINE, 0, 0, 0, 600, C | SP, APP_LAUNCHING, 0, X, X },
		{ PEV_SPAWNED, 0, 0, 0, 600, C, APP_LAUNCHING, 1600, X, 1 },
		{ PEV_EXITED, 2, 0, 1, 700, C, APP_WAITING, 1200, 2, X },
		{ PEV_STOP, 0, 0, 0, 800, C, APP_STOPPED, 0, X, 1 },
		{ PEV_DEADLINE, 0, 0, 0, 1200, 0, APP_STOPPED, 0, X, X },
	} },
	{ "exponential backoff doubles to its cap and resets after 30 s", t_backoff, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 1, 0, 1, 10, C, APP_WAITING, 110, X, X },
		{ PEV_DEADLINE, 0, 0, 0, 110, C | SP, APP_LAUNCHING, 0, X, X },
		SPAWNED(110, APP_LAUNCHING, 1110),
		{ PEV_EXITED, 1, 0, 1, 120, C, APP_WAITING, 320, X, X },
		{ PEV_DEADLINE, 0, 0, 0, 320, C | SP, APP_LAUNCHING, 0, X, X },
		SPAWNED(320, APP_LAUNCHING, 1320),
		{ PEV_EXITED, 1, 0, 1, 330, C, APP_WAITING, 680, X, X },
		{ PEV_DEADLINE, 0, 0, 0, 680, C | SP, APP_LAUNCHING, 0, X, X },
		SPAWNED(680, APP_LAUNCHING, 1680),
		{ PEV_EXITED, 1, 0, 1, 690, C, APP_WAITING, 1040, X, X },
		{ PEV_DEADLINE, 0, 0, 0, 1040, C | SP, APP_LAUNCHING, 0, X, X },
		SPAWNED(1040, APP_LAUNCHING, 2040),
		/* a stable but short run keeps the backoff */
		{ PEV_EXITED, 1, 0, 1, 5040, C, APP_WAITING, 5390, 0, X },
		{ PEV_DEADLINE, 0, 0, 0, 5390, C | SP, APP_LAUNCHING, 0, X, X },
		SPAWNED(5390, APP_LAUNCHING, 6390),
		/* 30 s of running resets it */
		{ PEV_EXITED, 1, 0, 1, 35390, C, APP_WAITING, 35490, 0, X },
	} },
	{ "crash loop, crash_backoff's 100 ms: doubling to the cap (300 here), then errored",
	  t_crash, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 1, 0, 1, 10, C, APP_WAITING, 110, 1, 0 },
		{ PEV_DEADLINE, 0, 0, 0, 109, 0, APP_WAITING, 110, 1, X },
		{ PEV_DEADLINE, 0, 0, 0, 110, C | SP, APP_LAUNCHING, 0, 1, X },
		SPAWNED(110, APP_LAUNCHING, 1110),
		{ PEV_EXITED, 1, 0, 1, 120, C, APP_WAITING, 320, 2, X },
		{ PEV_DEADLINE, 0, 0, 0, 320, C | SP, APP_LAUNCHING, 0, 2, X },
		SPAWNED(320, APP_LAUNCHING, 1320),
		/* 400 ms would pass exp_backoff_max */
		{ PEV_EXITED, 1, 0, 1, 330, C, APP_WAITING, 630, 3, X },
		{ PEV_DEADLINE, 0, 0, 0, 630, C | SP, APP_LAUNCHING, 0, 3, X },
		SPAWNED(630, APP_LAUNCHING, 1630),
		{ PEV_EXITED, 1, 0, 1, 640, C, APP_WAITING, 940, 4, X },
		{ PEV_DEADLINE, 0, 0, 0, 940, C | SP, APP_LAUNCHING, 0, 4, X },
		SPAWNED(940, APP_LAUNCHING, 1940),
		{ PEV_EXITED, 1, 0, 1, 950, C, APP_ERRORED, 0, 4, 4 },
		/* a user start forgives the history, the backoff too */
		{ PEV_START, 0, 0, 0, 2000, C | SP, APP_LAUNCHING, 0, 0, X },
		SPAWNED(2000, APP_LAUNCHING, 3000),
		{ PEV_EXITED, 1, 0, 1, 2010, C, APP_WAITING, 2110, 1, X },
	} },
	{ "crash loop, defaults: a stable run restarts at once and starts the backoff over",
	  t_default, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 1, 0, 1, 10, C, APP_WAITING, 110, 1, X },
		{ PEV_DEADLINE, 0, 0, 0, 110, C | SP, APP_LAUNCHING, 0, 1, X },
		SPAWNED(110, APP_LAUNCHING, 1110),
		{ PEV_EXITED, 1, 0, 1, 120, C, APP_WAITING, 320, 2, X },
		{ PEV_DEADLINE, 0, 0, 0, 320, C | SP, APP_LAUNCHING, 0, 2, X },
		SPAWNED(320, APP_LAUNCHING, 1320),
		{ PEV_DEADLINE, 0, 0, 0, 1320, C, APP_ONLINE, 0, 0, X },
		{ PEV_EXITED, -1, SIGSEGV, 1, 5000, C | SP, APP_LAUNCHING, 0, 0, X },
		SPAWNED(5000, APP_LAUNCHING, 6000),
		{ PEV_EXITED, 1, 0, 1, 5010, C, APP_WAITING, 5110, 1, X },
	} },
	{ "crash loop with restart_delay: never sooner than it, the backoff past it", t_crash_delay, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 1, 0, 1, 10, C, APP_WAITING, 160, 1, X },
		{ PEV_DEADLINE, 0, 0, 0, 160, C | SP, APP_LAUNCHING, 0, 1, X },
		SPAWNED(160, APP_LAUNCHING, 1160),
		{ PEV_EXITED, 1, 0, 1, 170, C, APP_WAITING, 370, 2, X },
		{ PEV_DEADLINE, 0, 0, 0, 370, C | SP, APP_LAUNCHING, 0, 2, X },
		SPAWNED(370, APP_LAUNCHING, 1370),
		{ PEV_DEADLINE, 0, 0, 0, 1370, C, APP_ONLINE, 0, 0, X },
		/* after a stable run: restart_delay alone */
		{ PEV_EXITED, 1, 0, 1, 3000, C, APP_WAITING, 3150, 0, X },
	} },
	{ "on-failure: exit 0 completes, a failure restarts", t_onfail, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 3, 0, 1, 50, C | SP, APP_LAUNCHING, 0, 1, X },
		SPAWNED(50, APP_LAUNCHING, 1050),
		{ PEV_EXITED, 0, 0, 1, 60, C, APP_COMPLETED, 0, X, 1 },
	} },
	{ "on-failure: a signal is a failure", t_onfail, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, -1, SIGKILL, 1, 50, C | SP, APP_LAUNCHING, 0, X, X },
	} },
	{ "never: exit 0 completes", t_never, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 0, 0, 1, 2000, C, APP_COMPLETED, 0, X, 0 },
	} },
	{ "never: a failure is errored, not restarted", t_never, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 1, 0, 1, 2000, C, APP_ERRORED, 0, X, 0 },
	} },
	{ "stop_exit_codes under always: stopped", t_stopcodes, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 42, 0, 1, 20, C, APP_STOPPED, 0, X, X },
	} },
	{ "stop_exit_codes under on-failure: completed", t_stopcodes_onfail, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 42, 0, 1, 20, C, APP_COMPLETED, 0, X, X },
	} },
	{ "stop: signal, leader exits, group empties: stopped", t_default, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_DEADLINE, 0, 0, 0, 1000, C, APP_ONLINE, 0, X, X },
		{ PEV_STOP, 0, 0, 0, 2000, C | ACT_SIGNAL, APP_STOPPING, 3600, X, X },
		{ PEV_STOP, 0, 0, 0, 2001, 0, APP_STOPPING, 3600, X, X },
		{ PEV_EXITED, -1, SIGTERM, 0, 2100, C, APP_STOPPING, 3600, X, X },
		{ PEV_GROUP_EMPTY, 0, 0, 0, 2200, C, APP_STOPPED, 0, X, 0 },
		{ PEV_STOP, 0, 0, 0, 2300, 0, APP_STOPPED, 0, X, X },
		{ PEV_EXITED, 0, 0, 1, 2400, 0, APP_STOPPED, 0, X, X },
	} },
	{ "stop escalation: SIGKILL at kill_timeout, repeated until empty", t_default, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_STOP, 0, 0, 0, 500, C | ACT_SIGNAL, APP_STOPPING, 2100, X, X },
		{ PEV_DEADLINE, 0, 0, 0, 2100, ACT_KILL, APP_STOPPING, 2200, X, X },
		{ PEV_EXITED, -1, SIGKILL, 0, 2101, C, APP_STOPPING, 2200, X, X },
		{ PEV_DEADLINE, 0, 0, 0, 2200, ACT_KILL, APP_STOPPING, 2300, X, X },
		{ PEV_GROUP_EMPTY, 0, 0, 0, 2250, C, APP_STOPPED, 0, X, X },
	} },
	{ "kill_timeout 0 kills at once", t_kill0, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_STOP, 0, 0, 0, 500, C | ACT_KILL, APP_STOPPING, 600, X, X },
		{ PEV_EXITED, -1, SIGKILL, 1, 501, C, APP_STOPPED, 0, X, X },
	} },
	{ "restart: stop then spawn, counted", t_default, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_RESTART, 0, 0, 0, 100, C | ACT_SIGNAL, APP_STOPPING, 1700, X, X },
		{ PEV_EXITED, -1, SIGTERM, 1, 150, C | SP, APP_LAUNCHING, 0, X, 0 },
		{ PEV_SPAWNED, 0, 0, 0, 151, C, APP_LAUNCHING, 1151, X, 1 },
	} },
	{ "start while stopping restarts after the stop", t_default, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_STOP, 0, 0, 0, 100, C | ACT_SIGNAL, APP_STOPPING, 1700, X, X },
		{ PEV_START, 0, 0, 0, 110, 0, APP_STOPPING, 1700, X, X },
		{ PEV_EXITED, -1, SIGTERM, 0, 150, C, APP_STOPPING, 1700, X, X },
		{ PEV_GROUP_EMPTY, 0, 0, 0, 160, C | SP, APP_LAUNCHING, 0, X, X },
	} },
	{ "quit while running: stop, then the keeper exits", t_default, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_QUIT, 0, 0, 0, 100, C | ACT_SIGNAL, APP_STOPPING, 1700, X, X },
		{ PEV_EXITED, 0, 0, 1, 150, C | ACT_QUIT, APP_STOPPED, 0, X, X },
	} },
	{ "quit while stopped or errored exits at once", t_default, {
		{ PEV_QUIT, 0, 0, 0, 0, ACT_QUIT, APP_STOPPED, 0, X, X },
	} },
	{ "exec failure is errored, no restart loop", t_default, {
		S_START(0),
		{ PEV_SPAWN_FAILED, 0, 0, 0, 1, C, APP_ERRORED, 0, X, 0 },
		{ PEV_EXITED, 127, 0, 1, 2, 0, APP_ERRORED, 0, X, 0 },
		{ PEV_DEADLINE, 0, 0, 0, 5000, 0, APP_ERRORED, 0, X, X },
	} },
	{ "memory limit restarts through a stop", t_default, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_MEMORY, 0, 0, 0, 3000, C | ACT_SIGNAL, APP_STOPPING, 4600, X, X },
		{ PEV_EXITED, -1, SIGTERM, 1, 3010, C | SP, APP_LAUNCHING, 0, X, X },
		{ PEV_SPAWNED, 0, 0, 0, 3010, C, APP_LAUNCHING, 4010, X, 1 },
	} },
	{ "min_uptime 0: online at once", t_uptime0, {
		S_START(0),
		{ PEV_SPAWNED, 0, 0, 0, 0, C, APP_ONLINE, 0, 0, X },
		{ PEV_EXITED, 1, 0, 1, 0, C | SP, APP_LAUNCHING, 0, 0, X },
	} },
	{ "start when running does nothing", t_default, {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_START, 0, 0, 0, 5, 0, APP_LAUNCHING, 1000, X, X },
	} },
};

/* The app reported a "halt" before it exited: a failure errors it with
 * that text, whatever autorestart says; a clean exit and a stop_exit_code
 * keep their meaning; a user start runs it again. */
static const struct halt_scenario {
	const char *name;
	void (*tune)(struct app_spec *);
	const char *reason;     /* expected at the end */
	struct step steps[8];
} halts[] = {
	{ "halt: a failure errors at once, not restarted", t_default,
	  "exited with code 1: fix the key, then restart", {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_DEADLINE, 0, 0, 0, 1000, C, APP_ONLINE, 0, X, X },
		{ PEV_EXITED, 1, 0, 1, 5000, C, APP_ERRORED, 0, 0, 0 },
	} },
	{ "halt: a crash within min_uptime errors too", t_crash,
	  "exited with code 3: fix the key, then restart", {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 3, 0, 0, 10, C | ACT_KILL_LEFTOVERS, APP_ERRORED, 0, 0, 0 },
	} },
	{ "halt: killed by a signal errors", t_default,
	  "killed by signal 9: fix the key, then restart", {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, -1, SIGKILL, 1, 5000, C, APP_ERRORED, 0, X, 0 },
	} },
	{ "halt: exit 0 under on-failure completes", t_onfail, "", {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 0, 0, 1, 5000, C, APP_COMPLETED, 0, X, 0 },
	} },
	{ "halt: a stop_exit_code completes", t_stopcodes_onfail,
	  "exited with code 42 (a stop_exit_code)", {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 42, 0, 1, 5000, C, APP_COMPLETED, 0, X, 0 },
	} },
	{ "halt: a user start runs it again", t_default, "", {
		S_START(0), SPAWNED(0, APP_LAUNCHING, 1000),
		{ PEV_EXITED, 1, 0, 1, 5000, C, APP_ERRORED, 0, X, 0 },
		{ PEV_START, 0, 0, 0, 9000, C | SP, APP_LAUNCHING, 0, X, X },
	} },
};

/* Runs steps (until an empty one) from a fresh policy; every PEV_EXITED
 * carries halt. Returns 1 when each step did what it expects. */
static int run_steps(const char *name, void (*tune)(struct app_spec *),
    const struct step *steps, int n, const char *halt, struct policy *p)
{
	struct app_spec s;
	spec_defaults(&s);
	tune(&s);
	policy_init(p);
	for (int k = 0; k < n; k++) {
		const struct step *st = &steps[k];
		if (k > 0 && st->ev == 0 && st->now == 0 && st->acts == 0 && st->state == 0)
			break;
		struct policy_event ev = { .kind = st->ev, .code = st->code, .signal = st->sig,
			.group_empty = st->empty, .halt = st->ev == PEV_EXITED ? halt : NULL };
		unsigned acts = policy_step(p, &s, &ev, st->now);
		if ((st->acts != X && (int)acts != st->acts) ||
		    (st->state != X && (int)p->state != st->state) ||
		    (st->deadline != X && p->deadline != st->deadline) ||
		    (st->unstable != X && p->unstable != st->unstable) ||
		    (st->restarts != X && p->restarts != st->restarts)) {
			diag("%s: step %d: acts %#x state %s deadline %lld unstable %d restarts %d",
			    name, k, acts, app_state_name(p->state),
			    (long long)p->deadline, p->unstable, p->restarts);
			return 0;
		}
	}
	return 1;
}

int main(void)
{
	plan_no_plan();
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
		const struct scenario *sc = &scenarios[i];
		struct policy p;
		ok(run_steps(sc->name, sc->tune, sc->steps, 40, NULL, &p), "%s", sc->name);
		if (p.state == APP_ERRORED || p.state == APP_WAITING)
			diag("  reason: %s", p.reason);
	}
	for (size_t i = 0; i < sizeof halts / sizeof halts[0]; i++) {
		const struct halt_scenario *h = &halts[i];
		struct policy p;
		int good = run_steps(h->name, h->tune, h->steps, 8, "fix the key, then restart", &p);
		ok(good && strcmp(p.reason, h->reason) == 0, "%s", h->name);
		if (strcmp(p.reason, h->reason) != 0)
			diag("  reason: %s", p.reason);
	}
	return done_testing();
}
