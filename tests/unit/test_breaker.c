/* The circuit breaker's lifecycle as scenarios: events at times, the
 * actions and the state after each. */
#include "breaker.h"
#include "tap.h"

#define S 1000000000LL

struct step {
	enum breaker_event ev;
	int64_t at;
	int actions;
	enum breaker_state state;
	int usable_at_step;      /* breaker_usable at the same time, after */
};

static void scenario(const char *what, const struct step *steps, int n)
{
	struct breaker b;
	breaker_init(&b, 10 * S, BREAKER_THRESHOLD);
	int good = 1;
	for (int i = 0; i < n; i++) {
		int a = breaker_step(&b, steps[i].ev, steps[i].at);
		if (a != steps[i].actions || b.state != steps[i].state ||
		    breaker_usable(&b, steps[i].at) != steps[i].usable_at_step) {
			diag("%s: step %d: actions %d (want %d), state %s (want %s)", what, i, a,
			    steps[i].actions, breaker_state_name(b.state),
			    breaker_state_name(steps[i].state));
			good = 0;
		}
	}
	ok(good, "%s", what);
}

#define N(x) (int)(sizeof x / sizeof *x)

int main(void)
{
	plan_no_plan();
	const struct step flaky[] = {
		{ BREAKER_FAIL, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_OK, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 2 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 2 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 2 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 2 * S, 0, BREAKER_CLOSED, 1 },
	};
	scenario("failures with a success between stay closed", flaky, N(flaky));

	const struct step down[] = {
		{ BREAKER_FAIL, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 1 * S, BREAKER_A_OPENED, BREAKER_OPEN, 0 },
		/* late answers of requests sent before change nothing */
		{ BREAKER_FAIL, 2 * S, 0, BREAKER_OPEN, 0 },
		{ BREAKER_OK, 3 * S, 0, BREAKER_OPEN, 0 },
		/* a send before the rest is over is not a probe */
		{ BREAKER_SEND, 5 * S, 0, BREAKER_OPEN, 0 },
		{ BREAKER_SEND, 11 * S, BREAKER_A_PROBE, BREAKER_HALF_OPEN, 0 },
		{ BREAKER_FAIL, 12 * S, BREAKER_A_OPENED, BREAKER_OPEN, 0 },
		{ BREAKER_SEND, 22 * S, BREAKER_A_PROBE, BREAKER_HALF_OPEN, 0 },
		{ BREAKER_OK, 22 * S, BREAKER_A_CLOSED, BREAKER_CLOSED, 1 },
	};
	scenario("5 failures in a row rest it 10 s; a failed probe rests it again; a good "
	    "one closes it", down, N(down));

	const struct step fatal[] = {
		{ BREAKER_OK, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FATAL, 2 * S, BREAKER_A_OUT, BREAKER_OUT, 0 },
		{ BREAKER_FATAL, 2 * S, 0, BREAKER_OUT, 0 },
		{ BREAKER_OK, 3 * S, 0, BREAKER_OUT, 0 },
		{ BREAKER_SEND, 100 * S, 0, BREAKER_OUT, 0 },
	};
	scenario("a 401 takes it out once and for good", fatal, N(fatal));

	const struct step fatal_open[] = {
		{ BREAKER_FAIL, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 1 * S, 0, BREAKER_CLOSED, 1 },
		{ BREAKER_FAIL, 1 * S, BREAKER_A_OPENED, BREAKER_OPEN, 0 },
		{ BREAKER_SEND, 12 * S, BREAKER_A_PROBE, BREAKER_HALF_OPEN, 0 },
		{ BREAKER_FATAL, 12 * S, BREAKER_A_OUT, BREAKER_OUT, 0 },
	};
	scenario("a probe answered 403 takes it out", fatal_open, N(fatal_open));

	struct breaker b;
	breaker_init(&b, 10 * S, BREAKER_THRESHOLD);
	ok(breaker_usable(&b, 0), "a new breaker is closed and usable");

	/* A job's only endpoint: ten failures in a row open it, and it says
	 * how long it has been down through failed probes, until one answers. */
	breaker_init(&b, 10 * S, BREAKER_THRESHOLD_ALONE);
	int a = 0;
	for (int i = 1; i < BREAKER_THRESHOLD_ALONE; i++)
		a |= breaker_step(&b, BREAKER_FAIL, i * S / 10);
	ok(a == 0 && b.state == BREAKER_CLOSED && breaker_down_for(&b, S) == 0,
	    "alone: nine failures in a row leave it closed, not down");
	ok(breaker_step(&b, BREAKER_FAIL, 1 * S) == BREAKER_A_OPENED, "the tenth opens it");
	is_int(breaker_down_for(&b, 6 * S) / S, 5, "down for 5 s, 5 s later");
	ok(breaker_step(&b, BREAKER_SEND, 11 * S) == BREAKER_A_PROBE &&
	    breaker_step(&b, BREAKER_FAIL, 12 * S) == BREAKER_A_OPENED, "its probe fails: resting again");
	is_int(breaker_down_for(&b, 20 * S) / S, 19, "down since it first opened: 19 s");
	ok(breaker_step(&b, BREAKER_SEND, 22 * S) == BREAKER_A_PROBE &&
	    breaker_step(&b, BREAKER_OK, 23 * S) == BREAKER_A_CLOSED, "a probe answered: closed");
	is_int(breaker_down_for(&b, 24 * S), 0, "and no longer down");
	return done_testing();
}
