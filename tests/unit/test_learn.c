/* The limit learner: header parsing, the shape of a cut and its climb, and
 * simulated minutes against a token-bucket API of known rate that answers
 * 200 or 429 with or without rate-limit headers, with the user's rpm unset,
 * 2x too high and 2x too low: the achieved rate and the share of 429s. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gcra.h"
#include "learn.h"
#include "tap.h"

#define SEC 1000000000LL
#define MS 1000000LL

static void headers_parse(void)
{
	struct ratelimit_headers h;
	memset(&h, 0, sizeof h);
	h.limit_requests = "600";
	h.remaining_requests = "599";
	h.reset_requests = "100ms";
	h.limit_tokens = "150000";
	h.remaining_tokens = "149000";
	h.reset_tokens = "6m0s";
	struct learn_obs obs[LEARN_N];
	struct learn_obs *rq = &obs[LEARN_REQUESTS], *tk = &obs[LEARN_TOKENS];
	learn_headers(&h, 0, obs);
	ok(rq->limit == 600 && rq->remaining == 599 && rq->reset_ns == 100 * MS,
	    "OpenAI: requests limit, remaining, reset");
	ok(tk->limit == 150000 && tk->remaining == 149000 && tk->reset_ns == 360 * SEC,
	    "OpenAI: tokens limit, remaining, reset (Go duration)");

	memset(&h, 0, sizeof h);
	h.anthropic_limit[0] = "50";
	h.anthropic_remaining[0] = "49";
	h.anthropic_reset[0] = "2024-05-01T12:00:03Z";
	h.anthropic_limit[2] = "40000";
	h.anthropic_remaining[2] = "39000";
	h.anthropic_reset[2] = "2024-05-01T12:00:01.5Z";
	int64_t now_ms = 1714564800000LL; /* 2024-05-01T12:00:00Z */
	h.anthropic_limit[3] = "8000";
	h.anthropic_remaining[3] = "7900";
	learn_headers(&h, now_ms, obs);
	ok(rq->limit == 50 && rq->remaining == 49 && rq->reset_ns == 3 * SEC,
	    "Anthropic: requests limit, remaining, RFC 3339 reset");
	ok(tk->limit == 40000 && tk->remaining == 39000 && tk->reset_ns == 1500 * MS,
	    "Anthropic: input tokens when no tokens-limit is sent");
	ok(obs[LEARN_INPUT].limit == 40000 && obs[LEARN_INPUT].reset_ns == 1500 * MS,
	    "Anthropic: input tokens (ITPM) on their own");
	ok(obs[LEARN_OUTPUT].limit == 8000 && obs[LEARN_OUTPUT].remaining == 7900 &&
	    obs[LEARN_OUTPUT].reset_ns < 0, "and output tokens (OTPM)");
	h.anthropic_limit[1] = "30000";
	learn_headers(&h, now_ms, obs);
	is_int((int)tk->limit, 30000, "Anthropic: tokens-limit (the tightest) first");

	memset(&h, 0, sizeof h);
	h.limit_requests = "lots";
	h.remaining_requests = "";
	learn_headers(&h, 0, obs);
	ok(rq->limit == 0 && rq->remaining < 0 && rq->reset_ns < 0 && tk->limit == 0,
	    "garbage and absent headers say nothing");
}

