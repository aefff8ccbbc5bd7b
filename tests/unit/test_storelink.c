/* The job store link's lifecycle: scripted scenarios of calls answered,
 * lost and unanswered, with what the worker must do at each step. */
#include "storelink.h"
#include "tap.h"

#define S 1000000000LL
#define MSEC 1000000LL

/* One step: the event, when, the oldest unanswered call (TICK), and the
 * actions wanted. */
struct step {
	enum storelink_event ev;
	int64_t now, oldest;
	int say_away, stalled, say_back;
	int64_t away_ns, retry_in;      /* retry_at - now, for LOST */
	int give_up;
	const char *what;
};

static void run(const char *name, const struct step *st, int n)
{
	struct storelink l = { 0 };
	diag("%s", name);
	for (int i = 0; i < n; i++) {
		struct storelink_actions a;
		storelink_step(&l, st[i].ev, st[i].now, st[i].oldest, &a);
		int good = a.say_away == st[i].say_away && a.stalled == st[i].stalled &&
		    a.say_back == st[i].say_back && a.give_up == st[i].give_up &&
		    (!st[i].say_back || a.away_ns == st[i].away_ns) &&
		    (st[i].ev != STORELINK_LOST || a.retry_at - st[i].now == st[i].retry_in);
		ok(good, "%s: %s", name, st[i].what);
		if (!good)
			diag("got away %d stalled %d back %d (after %lld) retry in %lld give up %d",
			    a.say_away, a.stalled, a.say_back, (long long)a.away_ns,
			    (long long)(a.retry_at - st[i].now), a.give_up);
	}
}

#define RUN(name, steps) run(name, steps, (int)(sizeof steps / sizeof steps[0]))

int main(void)
{
	static const struct step healthy[] = {
		{ STORELINK_OK, 1 * S, 0, 0, 0, 0, 0, 0, 0, "an answer: nothing to say" },
		{ STORELINK_TICK, 2 * S, 1 * S, 0, 0, 0, 0, 0, 0, "a call 1 s old: not yet away" },
		{ STORELINK_TICK, 3 * S, 0, 0, 0, 0, 0, 0, 0, "no call waiting" },
		{ STORELINK_OK, 4 * S, 0, 0, 0, 0, 0, 0, 0, "another answer" },
	};
	RUN("healthy", healthy);

	static const struct step refused[] = {
		{ STORELINK_LOST, 10 * S, 0, 1, 0, 0, 0, 250 * MSEC, 0, "lost: say away once, retry in 250 ms" },
		{ STORELINK_LOST, 11 * S, 0, 0, 0, 0, 0, 500 * MSEC, 0, "lost again: quiet, 500 ms" },
		{ STORELINK_LOST, 12 * S, 0, 0, 0, 0, 0, 1 * S, 0, "1 s" },
		{ STORELINK_LOST, 13 * S, 0, 0, 0, 0, 0, 2 * S, 0, "2 s" },
		{ STORELINK_LOST, 15 * S, 0, 0, 0, 0, 0, 4 * S, 0, "4 s" },
		{ STORELINK_LOST, 19 * S, 0, 0, 0, 0, 0, 5 * S, 0, "capped at 5 s" },
		{ STORELINK_TICK, 20 * S, 0, 0, 0, 0, 0, 0, 0, "a tick while away: quiet" },
		{ STORELINK_OK, 24 * S, 0, 0, 0, 1, 14 * S, 0, 0, "back: say it, away 14 s" },
		{ STORELINK_LOST, 30 * S, 0, 1, 0, 0, 0, 250 * MSEC, 0, "lost later: away again, backoff from the start" },
		{ STORELINK_OK, 31 * S, 0, 0, 0, 1, 1 * S, 0, 0, "back after 1 s" },
	};
	RUN("connection refused", refused);

	static const struct step hang[] = {
		{ STORELINK_TICK, 10 * S, 8 * S, 0, 0, 0, 0, 0, 0, "a call 2 s unanswered: not yet" },
		{ STORELINK_TICK, 11 * S, 8 * S, 1, 1, 0, 0, 0, 0, "3 s: away since the call went out" },
		{ STORELINK_TICK, 12 * S, 8 * S, 0, 0, 0, 0, 0, 0, "still unanswered: said once" },
		{ STORELINK_LOST, 18 * S, 0, 0, 0, 0, 0, 250 * MSEC, 0, "the call fails at last: retry, quiet" },
		{ STORELINK_OK, 20 * S, 0, 0, 0, 1, 12 * S, 0, 0, "back: away 12 s, from the hung call's start" },
	};
	RUN("a hung call (link cut, no reset)", hang);

	static const struct step slow[] = {
		{ STORELINK_TICK, 13 * S, 10 * S, 1, 1, 0, 0, 0, 0, "a call 3 s unanswered: away" },
		{ STORELINK_OK, 14 * S, 0, 0, 0, 1, 4 * S, 0, 0, "its answer: back after 4 s" },
	};
	RUN("a paused link that resumes", slow);

	static const struct step forever[] = {
		{ STORELINK_LOST, 0, 0, 1, 0, 0, 0, 250 * MSEC, 0, "lost" },
		{ STORELINK_TICK, 15 * 60 * S, 0, 0, 0, 0, 0, 0, 0, "15 minutes: not yet" },
		{ STORELINK_TICK, 15 * 60 * S + 1, 0, 0, 0, 0, 0, 0, 1, "past 15 minutes: give up" },
		{ STORELINK_LOST, 16 * 60 * S, 0, 0, 0, 0, 0, 500 * MSEC, 1, "and on each later loss" },
	};
	RUN("never back", forever);
	return done_testing();
}
