/* Learning an API's own rate limit, for one budget (requests, tokens,
 * input or output tokens).
 * Three signals, strongest first: the limit the API advertises in its
 * headers (x-ratelimit-limit-*, anthropic-ratelimit-*-limit), paced at a
 * little under it; "remaining R, reset in T" without a limit (a fixed
 * window: at most R more in T); and, with no header at all, the 429s
 * themselves: from a slow start (a rate that doubles until the first 429),
 * a 429 cuts the rate to a share of what the API was taking (to half the
 * rate paced when what it took says nothing more: its bucket let all of
 * it through until the 429)
 * (that rate is remembered as the limit found), holds it while the answers
 * sent before come back, climbs back to just under the limit found and
 * stays there; only after a while does it probe beyond, slowly at first.
 * Each cut that finds the limit
 * where the last one did lengthens the stay, so a steady limit costs a 429
 * now and then, not every few seconds, and a raised one is still found.
 * Pure: (state, observation, now) -> state; the state is plain data so it
 * can live in a shared page and be fed by every worker on the limit. */
#ifndef PSUP_LEARN_H
#define PSUP_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "retryafter.h"

/* What one answer says about the budget. Rates are per minute. */
struct learn_obs {
	int ok;                  /* a 2xx: the API took the request */
	int limited;             /* a 429 that asks us to slow down */
	int failed;              /* the API did not take it: a 5xx, no answer */
	int64_t sent_at;         /* when the request left (ns, the clock of now) */
	double limit;            /* advertised limit, 0 when not sent */
	double remaining;        /* remaining in the window, < 0 when not sent */
	int64_t reset_ns;        /* time until the window resets, < 0 when not sent */
	double units;            /* what the request used of the budget (1 request,
	                          * its tokens); 0 counts as 1 */
};

struct learn_state {
	double advertised;       /* the API's limit from its headers, 0 unknown */
	double hi;               /* the rate at the last cut; 0 = no cut yet */
	double cut;              /* the share of hi it was cut to */
	int confirmed;           /* cuts in a row that found hi where the last one did */
	int64_t cut_at;          /* when it was cut (ns) */
	int64_t hold;            /* how long the cut rate is held (ns) */
	double window_cap;       /* at most this rate until window_until */
	int64_t window_until;
	/* requests the API took, by the time they were sent (learn.c) */
	int counting;
	int64_t first_seen;      /* when the first answer came (the slow start's start) */
	int64_t rtt;             /* the shortest round trip seen in the slow start */
	double slow_doubled;     /* its doublings by slow_at */
	int64_t slow_at;
	int64_t count_from, count_last;
	double count_ok, prev_rate;
	int64_t count_idle;      /* ns of the count's span spent holding */
	int64_t held_to;         /* the end of the last hold (ns), 0 none */
	int64_t paused;          /* ns of holds from cut_at to held_to: nothing is
	                          * sent then, so the curve after a cut (its hold,
	                          * rise, stay and probe) waits them out; and
	                          * of the spells that ended in a failed answer */
	int64_t answer_at;       /* when the last answer came (ns), 0 none */
};

void learn_init(struct learn_state *s);

/* Feeds one answer at time now. cur is the rate the requests were paced at
 * (0 = unpaced), so a cut knows where it cuts from. Returns 1 when the
 * answer cut the rate. */
int learn_observe(struct learn_state *s, const struct learn_obs *o, double cur, int64_t now);

/* Nothing is sent from `from` to `until` (the API asked to wait): that
 * time is not counted when the rate the API took is measured, else a
 * hold of a second would read as a rate far below the API's; nor does it
 * move the rate after a cut along, else a hold of minutes would end with
 * a probe far beyond anything the API took. */
void learn_hold(struct learn_state *s, int64_t from, int64_t until);

/* The rate learned at time now, per minute. Until a header or a 429 says
 * more, it starts slow and doubles from the first answer on, every few
 * round trips (a TCP slow start). */
double learn_rate(const struct learn_state *s, int64_t now);
/* 1 when the rate comes from a header or a 429, not the slow start. */
int learn_known(const struct learn_state *s, int64_t now);

/* The budgets an API limits: requests, tokens (input and output
 * together), input tokens and output tokens (Anthropic's ITPM and OTPM). */
enum learn_budget { LEARN_REQUESTS, LEARN_TOKENS, LEARN_INPUT, LEARN_OUTPUT, LEARN_N };

/* The limits an answer's headers advertise, one per budget (limit,
 * remaining and reset only; ok/limited/sent_at/units untouched). Tokens
 * are OpenAI's x-ratelimit-*-tokens or Anthropic's tokens-* (the tightest
 * token limit in effect; its input-tokens-* when that is all it sent).
 * now_real_ms is the wall clock, for Anthropic's reset timestamps. */
void learn_headers(const struct ratelimit_headers *h, int64_t now_real_ms,
    struct learn_obs obs[LEARN_N]);

/* Which budget a 429 ran out of: a budget whose remaining header is 0
 * (requests first), else the words of its body ("input tokens", "output
 * tokens", "tokens per min", "token rate limit", Gemini's
 * input_token_count), else requests. body may be NULL when len is 0. */
enum learn_budget learn_limited_budget(const struct ratelimit_headers *h, const char *body,
    size_t len);

/* 1 when a 429's headers show room: requests remaining above 0 and no
 * budget they name at 0. Such a 429 is not the limit the headers describe
 * (an API's load shedding, a fault): it says nothing of our rate. */
int learn_headers_room(const struct ratelimit_headers *h);

#endif
