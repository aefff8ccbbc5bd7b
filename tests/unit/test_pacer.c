/* Pacing over two GCRA limits: both must allow, a tpm wait charges no rpm,
 * holds (waited out, or dropped when stale), a runaway TAT reset, and the
 * bursts pacer_init picks for low and high rates, and a token limit's 429
 * cutting tokens only. Booked places: three workers sharing one limit,
 * whose timers fire a little late by different amounts, get even shares
 * when each books its place (racing for free moments, the earliest timer
 * wins most); pacer_take keeps a worker's booking, and books nothing in
 * the slow start, where the debt of the first requests does not hold back
 * the rate of now. */
#include <stdint.h>

#include "gcra.h"
#include "pacer.h"
#include "tap.h"

#define MS 1000000LL
#define S 1000000000LL

/* Three saturated workers share st for a minute at 600 rpm; worker i's
 * timer fires late[i] after the time it asked for. Each wake sends what
 * the limit allows now, then waits as told. Returns the sends in sent[]. */
static void share(int reserve, const int64_t late[3], long long sent[3])
{
	struct gcra g[LEARN_N];
	gcra_init(&g[LEARN_REQUESTS], 600, 2);
	for (int b = 1; b < LEARN_N; b++)
		gcra_init(&g[b], 0, 1);
	struct pace_state st = { { 0 }, 0 };
	const double one[LEARN_N] = { 1 };
	int64_t wake[3] = { S, S, S }, booked[3] = { 0 };
	for (int i = 0; i < 3; i++)
		sent[i] = 0;
	for (;;) {
		int i = 0;
		for (int j = 1; j < 3; j++)
			if (wake[j] < wake[i])
				i = j;
		int64_t now = wake[i];
		if (now > 61 * S)
			break;
		if (booked[i] && booked[i] <= now) {
			booked[i] = 0;
			sent[i]++;
		}
		int64_t w;
		while ((w = reserve ? pace_reserve(&st, g, now, one) : pace_take(&st, g, now, one)) == 0)
			sent[i]++;
		if (reserve)
			booked[i] = now + w;
		wake[i] = now + w + late[i];
	}
}

