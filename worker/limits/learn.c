/* The limit learner (see learn.h). Times are ns; rates per minute. */
#include "learn.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SEC 1000000000LL

/* Paced at 98% of an advertised limit: the rest absorbs the jitter of the
 * network and of other workers' clocks, well inside the 95% target. */
#define ADVERTISED_SHARE 0.98
/* A 429 cuts to 85% of what the API was taking (95% when it confirms the
 * limit found before), which is held while the answers still in flight,
 * sent at the old rate, come back. Then the rate rises in RISE_S seconds
 * (fast at first) to PLATEAU of the limit found, stays there STAY_S
 * seconds, doubled by each confirming cut up to STAY_MAX_S, and only then
 * probes beyond: +5% after PROBE_S seconds, cubic after that, so a raised
 * limit is found within seconds of the stay's end. */
#define CUT 0.85
#define CUT_NEAR 0.95
/* A 429 at a rate the API took whole until then (a rate set in the job
 * file, or the probe's, its bucket absorbing the excess) says only that
 * the limit is below: halve it, as TCP does, and probe up from there.
 * "Whole": the count taken reaches BLIND_TOOK of what was paced. */
#define BLIND 0.5
#define BLIND_TOOK 0.9
/* The hold: twice the 429's round trip (the answers in flight then were
 * sent at the old rate), 100 ms to a second. */
#define HOLD_MIN (100 * SEC / 1000)
#define HOLD_MAX (1 * SEC)
#define PLATEAU 0.97
#define RISE_S 1.0
#define STAY_S 4.0
#define STAY_MAX_S 16.0
#define PROBE_S 5.0
/* Before anything is known: 600 a minute, doubled from the first answer on
 * every SLOW_RTTS round trips (the shortest seen), so a 429 shows within the
 * doubling that caused it, but at least every SLOW_DOUBLE (60,000 a minute
 * within 0.7 s) and at most every SLOW_DOUBLE_MIN: a fast API is not held
 * for a second at the start of every job (1.8 million a minute takes 12
 * doublings; an API on the same host answers in a fraction of a
 * millisecond, and at one doubling per 10 ms its jobs of a few seconds
 * spent the first 130 ms of each short of its pace), and a slow one
 * doubles no faster than before. */
#define SLOW_START 600.0
#define SLOW_RTTS 4
#define SLOW_DOUBLE (100 * SEC / 1000)
#define SLOW_DOUBLE_MIN (2 * SEC / 1000)
/* The floor of any learned rate: one request a minute. */
#define RATE_MIN 1.0
#define RATE_MAX 1e12

void learn_init(struct learn_state *s)
{
	memset(s, 0, sizeof *s);
}

/* What the API took, per minute: the requests it accepted, counted by when
 * they were sent (answers to later sends are still on the way), in windows
 * of WINDOW that restart at each cut. The window under way once it spans
 * half a window, else the last whole one, else the one under way once it
 * spans 50 ms (the first answers); 0 when unknown. */
#define WINDOW (10 * SEC)
static double took_rate(const struct learn_state *s)
{
	int64_t last = s->count_last > s->held_to ? s->count_last : s->held_to;
	int64_t span = last - s->count_from - s->count_idle;
	if (s->count_ok >= 1 && span >= WINDOW / 2)
		return s->count_ok * 60.0 * SEC / (double)span;
	if (s->prev_rate > 0)
		return s->prev_rate;
	if (s->count_ok >= 1 && span >= 50 * SEC / 1000)
		return s->count_ok * 60.0 * SEC / (double)span;
	return 0;
}

static void count(struct learn_state *s, const struct learn_obs *o, int64_t now)
{
	if (!s->counting) {
		s->counting = 1;
		s->first_seen = s->slow_at = now;
		s->slow_doubled = 0;
		/* a failure's round trip is not the API's: the slowest
		 * doubling until an answer says more */
		s->rtt = o->failed ? SLOW_DOUBLE : now - o->sent_at;
		s->count_from = s->count_last = o->sent_at;
		s->count_ok = 0;
	}
	if (o->sent_at < s->count_from)
		return;
	int64_t span = o->sent_at - s->count_from - s->count_idle;
	if (span >= WINDOW) {
		s->prev_rate = s->count_ok * 60.0 * SEC / (double)span;
		s->count_from = o->sent_at;
		s->count_ok = 0;
		s->count_idle = 0;
	}
	if (o->sent_at > s->count_last)
		s->count_last = o->sent_at;
	if (o->ok)
		s->count_ok += o->units > 0 ? o->units : 1;
}