/* Which budget a 429 ran out of, by its headers, else its words. */
static void budget_of_429(void)
{
	static const struct {
		const char *rem_req, *rem_tok, *anth_in, *body;
		enum learn_budget want;
		const char *name;
	} rows[] = {
		{ "0", "0", NULL, "", LEARN_REQUESTS, "requests remaining 0 (tokens too): requests" },
		{ "12", "0", NULL, "", LEARN_TOKENS, "tokens remaining 0: tokens" },
		{ "12", "900", "0", "", LEARN_INPUT, "Anthropic input tokens remaining 0: input" },
		{ NULL, NULL, NULL, "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini "
		  "on tokens per min (TPM): Limit 30000\"}}", LEARN_TOKENS, "OpenAI: tokens per min" },
		{ NULL, NULL, NULL, "have exceeded token rate limit of your current OpenAI S0 pricing "
		  "tier", LEARN_TOKENS, "Azure: token rate limit" },
		{ NULL, NULL, NULL, "This request would exceed your organization's rate limit of 40,000 "
		  "input tokens per minute", LEARN_INPUT, "Anthropic: input tokens per minute" },
		{ NULL, NULL, NULL, "\"quotaMetric\": \"generativelanguage.googleapis.com/"
		  "generate_content_free_tier_input_token_count\"", LEARN_INPUT, "Gemini: input_token_count" },
		{ NULL, NULL, NULL, "Rate limit reached for requests per min (RPM)", LEARN_REQUESTS,
		  "OpenAI: requests per min" },
		{ NULL, NULL, NULL, "", LEARN_REQUESTS, "nothing said: requests" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct ratelimit_headers h;
		memset(&h, 0, sizeof h);
		h.remaining_requests = rows[i].rem_req;
		h.remaining_tokens = rows[i].rem_tok;
		h.anthropic_remaining[2] = rows[i].anth_in;
		is_int(learn_limited_budget(&h, rows[i].body, strlen(rows[i].body)), rows[i].want,
		    "%s", rows[i].name);
	}
}

/* The slow start doubles every four round trips (the shortest seen), from
 * every 2 ms to every 100 ms: a fast API is not held back for a second at
 * the start of every job, a slow one does not see its 429s come back only
 * after many doublings. */
static void slow_start_pace(void)
{
	static const struct { int64_t rtt; int64_t period; const char *name; } rows[] = {
		{ 200 * MS / 1000, 2 * MS, "0.2 ms answers: every 2 ms" },
		{ 1 * MS, 4 * MS, "1 ms answers: every 4 ms" },
		{ 10 * MS, 40 * MS, "10 ms answers: every 40 ms" },
		{ 100 * MS, 100 * MS, "100 ms answers: every 100 ms" },
		{ 2 * SEC, 100 * MS, "2 s answers: every 100 ms" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct learn_state s;
		learn_init(&s);
		int64_t t = 10 * SEC;
		struct learn_obs o = { .ok = 1, .remaining = -1, .reset_ns = -1, .sent_at = t - rows[i].rtt };
		learn_observe(&s, &o, 0, t);
		is_int((int)learn_rate(&s, t + 3 * rows[i].period), 4800, "%s", rows[i].name);
	}
	/* A slow first answer (a connection's set-up), then fast ones: the
	 * doublings made at the slow pace are kept, the rest go faster. */
	struct learn_state s;
	learn_init(&s);
	int64_t t = 10 * SEC;
	struct learn_obs o = { .ok = 1, .remaining = -1, .reset_ns = -1, .sent_at = t - 50 * MS };
	learn_observe(&s, &o, 0, t);
	t += 100 * MS;
	o.sent_at = t - 1 * MS;
	learn_observe(&s, &o, learn_rate(&s, t), t);
	is_int((int)learn_rate(&s, t), 1200, "a 50 ms round trip doubles once in 100 ms");
	is_int((int)learn_rate(&s, t + 8 * MS), 4800, "then a 1 ms one every 4 ms");
	/* Capped: a state from a run long ago reads as a slow start long done. */
	ok(learn_rate(&s, t + 3600 * SEC) > 1e11, "a slow start ends at 2^30 times its start");
}

static void cut_shape(void)
{
	struct learn_state s;
	learn_init(&s);
	is_int((int)learn_rate(&s, 5 * SEC), 600, "nothing known before any answer: 600/min");
	struct learn_obs ok200 = { .ok = 1, .remaining = -1, .reset_ns = -1 };
	struct learn_obs lim = { .limited = 1, .remaining = -1, .reset_ns = -1 };
	int64_t t = 10 * SEC;
	ok200.sent_at = t - 100 * MS;
	learn_observe(&s, &ok200, 0, t);
	ok(!learn_known(&s, t), "the first answer says nothing of the limit");
	is_int((int)learn_rate(&s, t), 600, "a slow start from 600/min");
	is_int((int)learn_rate(&s, t + 300 * MS), 4800, "doubling every 100 ms at most");
	lim.sent_at = t - 5 * MS;
	ok(!learn_observe(&s, &lim, 600, t + 10 * MS),
	    "a 429 sent before the first answer (the concurrency's burst): no cut");
	/* 20 answers a second taken for two seconds, then a 429. */
	for (int i = 0; i < 40; i++, t += 50 * MS) {
		ok200.sent_at = t - 10 * MS;
		learn_observe(&s, &ok200, learn_rate(&s, t), t);
	}
	lim.sent_at = t - 50 * MS;
	ok(learn_observe(&s, &lim, learn_rate(&s, t), t), "a 429 in the slow start cuts");
	ok(learn_known(&s, t), "and the limit is known");
	int at_cut = (int)learn_rate(&s, t);
	ok(at_cut >= 970 && at_cut <= 1080, "to 85%% of the ~1250/min taken (%d)", at_cut);
	is_int((int)learn_rate(&s, t + 90 * MS), at_cut, "held for twice its round trip (100 ms)");
	lim.sent_at = t - 10 * MS;
	ok(!learn_observe(&s, &lim, 1020, t + 40 * MS), "a 429 sent before the cut: no second cut");
	lim.sent_at = t + 50 * MS;
	ok(!learn_observe(&s, &lim, 1020, t + 80 * MS),
	    "a 429 sent in the hold, nothing known of what was taken since: no second cut");
	double hi = s.hi;
	double mid = learn_rate(&s, t + 600 * MS), top = learn_rate(&s, t + 1100 * MS);
	ok(mid > at_cut && top >= 0.96 * hi && top <= 0.98 * hi,
	    "rises in a second to just under the limit found (%.0f, %.0f of %.0f)", mid, top, hi);
	double probe = learn_rate(&s, t + 6100 * MS);
	ok(probe > top && probe < 1.1 * hi,
	    "a slow start's cut is a guess: it probes beyond at once, slowly (%.0f)", probe);
	ok(learn_rate(&s, t + 11100 * MS) > 1.3 * hi, "then faster (%.0f)",
	    learn_rate(&s, t + 11100 * MS));

	/* A cut where the last one was confirms the limit. */
	t += 12 * SEC;
	lim.sent_at = t - 50 * MS;
	ok(learn_observe(&s, &lim, 1.05 * hi, t), "a 429 past the limit found cuts again");
	is_int((int)learn_rate(&s, t), (int)(0.95 * 1.05 * hi),
	    "where the last one was: by 5%% only");
	double stay = learn_rate(&s, t + 1100 * MS);
	ok(learn_rate(&s, t + 5000 * MS) == stay, "then stays under it 4 s");
	ok(learn_rate(&s, t + 7000 * MS) > stay, "then probes again");
	t += 8 * SEC;
	lim.sent_at = t - 50 * MS;
	learn_observe(&s, &lim, 1.05 * hi, t);
	stay = learn_rate(&s, t + 1100 * MS);
	ok(learn_rate(&s, t + 9000 * MS) == stay && learn_rate(&s, t + 11 * SEC) > stay,
	    "a third there: the stay doubles (8 s)");

	/* A hold is no time on the curve: nothing is sent in it. A minute's
	 * hold 2 s after the cut, then another from 3 s after its end. */
	double at2 = learn_rate(&s, t + 2 * SEC);
	learn_hold(&s, t + 2 * SEC, t + 62 * SEC);
	ok(learn_rate(&s, t + 30 * SEC) == at2, "in a minute's hold the rate stays where it was");
	ok(learn_rate(&s, t + 62 * SEC) == at2 && learn_rate(&s, t + 69 * SEC) == stay &&
	    learn_rate(&s, t + 71 * SEC) > stay,
	    "after it the stay goes on from there: 8 s of sending, then a probe");
	learn_hold(&s, t + 65 * SEC, t + 70 * SEC);
	learn_hold(&s, t + 66 * SEC, t + 68 * SEC);
	ok(learn_rate(&s, t + 74 * SEC) == stay && learn_rate(&s, t + 76 * SEC) > stay,
	    "a second hold counts too, one inside it adds nothing");

	learn_init(&s);
	struct learn_obs adv = { .ok = 1, .limit = 600, .remaining = 10, .reset_ns = SEC };
	learn_observe(&s, &adv, 0, SEC);
	is_int((int)learn_rate(&s, SEC), 588, "an advertised limit: paced at 98%% of it");
	struct learn_obs win = { .ok = 1, .remaining = 30, .reset_ns = 10 * SEC };
	learn_init(&s);
	learn_observe(&s, &win, 0, SEC);
	is_int((int)learn_rate(&s, 2 * SEC), 180, "remaining 30 in 10 s: at most 180/min");
	ok(!learn_known(&s, 12 * SEC), "until the window resets");
}

/* What a cut is measured from: a rate set too high that the API's bucket
 * took whole until its 429 says only that the limit is below it, so it is
 * halved; a hold the API asked for (Retry-After) is not time the API could
 * take requests in, so it does not lower the rate measured; and a probe the
 * bucket took whole, cut where the last cut was, goes under what was taken. */
static void cut_measures(void)
{
	struct learn_state s;
	learn_init(&s);
	struct learn_obs ok200 = { .ok = 1, .remaining = -1, .reset_ns = -1 };
	struct learn_obs lim = { .limited = 1, .remaining = -1, .reset_ns = -1 };
	int64_t t = 10 * SEC;
	/* rpm 6000 set, all taken for 200 ms, then a 429 asking for 1 s. */
	for (int i = 0; i < 20; i++, t += 10 * MS) {
		ok200.sent_at = t - 1 * MS;
		learn_observe(&s, &ok200, 6000, t);
	}
	learn_hold(&s, t, t + SEC);
	lim.sent_at = t - 1 * MS;
	ok(learn_observe(&s, &lim, 6000, t), "a 429 at the rpm set cuts");
	double at_cut = learn_rate(&s, t);
	ok(at_cut > 2850 && at_cut < 2911, "the API took all of it: under half of it (%.0f)", at_cut);
	ok(learn_rate(&s, t + 8 * SEC) > 1.01 * at_cut, "a halving is a guess: probed at once (%.0f)",
	    learn_rate(&s, t + 8 * SEC));

	/* 50 a second taken for 2 s, a 429 and a hold of 1 s, 50 a second
	 * for 2 s again: the API took 50 a second, not 33. */
	learn_init(&s);
	t = 10 * SEC;
	for (int i = 0; i < 100; i++, t += 20 * MS) {
		ok200.sent_at = t - 1 * MS;
		learn_observe(&s, &ok200, 3600, t);
	}
	lim.sent_at = t - 1 * MS;
	ok(learn_observe(&s, &lim, 3600, t), "a 429 at 3600/min, 3000 taken: cut");
	is_int((int)(s.hi + 0.5), 3000, "to the 3000/min taken");
	for (int i = 0; i < 100; i++, t += 20 * MS) {
		ok200.sent_at = t - 1 * MS;
		learn_observe(&s, &ok200, 3000, t);
	}
	learn_hold(&s, t, t + SEC);
	t += SEC;
	for (int i = 0; i < 100; i++, t += 20 * MS) {
		ok200.sent_at = t - 1 * MS;
		learn_observe(&s, &ok200, 3000, t);
	}
	lim.sent_at = t - 1 * MS;
	ok(learn_observe(&s, &lim, 3700, t), "a 429 at 3700/min after a hold: cut");
	ok(s.hi > 2900 && s.hi < 3100, "the hold left out: 3000/min taken, not 2000 (%.0f)", s.hi);
	/* The next probe, taken whole until its 429, near the last cut:
	 * under what was taken. */
	for (int i = 0; i < 100; i++, t += 19 * MS) {
		ok200.sent_at = t - 1 * MS;
		learn_observe(&s, &ok200, 3150, t);
	}
	lim.sent_at = t - 1 * MS;
	double took = 99 * 60.0 * SEC / (98 * 19 * MS);
	ok(learn_observe(&s, &lim, 3150, t), "a probe's 429 near the last cut: cut");
	ok(s.hi < 0.96 * took && s.hi > 0.92 * took,
	    "all of the probe was taken: 5%% under it (%.0f of %.0f)", s.hi, took);
}

/* n answers like o, one every step from *t on, each sent 1 ms before it
 * came, paced at cur; *t ends after the last. Returns the cuts made. */
static int answers(struct learn_state *s, struct learn_obs o, int n, int64_t step, double cur,
    int64_t *t)
{
	int cuts = 0;
	for (int i = 0; i < n; i++, *t += step) {
		o.sent_at = *t - 1 * MS;
		cuts += learn_observe(s, &o, cur, *t);
	}
	return cuts;
}

/* Answers that fail (a 5xx, none at all) say the API took nothing: an
 * outage is no time on the curve after a cut, nor in the rate measured,
 * nor in the slow start; a flaky API's failures slow them down. */
static void failures_pause(void)
{
	struct learn_state s;
	learn_init(&s);
	const struct learn_obs ok200 = { .ok = 1, .remaining = -1, .reset_ns = -1 };
	const struct learn_obs fail = { .failed = 1, .remaining = -1, .reset_ns = -1 };
	struct learn_obs lim = { .limited = 1, .remaining = -1, .reset_ns = -1 };
	int64_t t = 10 * SEC;
	/* 50 a second taken for 2 s, then a 429 at 3600/min: cut to 3000. */
	answers(&s, ok200, 100, 20 * MS, 3600, &t);
	lim.sent_at = t - 1 * MS;
	ok(learn_observe(&s, &lim, 3600, t), "a 429 at 3600/min, 3000 taken: cut");
	answers(&s, ok200, 100, 20 * MS, 3000, &t);
	/* A minute in which every answer is a 500, then one ok. */
	double before = learn_rate(&s, t - 20 * MS); /* at the last ok */
	is_int(answers(&s, fail, 600, 100 * MS, before, &t), 0, "500s cut nothing");
	int64_t last = t - 100 * MS; /* the last 500 */
	ok(learn_rate(&s, last) == before,
	    "after a minute of 500s the rate is where it was at the last ok (%.0f, %.0f)",
	    learn_rate(&s, last), before);
	answers(&s, ok200, 1, 0, before, &t);
	/* The same curve with the minute counted, for comparison. */
	struct learn_state counted = s;
	counted.paused = 0;
	ok(learn_rate(&s, t + 8 * SEC) < 2 * s.hi && learn_rate(&counted, t + 8 * SEC) > 10 * s.hi,
	    "8 s after it, the probe is where 8 s of sending take it (%.0f), not a minute more (%.0f)",
	    learn_rate(&s, t + 8 * SEC), learn_rate(&counted, t + 8 * SEC));

	/* The rate measured leaves the outage out: 50 a second taken before
	 * and after it, then a 429 at 3700/min cuts to about 3000, not 500. */
	answers(&s, ok200, 100, 20 * MS, 3000, &t);
	lim.sent_at = t - 1 * MS;
	ok(learn_observe(&s, &lim, 3700, t), "a 429 at 3700/min: cut");
	answers(&s, ok200, 100, 20 * MS, 3000, &t);
	answers(&s, fail, 100, 100 * MS, 3000, &t);
	answers(&s, ok200, 100, 20 * MS, 3000, &t);
	lim.sent_at = t - 1 * MS;
	ok(learn_observe(&s, &lim, 3700, t), "after 10 s of 500s between, a 429: cut");
	ok(s.hi > 2700 && s.hi < 3100, "the outage left out: about 3000/min taken (%.0f)", s.hi);

	/* The slow start: an API that answers only 500s does not double. */
	learn_init(&s);
	t = 10 * SEC;
	answers(&s, fail, 500, 10 * MS, 0, &t);
	ok(learn_rate(&s, t) < 1000, "5 s of 500s from the start: still slow (%.0f/min)",
	    learn_rate(&s, t));
	/* Every other answer a 500: it doubles half as fast as with none. */
	struct learn_state flaky, clean;
	learn_init(&flaky);
	learn_init(&clean);
	t = 10 * SEC;
	for (int i = 0; i < 40; i++, t += 5 * MS) {
		struct learn_obs o = i % 2 ? fail : ok200;
		o.sent_at = t - 2 * MS;
		learn_observe(&flaky, &o, 0, t);
		o = ok200;
		o.sent_at = t - 2 * MS;
		learn_observe(&clean, &o, 0, t);
	}
	double rf = learn_rate(&flaky, t), rc = learn_rate(&clean, t);
	ok(rf > 1.5 * 600 && rf * rf > 0.8 * rc * 600 && rf * rf < 1.25 * rc * 600,
	    "a flaky API: half the doublings (%.0f against %.0f)", rf, rc);
}

/* ---- simulated minutes ---- */

struct sim {
	/* the API: a GCRA of rate per second and burst, headers or not */
	double api_rate, api_burst;
	int headers;
	double latency_ms;
	/* the worker */
	double user_rpm;         /* 0 = unset */
	int concurrency;
	int seconds;
	double raise_to;         /* the API's rate from half time on, 0 = same */
	int hold_ms;             /* a 429 says Retry-After: nothing is sent for this long */
	/* results */
	long long ok, limited, limited_early; /* early: in the first 5 s */
	long long sent_early;
	double learned;          /* learn_rate at the end */
};

#define SIM_MAX_FLIGHT 256

/* The rate paced at now, as pacer.c's rates_follow: the user's rpm capped
 * by what is learned; the slow start only when neither is known. */
static double sim_pace(const struct sim *m, const struct learn_state *st, int64_t now)
{
	if (!learn_known(st, now) && m->user_rpm > 0)
		return m->user_rpm;
	double r = learn_rate(st, now);
	return m->user_rpm > 0 && m->user_rpm < r ? m->user_rpm : r;
}

static void sim_run(struct sim *m)
{
	struct learn_state st;
	learn_init(&st);
	struct gcra api, pace;
	double api_rate = m->api_rate;
	gcra_init(&api, api_rate * 60, m->api_burst);
	int64_t api_tat = 0, pace_tat = 0;
	struct { int64_t due, sent; int ok; double remaining; } fl[SIM_MAX_FLIGHT];
	int n_fl = 0;
	int64_t hold_until = 0;
	m->ok = m->limited = m->limited_early = m->sent_early = 0;
	int64_t end = 100 * SEC + (int64_t)m->seconds * SEC;
	uint64_t jit = 88172645463325252ULL;
	for (int64_t now = 100 * SEC; now < end; now += MS) {
		if (m->raise_to > 0 && now >= end - m->seconds * SEC / 2 && api_rate != m->raise_to) {
			api_rate = m->raise_to;
			gcra_init(&api, api_rate * 60, m->api_burst);
		}
		for (int i = 0; i < n_fl;) {
			if (fl[i].due > now) {
				i++;
				continue;
			}
			struct learn_obs o = { .ok = fl[i].ok, .limited = !fl[i].ok,
				.sent_at = fl[i].sent, .remaining = -1, .reset_ns = -1 };
			if (m->headers) {
				o.limit = api_rate * 60;
				o.remaining = fl[i].remaining;
			}
			double cur = sim_pace(m, &st, now);
			if (!fl[i].ok && m->hold_ms > 0 && now + m->hold_ms * MS > hold_until) {
				hold_until = now + m->hold_ms * MS;
				learn_hold(&st, now, hold_until);
			}
			learn_observe(&st, &o, cur, now);
			fl[i] = fl[--n_fl];
		}
		double rate = sim_pace(m, &st, now);
		double burst = rate / 60 / 20;
		gcra_init(&pace, rate, burst > 2 ? burst : 2);
		while (now >= hold_until && n_fl < m->concurrency && gcra_take(&pace, &pace_tat, now, 1) == 0) {
			/* The request reaches the API half a latency later. */
			int64_t arrive = now + (int64_t)(m->latency_ms / 2 * MS);
			jit ^= jit << 13;
			jit ^= jit >> 7;
			jit ^= jit << 17;
			int64_t back = (int64_t)(m->latency_ms * MS) + (int64_t)(jit % (10 * MS));
			int okd = gcra_take(&api, &api_tat, arrive, 1) == 0;
			double ahead = (double)(api_tat > arrive ? api_tat - arrive : 0);
			fl[n_fl].remaining = floor((api.tolerance_ns - ahead) / api.interval_ns);
			fl[n_fl].due = now + back;
			fl[n_fl].sent = now;
			fl[n_fl].ok = okd;
			n_fl++;
			if (okd)
				m->ok++;
			else
				m->limited++;
			if (now < 105 * SEC) {
				m->sent_early++;
				m->limited_early += !okd;
			}
			if (getenv("DBG") && (!okd || (now - 100 * SEC) % (1000 * MS) == 0)) diag("%s at %.3f rate %.0f hi %.0f", okd ? "ok " : "429", (now - 100 * SEC) / 1e9, rate, st.hi);
		}
	}
	m->learned = learn_known(&st, end) ? learn_rate(&st, end) : 0;
}

/* Runs m and checks the achieved share of the API's rate, the share of
 * 429s over the whole run, and after the first 5 s: the first answers
 * come back only after as many requests as the concurrency allows went
 * out at once, so with no header the API's first 429s are the price of
 * learning anything; what follows is the learner's doing. */
static void sim_check(const char *name, struct sim *m, double want_share, double max_429,
    double max_429_after)
{
	sim_run(m);
	double limit = m->api_rate * m->seconds;
	if (m->user_rpm > 0 && m->user_rpm / 60 < m->api_rate)
		limit = m->user_rpm / 60 * m->seconds;
	double share = (double)m->ok / limit;
	double p429 = (double)m->limited / (double)(m->ok + m->limited);
	double after = (double)(m->limited - m->limited_early) /
	    (double)(m->ok + m->limited - m->sent_early);
	diag("%s: %lld ok (%.1f%% of %.0f), %lld 429s (%.2f%%, %lld in the first 5 s; %.2f%% after), learned %.0f/min",
	    name, m->ok, 100 * share, limit, m->limited, 100 * p429, m->limited_early,
	    100 * after, m->learned);
	ok(share >= want_share, "%s: %.1f%% of the limit, want >= %.0f%%", name, 100 * share,
	    100 * want_share);
	ok(p429 <= max_429, "%s: %.2f%% 429s, want <= %.1f%%", name, 100 * p429, 100 * max_429);
	ok(after <= max_429_after, "%s: %.2f%% 429s after the first 5 s, want <= %.1f%%", name,
	    100 * after, 100 * max_429_after);
}

static void simulated_minutes(void)
{
	static const struct { const char *name; int headers; double user_rpm; } cases[] = {
		{ "headers, rpm unset", 1, 0 },
		{ "headers, rpm 2x high", 1, 1200 },
		{ "headers, rpm 2x low", 1, 300 },
		{ "no headers, rpm unset", 0, 0 },
		{ "no headers, rpm 2x high", 0, 1200 },
		{ "no headers, rpm 2x low", 0, 300 },
	};
	/* 600/min = 10/s, a bucket of a second; answers in 80-90 ms. With
	 * headers (every provider sends them) and with the user's rpm at or
	 * under the limit the targets hold: >= 95% of the limit, <= 2% 429s.
	 * With no header at all, 429s are the only signal: the slow start
	 * learns of the limit only once its doubling has emptied the API's
	 * bucket (a second's worth here, with 80 ms answers), well past the
	 * limit, which costs some 429s and a low first guess, so a one-minute
	 * run reaches 90% with up to 5% 429s; after its first seconds the
	 * learner stays under 2%. */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sim m = { .api_rate = 10, .api_burst = 10, .latency_ms = 80,
			.headers = cases[i].headers, .user_rpm = cases[i].user_rpm,
			.concurrency = 16, .seconds = 60 };
		int blind = !cases[i].headers && cases[i].user_rpm != 300;
		sim_check(cases[i].name, &m, blind ? 0.90 : 0.95, blind ? 0.05 : 0.02, 0.02);
		if (cases[i].headers && cases[i].user_rpm == 300)
			ok(m.learned > 500, "rpm 2x low: the learned limit says the API allows more (%.0f)",
			    m.learned);
	}
	/* A limiter with no burst at all (50/s, 20 ms answers, 32 in flight)
	 * is the slow start's worst case: its first 429 comes as soon as the
	 * doubling passes the limit, and what the API took averages the
	 * doubling, well below it; the probe then takes some 15 s to find the
	 * rest. Real APIs let a burst through (a bucket): see the cases above. */
	struct sim tight = { .api_rate = 50, .api_burst = 1, .latency_ms = 20,
		.concurrency = 32, .seconds = 60 };
	sim_check("no headers, no burst, 50/s", &tight, 0.65, 0.03, 0.02);
	/* Fast answers: 1 ms each, 50/s with a bucket of 10 (the bench's
	 * nginx), 16 in flight: its doubling every 4 ms finds the limit with
	 * no more 429s than a slow API costs. */
	struct sim fast = { .api_rate = 50, .api_burst = 10, .latency_ms = 1,
		.concurrency = 16, .seconds = 60 };
	sim_check("no headers, 1 ms answers", &fast, 0.90, 0.05, 0.02);
	/* Slow answers: 1 s each, 3,000/min, 64 in flight. */
	struct sim slow = { .api_rate = 50, .api_burst = 50, .latency_ms = 1000,
		.concurrency = 64, .seconds = 60 };
	sim_check("no headers, 1 s answers", &slow, 0.95, 0.03, 0.02);
	/* The bench's nginx (50/s, a bucket of 10, 1 ms answers) with rpm
	 * set at twice that, every 429 saying Retry-After: 1. */
	struct sim over = { .api_rate = 50, .api_burst = 10, .latency_ms = 1, .user_rpm = 6000,
		.concurrency = 16, .seconds = 30, .hold_ms = 1000 };
	sim_check("no headers, rpm 2x high, Retry-After 1 s, 1 ms answers", &over, 0.90, 0.03, 0.02);
	/* The limit doubles half way: found again once the stay under the
	 * old one ends (a steady limit is probed ever more rarely, which is
	 * what keeps its 429s down). */
	struct sim raised = { .api_rate = 10, .api_burst = 10, .latency_ms = 80,
		.concurrency = 16, .seconds = 60, .raise_to = 20 };
	sim_run(&raised);
	double want = 10 * 30 + 20 * 30;
	diag("raised: %lld ok of %.0f, %lld 429s, learned %.0f", raised.ok, want, raised.limited,
	    raised.learned);
	ok(raised.ok >= 0.75 * want && raised.learned > 900,
	    "a limit raised half way is found (%lld of %.0f, learned %.0f/min)", raised.ok, want,
	    raised.learned);
}

int main(void)
{
	slow_start_pace();
	headers_parse();
	budget_of_429();
	cut_shape();
	cut_measures();
	failures_pause();
	simulated_minutes();
	return done_testing();
}