int main(void)
{
	/* pace_take: every limit must allow; a tpm wait charges none. */
	struct gcra g[LEARN_N];
	gcra_init(&g[LEARN_REQUESTS], 600, 2);    /* 10/s */
	gcra_init(&g[LEARN_TOKENS], 60000, 1000); /* 1000 tokens/s, burst 1000 */
	gcra_init(&g[LEARN_INPUT], 0, 1);
	gcra_init(&g[LEARN_OUTPUT], 6000, 100);   /* 100 output tokens/s */
	struct pace_state st = { { 0 }, 0 };
	int64_t now = 50 * S;
	double c900[LEARN_N] = { 1, 900, 900, 0 }, c10[LEARN_N] = { 1, 10, 10, 0 };
	double c1[LEARN_N] = { 1, 1, 1, 0 };
	is_int(pace_take(&st, g, now, c900), 0, "900 tokens go");
	int64_t rpm_before = st.tat[LEARN_REQUESTS];
	ok(pace_take(&st, g, now, c900) > 0, "the next 900 wait for tpm");
	is_int(st.tat[LEARN_REQUESTS], rpm_before, "and did not spend rpm budget");
	is_int(pace_take(&st, g, now, c10), 0, "a small one fits both");
	is_int(pace_take(&st, g, now, c10), 100 * MS + 0 * MS, "then rpm says wait 100 ms");
	st.hold_until = now + 3 * S;
	is_int(pace_take(&st, g, now + S, c1), 2 * S, "a hold waits it out");
	is_int(pace_take(&st, g, now + 3 * S, c1), 0, "and then goes");
	st.hold_until = now + 7200 * S;
	is_int(pace_take(&st, g, now + 4 * S, c1), 0, "a hold beyond an hour is dropped as stale");
	st.tat[LEARN_REQUESTS] = now + 1000 * S;
	is_int(pace_take(&st, g, now + 5 * S, c1), 0, "a TAT far in the future is reset");
	double out[LEARN_N] = { 1, 0, 0, 150 };
	is_int(pace_take(&st, g, now + 6 * S, out), 0, "150 output tokens go (burst 100, idle)");
	ok(pace_take(&st, g, now + 6 * S + 200 * MS, c1) > 0, "then the output budget waits");

	/* Booked places make shares even. */
	static const int64_t lates[][3] = {
		{ 0, 1 * MS, 5 * MS },
		{ 2 * MS, 0, 20 * MS },
		{ 100000, 100000, 100000 },
	};
	for (size_t k = 0; k < sizeof lates / sizeof *lates; k++) {
		long long race[3], turn[3];
		share(0, lates[k], race);
		share(1, lates[k], turn);
		long long rt = race[0] + race[1] + race[2], tt = turn[0] + turn[1] + turn[2];
		long long lo = tt, hi = 0;
		for (int i = 0; i < 3; i++) {
			lo = turn[i] < lo ? turn[i] : lo;
			hi = turn[i] > hi ? turn[i] : hi;
		}
		ok(tt >= 590 && tt <= 605 && hi - lo <= 4,
		    "timers late by %lld/%lld/%lld us: booked, %lld %lld %lld of %lld (racing: %lld %lld %lld of %lld)",
		    (long long)lates[k][0] / 1000, (long long)lates[k][1] / 1000,
		    (long long)lates[k][2] / 1000, turn[0], turn[1], turn[2], tt, race[0], race[1],
		    race[2], rt);
	}
	struct pace_state bst = { { 0 }, 0 };
	gcra_init(&g[LEARN_TOKENS], 0, 1);
	gcra_init(&g[LEARN_OUTPUT], 0, 1);
	is_int(pace_reserve(&bst, g, now, c1), 0, "reserve: free, goes");
	is_int(pace_reserve(&bst, g, now, c1), 0, "the burst's second goes");
	is_int(pace_reserve(&bst, g, now, c1), 100 * MS, "the third books 100 ms on");
	is_int(pace_reserve(&bst, g, now, c1), 200 * MS, "the next asker books the place after");
	bst.hold_until = now + 5 * S;
	int64_t tat_held = bst.tat[LEARN_REQUESTS];
	is_int(pace_reserve(&bst, g, now, c1), 5 * S, "a hold books nothing ...");
	is_int(bst.tat[LEARN_REQUESTS], tat_held, "... and charges nothing");

	/* pacer_init's bursts: two requests at low rates, 50 ms worth at high. */
	struct pacer p;
	double r600[LEARN_N] = { 600 }, r600k[LEARN_N] = { 600000 }, none[LEARN_N] = { 0 };
	pacer_init(&p, r600, NULL, NULL);
	is_int((int64_t)p.g[LEARN_REQUESTS].tolerance_ns, 200 * MS, "600 rpm: burst of 2");
	pacer_close(&p);
	pacer_init(&p, r600k, NULL, NULL);
	is_int((int64_t)(p.g[LEARN_REQUESTS].tolerance_ns / p.g[LEARN_REQUESTS].interval_ns + 0.5),
	    500, "600000 rpm: 50 ms worth");
	pacer_close(&p);

	/* pacer_take keeps the worker's booking: asked early it says the same
	 * time, and at its time the request goes without charging again. */
	pacer_init(&p, r600, NULL, NULL);
	double c[LEARN_N] = { 1 };
	pacer_take(&p, now, c);
	pacer_take(&p, now, c);
	is_int(pacer_take(&p, now, c), 100 * MS, "pacer_take: booked 100 ms on");
	is_int(pacer_take(&p, now + 40 * MS, c), 60 * MS, "asked again early: the same place");
	int64_t tat_booked = p.local.pace.tat[LEARN_REQUESTS];
	is_int(pacer_take(&p, now + 100 * MS, c), 0, "at its time it goes");
	is_int(p.local.pace.tat[LEARN_REQUESTS], tat_booked, "charged once");
	pacer_close(&p);
	pacer_init(&p, none, NULL, NULL);
	int64_t first_wait = 0;
	for (int i = 0; i < 10 && first_wait == 0; i++)
		first_wait = pacer_take(&p, now, c);
	ok(first_wait > 0 && p.booked == 0, "in the slow start a worker waits without booking "
	    "(its rate doubles before the place would come)");
	ok(first_wait <= 10 * MS, "and asks again within 10 ms (%lld ms)", (long long)(first_wait / MS));
	/* Answers in 1 ms: the rate doubles every 4 ms, and 20 ms on the
	 * debt of the first requests (100 ms apart at 600/min) is forgiven
	 * down to a burst at the rate of now. */
	struct learn_obs fast[LEARN_N];
	for (int b = 0; b < LEARN_N; b++)
		fast[b] = (struct learn_obs){ .ok = 1, .sent_at = now - MS, .remaining = -1, .reset_ns = -1 };
	pacer_learn(&p, fast, now);
	is_int(pacer_take(&p, now + 20 * MS, c), 3125 * 1000,
	    "20 ms after a 1 ms answer the next waits an interval at 19,200/min (3.1 ms), "
	    "not the 100 ms ones at 600/min");
	pacer_close(&p);

	/* Output tokens are estimated by the average an answer used. */
	double otpm[LEARN_N] = { 0, 0, 0, 6000 };
	pacer_init(&p, otpm, NULL, NULL);
	double cost[LEARN_N] = { 1, 10, 10, -1 };
	is_int(pacer_take(&p, now, cost), 0, "output tokens unknown: goes");
	ok(cost[LEARN_OUTPUT] == 0, "estimated at 0 before any answer");
	pacer_adjust(&p, now, LEARN_OUTPUT, cost[LEARN_OUTPUT], 300);
	cost[LEARN_OUTPUT] = -1;
	ok(pacer_take(&p, now, cost) > 0, "the 300 the answer used are charged: the next waits");
	ok(cost[LEARN_OUTPUT] == 300, "and is estimated at the average, 300");
	pacer_close(&p);

	/* A token limit's 429 cuts the token rate, not the request rate,
	 * even with no usage pointer (tokens as estimated). */
	pacer_init(&p, none, NULL, NULL);
	struct learn_obs obs[LEARN_N];
	for (int b = 0; b < LEARN_N; b++)
		obs[b] = (struct learn_obs){ .ok = 1, .remaining = -1, .reset_ns = -1, .units = 100 };
	obs[LEARN_REQUESTS].units = 1;
	int64_t t = 100 * S;
	for (int i = 0; i < 40; i++, t += 50 * MS) {
		for (int b = 0; b < LEARN_N; b++)
			obs[b].sent_at = t - 10 * MS;
		pacer_learn(&p, obs, t);
	}
	for (int b = 0; b < LEARN_N; b++)
		obs[b].ok = 0;
	obs[LEARN_TOKENS].limited = 1;
	ok(!pacer_learn(&p, obs, t), "a token 429: the request rate is not cut");
	struct pacer_view v;
	pacer_view(&p, t, &v);
	ok(!learn_known(&p.local.learn[LEARN_REQUESTS], t) && v.tpm > 90000 && v.tpm < 110000,
	    "the token rate is: to 85%% of the ~120000/min taken (tpm %.0f), requests still "
	    "in their slow start", v.tpm);
	pacer_close(&p);
	return done_testing();
}
