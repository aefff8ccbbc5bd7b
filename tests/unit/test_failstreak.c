/* The first answers of a run, all the same permanent failure, stop it at
 * the tenth; a success or another status first ends the watch for good. */
#include "failstreak.h"
#include "tap.h"

struct end {
	int ok;
	long status;
};

/* Feeds ends[0..n) and returns at which (1-based) failstreak_note said
 * stop, 0 when it never did. */
static int stops_at(const struct end *ends, int n)
{
	struct failstreak f = { 0 };
	for (int i = 0; i < n; i++)
		if (failstreak_note(&f, ends[i].ok, ends[i].status))
			return i + 1;
	return 0;
}

#define N(x) (int)(sizeof x / sizeof *x)
#define TEN(s) { 0, s }, { 0, s }, { 0, s }, { 0, s }, { 0, s }, \
	{ 0, s }, { 0, s }, { 0, s }, { 0, s }, { 0, s }

int main(void)
{
	const struct end all400[] = { TEN(400), TEN(400) };
	is_int(stops_at(all400, N(all400)), 10, "ten 400s from the start: stop at the tenth, once");
	const struct end nine[] = { { 0, 404 }, { 0, 404 }, { 0, 404 }, { 0, 404 }, { 0, 404 },
		{ 0, 404 }, { 0, 404 }, { 0, 404 }, { 0, 404 } };
	is_int(stops_at(nine, N(nine)), 0, "nine: not yet");
	const struct end ok_first[] = { { 1, 200 }, TEN(400) };
	is_int(stops_at(ok_first, N(ok_first)), 0, "a success first: the run works, never stop");
	const struct end ok_between[] = { { 0, 400 }, { 0, 400 }, { 1, 200 }, TEN(400) };
	is_int(stops_at(ok_between, N(ok_between)), 0, "a success after two failures: never stop");
	const struct end mixed[] = { { 0, 400 }, { 0, 422 }, TEN(400) };
	is_int(stops_at(mixed, N(mixed)), 0, "two kinds of failure: items differ, never stop");
	const struct end transfer[] = { TEN(0) };
	is_int(stops_at(transfer, N(transfer)), 10, "ten transfer errors alike: stop");
	return done_testing();
}