void learn_hold(struct learn_state *s, int64_t from, int64_t until)
{
	if (s->hi > 0) {
		int64_t start = from > s->cut_at ? from : s->cut_at;
		if (start < s->held_to)
			start = s->held_to;
		if (until > start)
			s->paused += until - start;
	}
	if (s->counting) {
		int64_t start = from;
		if (start < s->count_from)
			start = s->count_from;
		if (start < s->held_to)
			start = s->held_to;
		if (until > start)
			s->count_idle += until - start;
	}
	if (until > s->held_to)
		s->held_to = until;
}

/* The time the slow start takes to double, at its shortest round trip. */
static int64_t slow_period(const struct learn_state *s)
{
	int64_t p = SLOW_RTTS * s->rtt;
	return p < SLOW_DOUBLE_MIN ? SLOW_DOUBLE_MIN : p > SLOW_DOUBLE ? SLOW_DOUBLE : p;
}

/* The slow start's rate at t. */
static double slow_start(const struct learn_state *s, int64_t t)
{
	double x = s->slow_doubled;
	if (t > s->slow_at)
		x += (double)(t - s->slow_at) / (double)slow_period(s);
	return SLOW_START * pow(2, x < 30 ? x : 30);
}

/* An answer in the slow start: the doublings so far are kept at the old
 * period, then the period follows the shortest round trip. A failed
 * answer says the API took nothing since the last one: no doubling over
 * that spell, and its round trip (a 500 comes back at once) is not the
 * API's. */
static void slow_follow(struct learn_state *s, const struct learn_obs *o, int64_t now)
{
	if (now > s->slow_at) {
		if (!o->failed) {
			s->slow_doubled += (double)(now - s->slow_at) / (double)slow_period(s);
			if (s->slow_doubled > 30)
				s->slow_doubled = 30;
		}
		s->slow_at = now;
	}
	if (!o->failed && now - o->sent_at < s->rtt)
		s->rtt = now - o->sent_at;
}

/* A failed answer (a 5xx, none at all) says the API took nothing since
 * the answer before it: that spell is no time on the curve after a cut,
 * nor in the rate measured, as a hold is not. Else minutes of an outage
 * would end with a probe far beyond the limit, sent all at once when the
 * API is back. A spell a hold reaches into is the hold's. */
static void failed_spell(struct learn_state *s, int64_t now)
{
	int64_t from = s->answer_at;
	if (from == 0 || now <= from || s->held_to > from)
		return;
	if (s->hi > 0) {
		int64_t start = from > s->cut_at ? from : s->cut_at;
		if (now > start)
			s->paused += now - start;
	}
	if (s->counting) {
		int64_t start = from > s->count_from ? from : s->count_from;
		if (now > start)
			s->count_idle += now - start;
	}
}

