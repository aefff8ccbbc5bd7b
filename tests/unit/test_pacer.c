/* Pacing over two GCRA limits: both must allow, a tpm wait charges no rpm,
 * holds (waited out, or dropped when stale), a runaway TAT reset, and the
 * bursts pacer_init picks for low and high rates, and a token limit's 429
 * cutting tokens only. */
#include <stdint.h>

#include "gcra.h"
#include "pacer.h"
#include "tap.h"

#define MS 1000000LL
#define S 1000000000LL

int main(void)
{
	/* pace_take: both limits must allow; a tpm wait charges neither. */
	struct gcra rpm, tpm;
	gcra_init(&rpm, 600, 2);         /* 10/s */
	gcra_init(&tpm, 60000, 1000);    /* 1000 tokens/s, burst 1000 */
	struct pace_state st = { 0, 0, 0 };
	int64_t now = 50 * S;
	is_int(pace_take(&st, &rpm, &tpm, now, 900), 0, "900 tokens go");
	int64_t rpm_before = st.rpm_tat;
	ok(pace_take(&st, &rpm, &tpm, now, 900) > 0, "the next 900 wait for tpm");
	is_int(st.rpm_tat, rpm_before, "and did not spend rpm budget");
	is_int(pace_take(&st, &rpm, &tpm, now, 10), 0, "a small one fits both");
	is_int(pace_take(&st, &rpm, &tpm, now, 10), 100 * MS + 0 * MS, "then rpm says wait 100 ms");
	st.hold_until = now + 3 * S;
	is_int(pace_take(&st, &rpm, &tpm, now + S, 1), 2 * S, "a hold waits it out");
	is_int(pace_take(&st, &rpm, &tpm, now + 3 * S, 1), 0, "and then goes");
	st.hold_until = now + 7200 * S;
	is_int(pace_take(&st, &rpm, &tpm, now + 4 * S, 1), 0, "a hold beyond an hour is dropped as stale");
	st.rpm_tat = now + 1000 * S;
	is_int(pace_take(&st, &rpm, &tpm, now + 5 * S, 1), 0, "a TAT far in the future is reset");

	/* pacer_init's bursts: two requests at low rates, 50 ms worth at high. */
	struct pacer p;
	pacer_init(&p, 600, 0, NULL, NULL);
	is_int((int64_t)p.rpm.tolerance_ns, 200 * MS, "600 rpm: burst of 2");
	pacer_close(&p);
	pacer_init(&p, 600000, 0, NULL, NULL);
	is_int((int64_t)(p.rpm.tolerance_ns / p.rpm.interval_ns + 0.5), 500, "600000 rpm: 50 ms worth");
	pacer_close(&p);

	/* A token limit's 429 cuts the token rate, not the request rate,
	 * even with no usage pointer (tokens as estimated). */
	pacer_init(&p, 0, 0, NULL, NULL);
	struct learn_obs rq = { .ok = 1, .remaining = -1, .reset_ns = -1, .units = 1 };
	struct learn_obs tk = { .ok = 1, .remaining = -1, .reset_ns = -1, .units = 100 };
	int64_t t = 100 * S;
	for (int i = 0; i < 40; i++, t += 50 * MS) {
		rq.sent_at = tk.sent_at = t - 10 * MS;
		pacer_learn(&p, &rq, &tk, t);
	}
	rq.ok = tk.ok = 0;
	tk.limited = 1;
	rq.sent_at = tk.sent_at = t - 10 * MS;
	ok(!pacer_learn(&p, &rq, &tk, t), "a token 429: the request rate is not cut");
	struct pacer_view v;
	pacer_view(&p, t, &v);
	ok(v.rpm == 0 && v.tpm > 90000 && v.tpm < 110000,
	    "the token rate is: to 85%% of the ~120000/min taken (rpm %.0f, tpm %.0f)", v.rpm, v.tpm);
	pacer_close(&p);
	return done_testing();
}
