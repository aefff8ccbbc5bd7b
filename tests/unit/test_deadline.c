/* Re-armable deadlines on the real loop, as scripted scenarios: arming
 * fires once, re-arming replaces (earlier or later), arming again at the
 * same time keeps one loop timer, disarming (0 or negative) cancels, a past
 * deadline fires on the next pass, two deadlines fire in time order, a
 * callback may re-arm its own deadline, and a deadline reads back 0 once
 * it fired. */
#include "tap.h"
#include "clock.h"
#include "deadline.h"
#include "loop.h"

#include <stdlib.h>

#define MS 1000000LL
#define BOUND_MS 5000           /* the most a scenario may wait for its fires */

enum op {
	END,
	ARM,     /* deadline_arm(which, t0 + ms) */
	RAW,     /* deadline_arm(which, ms) as given: 0 or negative disarm */
	RUN,     /* run the loop until no timer is left (bounded), and at least until t0 + ms */
	AT,      /* deadline_at(which) is t0 + ms, or 0 when ms is 0 */
	COUNT,   /* the loop holds ms pending timers */
};

struct step {
	enum op op;
	int which;               /* 0 is deadline 'a', 1 is 'b' */
	int64_t ms;
};

struct scenario {
	const char *name;
	int rearms[2];           /* times each callback arms its own deadline again, 10 ms on */
	struct step steps[8];
	const char *fired;       /* the callbacks that ran, in order */
	int64_t not_before_ms;   /* the first one ran no earlier than t0 + this (0: no bound) */
	int64_t before_ms;       /* the last one ran before t0 + this (0: no bound) */
};

static const struct scenario scenarios[] = {
	{ "armed: fires once", { 0, 0 },
	  { { ARM, 0, 30 }, { AT, 0, 30 }, { COUNT, 0, 1 }, { RUN, 0, 0 }, { AT, 0, 0 } },
	  "a", 30, 0 },
	{ "re-armed later: fires once, at the later time", { 0, 0 },
	  { { ARM, 0, 20 }, { ARM, 0, 60 }, { AT, 0, 60 }, { COUNT, 0, 1 }, { RUN, 0, 0 } },
	  "a", 60, 0 },
	{ "re-armed earlier: fires once, well before the first time", { 0, 0 },
	  { { ARM, 0, 3000 }, { ARM, 0, 10 }, { COUNT, 0, 1 }, { RUN, 0, 0 }, { AT, 0, 0 } },
	  "a", 10, 2500 },
	{ "armed twice at the same time: one loop timer", { 0, 0 },
	  { { ARM, 0, 20 }, { ARM, 0, 20 }, { COUNT, 0, 1 }, { RUN, 0, 0 } },
	  "a", 20, 0 },
	{ "disarmed with 0: never fires", { 0, 0 },
	  { { ARM, 0, 20 }, { RAW, 0, 0 }, { AT, 0, 0 }, { COUNT, 0, 0 }, { RUN, 0, 60 } },
	  "", 0, 0 },
	{ "disarmed with a negative time: never fires", { 0, 0 },
	  { { ARM, 0, 20 }, { RAW, 0, -1 }, { AT, 0, 0 }, { COUNT, 0, 0 }, { RUN, 0, 60 } },
	  "", 0, 0 },
	{ "disarming a disarmed deadline: nothing happens", { 0, 0 },
	  { { RAW, 0, 0 }, { AT, 0, 0 }, { COUNT, 0, 0 }, { RUN, 0, 20 } },
	  "", 0, 0 },
	{ "a past deadline fires on the next pass", { 0, 0 },
	  { { ARM, 0, -500 }, { RUN, 0, 0 }, { AT, 0, 0 } },
	  "a", 0, 1000 },
	{ "two deadlines fire in time order", { 0, 0 },
	  { { ARM, 0, 60 }, { ARM, 1, 20 }, { COUNT, 0, 2 }, { RUN, 0, 0 } },
	  "ba", 20, 0 },
	{ "one disarmed of two: the other still fires", { 0, 0 },
	  { { ARM, 0, 20 }, { ARM, 1, 30 }, { RAW, 0, 0 }, { AT, 1, 30 }, { RUN, 0, 0 } },
	  "b", 30, 0 },
	{ "a callback re-arms its own deadline", { 2, 0 },
	  { { ARM, 0, 10 }, { RUN, 0, 0 }, { AT, 0, 0 }, { COUNT, 0, 0 } },
	  "aaa", 10, 0 },
};