int learn_observe(struct learn_state *s, const struct learn_obs *o, double cur, int64_t now)
{
	if (o->failed)
		failed_spell(s, now);
	count(s, o, now);
	if (!learn_known(s, now))
		slow_follow(s, o, now);
	if (now > s->answer_at)
		s->answer_at = now;
	if (o->limit > 0) {
		s->advertised = o->limit;
	} else if (o->remaining >= 0 && o->reset_ns > 0) {
		s->window_cap = o->remaining * 60.0 * SEC / (double)o->reset_ns;
		s->window_until = now + o->reset_ns;
	}
	if (!o->limited)
		return 0;
	/* Sent before any answer came back, at whatever the concurrency
	 * allowed: its 429 says the API's bucket is smaller than that, not
	 * what its rate is. The slow start finds that. */
	if (!learn_known(s, now) && o->sent_at < s->first_seen)
		return 0;
	/* Answers to requests sent before the last cut say nothing about
	 * the rate after it. */
	if (s->hi > 0 && o->sent_at < s->cut_at)
		return 0;
	double base = cur, took = took_rate(s);
	/* Within the hold, the API's bucket is still refilling from what
	 * drained it: a 429 then cuts again only when what the API took
	 * since the cut says the rate held is still too high. */
	if (s->hi > 0 && o->sent_at < s->cut_at + s->hold && !(took > 0 && took < 0.95 * cur))
		return 0;
	/* In the slow start, a 429 before the API took anything paced
	 * comes from the burst before it too. */
	if (!learn_known(s, now) && cur <= slow_start(s, now) && took <= 0)
		return 0;
	/* An advertised limit says where the limit is: no guess needed. */
	int whole = cur > 0 && s->advertised <= 0 && (took <= 0 || took >= BLIND_TOOK * cur);
	if (took > 0 && (base <= 0 || took < base))
		base = took;
	if (base <= 0)
		return 0;
	/* A cut where the last one was confirms the limit: cut less, so
	 * the rate stays close under it, and stay there longer. */
	int near = s->hi > 0 && base > 0.9 * s->hi && base < 1.1 * s->hi;
	s->cut = near ? CUT_NEAR : CUT;
	if (whole && !near) {
		/* Half of what was paced is the limit found, and a guess:
		 * probed beyond at once. */
		base *= BLIND;
		s->cut = PLATEAU;
	} else if (whole && took > 0) {
		/* The API's bucket let through all that was sent until the
		 * 429, so the count overstates its rate by that bucket: the
		 * limit is under what was paced. */
		base *= CUT_NEAR;
	}
	/* The slow start's cut measures an average over its doubling, low
	 * when the API has no burst to show its rate: probe at once. */
	s->confirmed = near ? s->confirmed + 1 : s->hi > 0 && !whole ? 0 : -1;
	s->hi = base;
	s->cut_at = now;
	s->paused = s->held_to > now ? s->held_to - now : 0;
	s->hold = 2 * (now - o->sent_at);
	if (s->hold < HOLD_MIN)
		s->hold = HOLD_MIN;
	if (s->hold > HOLD_MAX)
		s->hold = HOLD_MAX;
	/* Counted again from the end of a hold the API asked for. */
	s->count_from = s->count_last = now > s->held_to ? now : s->held_to;
	s->count_ok = 0;
	s->count_idle = 0;
	s->prev_rate = 0;
	return 1;
}

/* The rate at t ns after a cut, as a share of the limit found. */
static double after_cut(const struct learn_state *s, int64_t t)
{
	if (t < s->hold)
		return s->cut;
	double x = (double)(t - s->hold) / SEC;
	if (x < RISE_S) {
		double y = 1 - x / RISE_S;
		return PLATEAU - (PLATEAU - s->cut) * y * y * y;
	}
	double stay = s->confirmed < 0 ? 0 : STAY_S;
	for (int i = 0; i < s->confirmed && stay < STAY_MAX_S; i++)
		stay *= 2;
	x -= RISE_S + (stay < STAY_MAX_S ? stay : STAY_MAX_S);
	if (x <= 0)
		return PLATEAU;
	double y = x / PROBE_S;
	if (y > 1e3)
		y = 1e3;
	return PLATEAU * (1 + 0.05 * y * y * y);
}

int learn_known(const struct learn_state *s, int64_t now)
{
	return s->hi > 0 || s->advertised > 0 || s->window_until > now;
}

double learn_rate(const struct learn_state *s, int64_t now)
{
	double r = 0;
	if (s->hi > 0) {
		/* The holds up to now are no time on the curve. */
		int64_t ahead = s->held_to > now ? s->held_to - now : 0;
		int64_t paused = s->paused > ahead ? s->paused - ahead : 0;
		r = s->hi * after_cut(s, now - s->cut_at - paused);
	}
	if (s->advertised > 0) {
		double a = s->advertised * ADVERTISED_SHARE;
		if (r <= 0 || a < r)
			r = a;
	}
	if (s->window_until > now && (r <= 0 || s->window_cap < r))
		r = s->window_cap;
	if (!learn_known(s, now)) {
		/* Nothing known but what the first answers say: start slow and
		 * double, so the first 429 comes at most at twice the limit,
		 * not at whatever the concurrency allows. */
		return s->counting ? slow_start(s, now) : SLOW_START;
	}
	if (r < RATE_MIN)
		r = RATE_MIN;
	return r > RATE_MAX ? RATE_MAX : r;
}

