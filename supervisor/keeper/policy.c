/* The restart policy: states x events -> actions, with one deadline per state.
 * Pure: time comes in as an argument, effects go out as ACT_* bits. */
#include "policy.h"

#include <stdio.h>
#include <string.h>

void policy_init(struct policy *p)
{
	memset(p, 0, sizeof *p);
	p->state = APP_STOPPED;
}

static unsigned set_state(struct policy *p, enum app_state_kind st)
{
	p->state = st;
	p->deadline = 0;
	p->timer = PT_NONE;
	return ACT_CHANGED;
}

static void set_deadline(struct policy *p, enum policy_timer t, int64_t at)
{
	p->timer = t;
	p->deadline = at;
}

static unsigned begin_spawn(struct policy *p)
{
	unsigned a = set_state(p, APP_LAUNCHING);
	p->reason[0] = '\0';
	return a | ACT_SPAWN;
}

static unsigned begin_stop(struct policy *p, const struct app_spec *s,
    enum policy_after after, int64_t now)
{
	unsigned a = set_state(p, APP_STOPPING);
	p->after = after;
	p->killed = 0;
	if (s->kill_timeout_ms <= 0) {
		p->killed = 1;
		set_deadline(p, PT_KILL, now + POLICY_KILL_REPEAT_MS);
		return a | ACT_KILL;
	}
	set_deadline(p, PT_KILL, now + s->kill_timeout_ms);
	return a | ACT_SIGNAL;
}

static unsigned finish_stop(struct policy *p)
{
	p->killed = 0;
	switch (p->after) {
	case AFTER_START:
		return begin_spawn(p);
	case AFTER_QUIT:
		return set_state(p, APP_STOPPED) | ACT_QUIT;
	case AFTER_STOPPED:
		break;
	}
	return set_state(p, APP_STOPPED);
}

static int is_running(const struct policy *p)
{
	return p->state == APP_LAUNCHING || p->state == APP_ONLINE;
}

static int in_stop_codes(const struct app_spec *s, int code)
{
	for (int i = 0; i < s->n_stop_exit_codes && i < SPEC_MAX_EXIT_CODES; i++)
		if (s->stop_exit_codes[i] == code)
			return 1;
	return 0;
}

static void describe_exit(char *buf, size_t n, const struct policy_event *ev)
{
	if (ev->signal)
		snprintf(buf, n, "killed by signal %d", ev->signal);
	else
		snprintf(buf, n, "exited with code %d", ev->code);
}

/* The next step of a doubling delay in *cur: first, then twice the last,
 * never past max. */
static int64_t grow(int64_t *cur, int64_t first, int64_t max)
{
	if (max < first)
		max = first;
	if (*cur <= 0)
		*cur = first;
	else if (*cur > max / 2)
		*cur = max;
	else
		*cur *= 2;
	return *cur;
}

/* The wait before a restart after a crash. pm2's exponential backoff,
 * when set, paces every restart; otherwise restart_delay does, and a crash
 * loop (runs shorter than min_uptime) waits at least crash_backoff,
 * doubling, so that a dependency that is not up yet has time to come up
 * before max_restarts is spent. */
static int64_t next_delay(struct policy *p, const struct app_spec *s, int stable)
{
	if (s->exp_backoff_ms > 0)
		return grow(&p->backoff_ms, s->exp_backoff_ms, s->exp_backoff_max_ms);
	int64_t delay = s->restart_delay_ms > 0 ? s->restart_delay_ms : 0;
	if (!stable && s->crash_backoff_ms > 0) {
		int64_t b = grow(&p->backoff_ms, s->crash_backoff_ms, s->exp_backoff_max_ms);
		if (b > delay)
			delay = b;
	}
	return delay;
}

