/* A worker's slice of the cluster's request schedule: how many places it
 * asks for (a share of the cluster's rate, lowered to its own pace), how
 * it uses them (each at its time, stale ones given up), and a simulation
 * of six workers booking slices of one schedule in turn: together they
 * keep the rate, and each gets its share. */
#include <stdint.h>

#include "clusterslice.h"
#include "tap.h"

#define MS 1000000LL
#define S 1000000000LL

int main(void)
{
	/* How many places to ask for. */
	static const struct {
		double rpm;              /* the cluster's rate */
		double pace;             /* the worker's own, per second; < 0 unmeasured */
		int want;
		const char *what;
	} sizes[] = {
		{ 6000, -1, 10, "6000 rpm, pace unknown: 100 ms of the cluster's rate" },
		{ 600, -1, 1, "600 rpm: 100 ms is one place" },
		{ 60, -1, 1, "60 rpm: never less than one" },
		{ 600000, -1, 1000, "600000 rpm: 1000" },
		{ 6000, 3, 3, "a worker doing 3/s asks for 3 (1 s of its pace)" },
		{ 6000, 0.2, 1, "a worker doing 0.2/s asks for 1" },
		{ 6000, 50, 10, "a fast one still for no more than its share, 10" },
		{ 6e9, -1, 10000, "an absurd rate: at most 10000" },
	};
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		struct cslice s = { 0 };
		int64_t interval = (int64_t)(60e9 / sizes[i].rpm);
		int64_t t = 100 * S;
		if (sizes[i].pace >= 0) {
			cslice_want(&s, t, interval);
			s.spent = (long long)(sizes[i].pace * 10 + 0.5);
			t += 10 * S;
		}
		is_int(cslice_want(&s, t, interval), sizes[i].want, "%s", sizes[i].what);
	}

	/* Using a grant: each place at its time; stale ones dropped. */
	struct cslice s = { 0 };
	int64_t t = 50 * S;
	is_int(cslice_due(&s, t), -1, "nothing held: ask");
	cslice_grant(&s, 3, t + 200 * MS, 100 * MS);
	is_int(cslice_due(&s, t), 200 * MS, "3 places from 200 ms on: wait 200 ms");
	is_int(cslice_due(&s, t + 200 * MS), 0, "the first is due at 200 ms");
	cslice_spend(&s);
	is_int(cslice_due(&s, t + 200 * MS), 100 * MS, "the second 100 ms later");
	is_int(cslice_due(&s, t + 350 * MS), 0, "late is fine");
	cslice_spend(&s);
	is_int(cslice_due(&s, t + 350 * MS), 50 * MS, "the third keeps its own time");
	is_int(cslice_due(&s, t + 400 * MS + CSLICE_STALE_MS * MS + 1), -1,
	    "a place unused over %d ms after its time is given up", CSLICE_STALE_MS);
	is_int((int)s.spent, 2, "two were used");
	cslice_grant(&s, 0, t, 100 * MS);
	is_int(cslice_due(&s, t), -1, "an empty grant holds nothing");

	/* Booking ahead: the next slice is asked for once the one in use
	 * is half used, and used when that one is. */
	s = (struct cslice){ 0 };
	t = 70 * S;
	cslice_grant(&s, 4, t, 10 * MS);
	is_int(cslice_ahead(&s), 0, "4 places, none used: not yet");
	cslice_due(&s, t);
	cslice_spend(&s);
	is_int(cslice_ahead(&s), 0, "3 left: not yet");
	cslice_due(&s, t + 10 * MS);
	cslice_spend(&s);
	is_int(cslice_ahead(&s), 1, "2 left of 4: book the next");
	cslice_grant(&s, 4, t + 100 * MS, 10 * MS);
	is_int(cslice_ahead(&s), 0, "one booked ahead: no more");
	is_int(s.left, 2, "the slice in use keeps its places");
	is_int(cslice_due(&s, t + 20 * MS), 0, "and is used first");
	cslice_spend(&s);
	cslice_due(&s, t + 30 * MS);
	cslice_spend(&s);
	is_int(cslice_due(&s, t + 40 * MS), 60 * MS, "then the one booked ahead, at its time");
	is_int(s.left, 4, "with its 4 places");
	cslice_grant(&s, 0, t, 10 * MS);
	is_int(s.left, 4, "an empty grant ahead changes nothing");
	cslice_grant(&s, 2, t + 50 * MS, 20 * MS);
	is_int(s.left, 2, "a grant at another rate replaces what is held");
	is_int(cslice_due(&s, t + 50 * MS), 0, "(its first is due)");
	struct cslice one = { 0 };
	cslice_grant(&one, 1, t, 100 * MS);
	is_int(cslice_ahead(&one), 1, "a slice of one: book the next at once");

	/* Six workers (two hosts of three) book from one schedule of 6000 rpm
	 * with a horizon, as the database does, for a minute, each booking
	 * its next slice ahead. Worker 5 can send only 5 a second: it books
	 * by its pace. */
	const int64_t interval = 10 * MS;
	int64_t tat = 0;
	struct cslice w[6] = { { 0 } };
	long long sent[6] = { 0 }, total = 0;
	int64_t next_ok[6] = { 0 };
	for (int64_t now = S; now < 61 * S; now += MS) {
		for (int i = 0; i < 6; i++) {
			int64_t d = cslice_due(&w[i], now);
			if (d < 0 || cslice_ahead(&w[i])) {
				/* the row's statement: book what fits the horizon */
				int want = cslice_want(&w[i], now, interval);
				int64_t base = tat > now ? tat : now;
				int64_t fit = (now + CSLICE_HORIZON_MS * MS - base) / interval;
				int n = fit < want ? (int)(fit > 0 ? fit : 0) : want;
				tat = base + n * interval;
				cslice_grant(&w[i], n, base, interval);
				d = cslice_due(&w[i], now);
			}
			if (d == 0 && now >= next_ok[i]) {
				cslice_spend(&w[i]);
				sent[i]++;
				total++;
				if (i == 5)
					next_ok[i] = now + 200 * MS;
			}
		}
	}
	ok(total >= 5940 && total <= 6010, "six workers send %lld in 60 s at 6000 rpm (within 1 %%)",
	    total);
	int fair = 1;
	for (int i = 0; i < 5; i++)
		if (sent[i] < (total - sent[5]) / 5 * 9 / 10 || sent[i] > (total - sent[5]) / 5 * 11 / 10)
			fair = 0;
	ok(fair, "the five that can keep up share it within 10 %% (%lld %lld %lld %lld %lld)",
	    sent[0], sent[1], sent[2], sent[3], sent[4]);
	/* It waits for its turn in the schedule like the others, then sends
	 * its slice at its own speed: not starved, and what it books it uses
	 * (the total above holds the rate). */
	ok(sent[5] >= 180 && sent[5] <= 300, "the slow one sends 3 to 5 a second: %lld", sent[5]);
	return done_testing();
}