/* A header's number ("600", "149.5"); -1 when absent or not a number. */
static double num(const char *v)
{
	if (!v)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v < '0' || *v > '9')
		return -1;
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno || *end)
		return -1;
	return d;
}

/* The first of a provider's names that is present. */
static const char *either(const char *a, const char *b)
{
	return a ? a : b;
}

static void fill(struct learn_obs *o, const char *limit, const char *remaining,
    const char *go_reset, const char *rfc3339_reset, int64_t now_real_ms)
{
	double l = num(limit);
	o->limit = l > 0 ? l : 0;
	o->remaining = num(remaining);
	o->reset_ns = -1;
	int64_t ms;
	if (go_reset && retryafter_go_duration(go_reset, &ms) == 0)
		o->reset_ns = ms * (SEC / 1000);
	else if (rfc3339_reset && retryafter_rfc3339(rfc3339_reset, &ms) == 0)
		o->reset_ns = (ms > now_real_ms ? ms - now_real_ms : 0) * (SEC / 1000);
}

void learn_headers(const struct ratelimit_headers *h, int64_t now_real_ms,
    struct learn_obs obs[LEARN_N])
{
	fill(&obs[LEARN_REQUESTS], either(h->limit_requests, h->anthropic_limit[0]),
	    either(h->remaining_requests, h->anthropic_remaining[0]),
	    h->reset_requests, h->anthropic_reset[0], now_real_ms);
	int t = h->anthropic_limit[1] ? 1 : 2;
	fill(&obs[LEARN_TOKENS], either(h->limit_tokens, h->anthropic_limit[t]),
	    either(h->remaining_tokens, h->anthropic_remaining[t]),
	    h->reset_tokens, h->anthropic_reset[t], now_real_ms);
	for (int b = LEARN_INPUT; b <= LEARN_OUTPUT; b++) {
		int a = b == LEARN_INPUT ? 2 : 3;
		fill(&obs[b], h->anthropic_limit[a], h->anthropic_remaining[a], NULL,
		    h->anthropic_reset[a], now_real_ms);
	}
}

/* 1 if the header says 0 remain. */
static int none_left(const char *v)
{
	return num(v) == 0;
}

/* 1 if body holds word, in any case. */
static int says(const char *body, size_t len, const char *word)
{
	size_t n = strlen(word);
	for (size_t at = 0; body && at + n <= len; at++)
		if (strncasecmp(body + at, word, n) == 0)
			return 1;
	return 0;
}

int learn_headers_room(const struct ratelimit_headers *h)
{
	double left = num(either(h->remaining_requests, h->anthropic_remaining[0]));
	if (!(left > 0))
		return 0;
	if (none_left(h->remaining_tokens))
		return 0;
	for (int i = 1; i < 4; i++)
		if (none_left(h->anthropic_remaining[i]))
			return 0;
	return 1;
}

enum learn_budget learn_limited_budget(const struct ratelimit_headers *h, const char *body,
    size_t len)
{
	if (none_left(h->remaining_requests) || none_left(h->anthropic_remaining[0]))
		return LEARN_REQUESTS;
	if (none_left(h->anthropic_remaining[2]))
		return LEARN_INPUT;
	if (none_left(h->anthropic_remaining[3]))
		return LEARN_OUTPUT;
	if (none_left(h->remaining_tokens) || none_left(h->anthropic_remaining[1]))
		return LEARN_TOKENS;
	if (says(body, len, "input tokens") || says(body, len, "input_token"))
		return LEARN_INPUT;
	if (says(body, len, "output tokens") || says(body, len, "output_token"))
		return LEARN_OUTPUT;
	if (says(body, len, "token"))
		return LEARN_TOKENS;
	return LEARN_REQUESTS;
}