static struct loop *loop;
static struct deadline dl[2];
static int rearms[2];
static char fired[16];
static int nfired;
static int64_t first_ns, last_ns;
static int armed_in_cb;          /* fires that saw their own deadline still armed */

static void fire_cb(void *arg)
{
	int which = (int)(long)arg;
	int64_t now = clock_mono_ns();
	if (deadline_at(&dl[which]) != 0)
		armed_in_cb++;
	if (nfired < (int)sizeof fired - 1)
		fired[nfired++] = (char)('a' + which);
	if (!first_ns)
		first_ns = now;
	last_ns = now;
	if (rearms[which] > 0) {
		rearms[which]--;
		deadline_arm(&dl[which], now + 10 * MS);
	}
}

/* Runs the loop until no timer is left and t0 + ms has passed, or until the
 * bound: a scenario that never ends shows as fewer fires than expected. */
static void run(int64_t t0, int64_t ms)
{
	int64_t until = t0 + ms * MS, bound = clock_mono_ns() + BOUND_MS * MS;
	for (;;) {
		int64_t now = clock_mono_ns();
		if ((loop_timer_count(loop) == 0 && now >= until) || now >= bound)
			return;
		int64_t wait = (until > now ? until : bound) - now;
		loop_once(loop, wait / MS + 1);
	}
}

static void play(const struct scenario *s)
{
	nfired = 0;
	fired[0] = '\0';
	first_ns = last_ns = 0;
	armed_in_cb = 0;
	for (int i = 0; i < 2; i++) {
		deadline_init(&dl[i], loop, fire_cb, (void *)(long)i);
		rearms[i] = s->rearms[i];
	}
	int64_t t0 = clock_mono_ns();
	for (const struct step *st = s->steps; st->op != END; st++) {
		struct deadline *d = &dl[st->which];
		switch (st->op) {
		case ARM:
			deadline_arm(d, t0 + st->ms * MS);
			break;
		case RAW:
			deadline_arm(d, st->ms);
			break;
		case RUN:
			run(t0, st->ms);
			break;
		case AT:
			is_int(deadline_at(d), st->ms ? t0 + st->ms * MS : 0,
			    "%s: step %d reads back %s", s->name, (int)(st - s->steps),
			    st->ms ? "its deadline" : "0");
			break;
		case COUNT:
			is_int(loop_timer_count(loop), st->ms, "%s: step %d: %lld loop timer(s)",
			    s->name, (int)(st - s->steps), (long long)st->ms);
			break;
		case END:
			break;
		}
	}
	fired[nfired] = '\0';
	is_str(fired, s->fired, "%s: fired in order", s->name);
	if (*s->fired) {
		is_int(armed_in_cb, 0, "%s: disarmed when its callback runs", s->name);
		if (s->not_before_ms > 0)
			ok(first_ns >= t0 + s->not_before_ms * MS, "%s: not early (%lld ms after t0)",
			    s->name, (long long)((first_ns - t0) / MS));
		if (s->before_ms)
			ok(last_ns < t0 + s->before_ms * MS, "%s: done by %lld ms (at %lld ms)",
			    s->name, (long long)s->before_ms, (long long)((last_ns - t0) / MS));
	}
	/* leave no timer behind for the next scenario */
	deadline_arm(&dl[0], 0);
	deadline_arm(&dl[1], 0);
}

int main(void)
{
	char *cause = NULL;
	loop = loop_create(&cause);
	if (!loop) {
		ok(0, "loop_create: %s", cause ? cause : "?");
		free(cause);
		return done_testing();
	}
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		play(&scenarios[i]);
	loop_free(loop);
	return done_testing();
}