/* The leader of a run exited on its own (not asked to stop). */
static unsigned on_crash(struct policy *p, const struct app_spec *s,
    const struct policy_event *ev, int64_t now)
{
	unsigned a = ev->group_empty ? 0 : ACT_KILL_LEFTOVERS;
	int64_t runtime = now - p->started;
	int stable = runtime >= s->min_uptime_ms;
	char what[40];
	describe_exit(what, sizeof what, ev);

	if (stable)
		p->unstable = 0;
	/* pm2's backoff starts over after 30 s of running; the crash loop's
	 * as soon as a run was stable */
	if (runtime >= POLICY_BACKOFF_RESET_MS || (stable && s->exp_backoff_ms <= 0))
		p->backoff_ms = 0;

	if (!ev->signal && in_stop_codes(s, ev->code)) {
		a |= set_state(p, s->autorestart == AUTORESTART_ALWAYS ? APP_STOPPED : APP_COMPLETED);
		snprintf(p->reason, sizeof p->reason, "%s (a stop_exit_code)", what);
		return a;
	}
	int clean = !ev->signal && ev->code == 0;
	/* The app said a restart cannot help: a person must act first. */
	if (!clean && ev->halt && *ev->halt) {
		a |= set_state(p, APP_ERRORED);
		snprintf(p->reason, sizeof p->reason, "%s: %s", what, ev->halt);
		return a;
	}
	if (s->autorestart == AUTORESTART_NEVER || (s->autorestart == AUTORESTART_ON_FAILURE && clean)) {
		if (clean) {
			a |= set_state(p, APP_COMPLETED);
			p->reason[0] = '\0';
		} else {
			a |= set_state(p, APP_ERRORED);
			snprintf(p->reason, sizeof p->reason, "%s (autorestart: never)", what);
		}
		return a;
	}
	if (!stable) {
		if (p->unstable >= s->max_restarts) {
			a |= set_state(p, APP_ERRORED);
			snprintf(p->reason, sizeof p->reason,
			    "crash loop: %s after %d unstable restarts (max_restarts %d, min_uptime %lldms)",
			    what, p->unstable, s->max_restarts, (long long)s->min_uptime_ms);
			return a;
		}
		p->unstable++;
	}
	p->restart_pending = 1;
	int64_t delay = next_delay(p, s, stable);
	if (delay <= 0)
		return a | begin_spawn(p);
	a |= set_state(p, APP_WAITING);
	set_deadline(p, PT_DELAY, now + delay);
	snprintf(p->reason, sizeof p->reason, "%s; restarting in %lldms", what, (long long)delay);
	return a;
}

unsigned policy_step(struct policy *p, const struct app_spec *s,
    const struct policy_event *ev, int64_t now)
{
	switch (ev->kind) {
	case PEV_START:
	case PEV_RESTART:
		if (p->state == APP_STOPPING) {
			p->after = AFTER_START;
			return 0;
		}
		if (is_running(p)) {
			if (ev->kind == PEV_START)
				return 0;
			p->restart_pending = 1;
			p->unstable = 0;
			p->backoff_ms = 0;
			return begin_stop(p, s, AFTER_START, now);
		}
		/* stopped, errored, completed, waiting: a user start forgives
		 * the crash history */
		p->unstable = 0;
		p->backoff_ms = 0;
		p->restart_pending = p->state == APP_WAITING;
		return begin_spawn(p);

	case PEV_STOP:
	case PEV_QUIT: {
		enum policy_after after = ev->kind == PEV_QUIT ? AFTER_QUIT : AFTER_STOPPED;
		if (p->state == APP_STOPPING) {
			p->after = after;
			return 0;
		}
		if (is_running(p))
			return begin_stop(p, s, after, now);
		unsigned a = 0;
		if (p->state == APP_WAITING) {
			a |= set_state(p, APP_STOPPED);
			p->reason[0] = '\0';
			p->restart_pending = 0;
		}
		return a | (after == AFTER_QUIT ? ACT_QUIT : 0);
	}

	case PEV_SPAWNED:
		p->running = 1;
		p->started = now;
		if (p->restart_pending)
			p->restarts++;
		p->restart_pending = 0;
		if (s->min_uptime_ms <= 0) {
			p->unstable = 0;
			return set_state(p, APP_ONLINE);
		}
		set_state(p, APP_LAUNCHING);
		set_deadline(p, PT_UPTIME, now + s->min_uptime_ms);
		return ACT_CHANGED;

	case PEV_SPAWN_FAILED:
		p->running = 0;
		p->restart_pending = 0;
		snprintf(p->reason, sizeof p->reason, "cannot start");
		return set_state(p, APP_ERRORED);

	case PEV_EXITED:
		if (!p->running)
			return 0;
		p->running = 0;
		if (p->state == APP_STOPPING) {
			if (ev->group_empty)
				return finish_stop(p) | ACT_CHANGED;
			return ACT_CHANGED;
		}
		if (is_running(p))
			return on_crash(p, s, ev, now);
		return ACT_CHANGED;

	case PEV_GROUP_EMPTY:
		if (p->state == APP_STOPPING && !p->running)
			return finish_stop(p);
		return 0;

	case PEV_MEMORY:
		if (!is_running(p))
			return 0;
		p->restart_pending = 1;
		{
			unsigned a = begin_stop(p, s, AFTER_START, now);
			snprintf(p->reason, sizeof p->reason,
			    "over max_memory_restart (%lld bytes): restarting",
			    s->max_memory_restart);
			return a;
		}

	case PEV_DEADLINE:
		if (!p->deadline || now < p->deadline)
			return 0;
		switch (p->timer) {
		case PT_UPTIME:
			if (p->state != APP_LAUNCHING)
				break;
			p->unstable = 0;
			return set_state(p, APP_ONLINE);
		case PT_DELAY:
			if (p->state != APP_WAITING)
				break;
			return begin_spawn(p);
		case PT_KILL:
			if (p->state != APP_STOPPING)
				break;
			p->killed = 1;
			set_deadline(p, PT_KILL, now + POLICY_KILL_REPEAT_MS);
			return ACT_KILL;
		case PT_NONE:
			break;
		}
		p->deadline = 0;
		p->timer = PT_NONE;
		return 0;
	}
	return 0;
}
