/* The pacer: every budget's GCRA must allow a request before any is
 * charged, so a token wait never burns request budget. Every operation
 * takes the state (the shared page under its lock, or our own) the same
 * way. */
#include "pacer.h"

#include <stddef.h>
#include <string.h>

#include "clock.h"
#include "clusterlimit.h"
#include "sharedlimit.h"

static void tat_sane(int64_t *tat, const struct gcra *g, int64_t now)
{
	if (*tat > now + gcra_horizon_ns(g))
		*tat = now;
}

/* The wait a hold asks at now, 0 when none is on. */
static int64_t hold_wait(struct pace_state *st, int64_t now)
{
	if (st->hold_until <= now)
		return 0;
	/* A hold longer than an hour is a stale value, not an API's wish. */
	if (st->hold_until - now > 3600LL * 1000000000LL) {
		st->hold_until = 0;
		return 0;
	}
	return st->hold_until - now;
}

int64_t pace_take(struct pace_state *st, const struct gcra g[LEARN_N], int64_t now,
    const double cost[LEARN_N])
{
	int64_t wait = hold_wait(st, now);
	if (wait > 0)
		return wait;
	for (int b = 0; b < LEARN_N; b++) {
		tat_sane(&st->tat[b], &g[b], now);
		int64_t w = gcra_wait(&g[b], st->tat[b], now, cost[b]);
		if (w > wait)
			wait = w;
	}
	if (wait > 0)
		return wait;
	for (int b = 0; b < LEARN_N; b++)
		gcra_take(&g[b], &st->tat[b], now, cost[b]);
	return 0;
}

int64_t pace_reserve(struct pace_state *st, const struct gcra g[LEARN_N], int64_t now,
    const double cost[LEARN_N])
{
	int64_t wait = pace_take(st, g, now, cost);
	if (wait == 0 || st->hold_until > now)
		return wait;
	for (int b = 0; b < LEARN_N; b++)
		gcra_reserve(&g[b], &st->tat[b], now, cost[b]);
	return wait;
}

static struct limit_state *state_lock(struct pacer *p)
{
	return p->shared ? sharedlimit_lock(p->shared) : &p->local;
}

static void state_unlock(struct pacer *p)
{
	if (p->shared)
		sharedlimit_unlock(p->shared);
}

/* The user's rate lowered to the learned one: a user may want room below
 * what the API allows, never more than it allows. */
static double capped(double user, double learned)
{
	if (learned <= 0)
		return user;
	return user > 0 && user < learned ? user : learned;
}

/* Sets the GCRAs to the rates of st at now. A budget is paced by what is
 * learned of it when the answers count it, or once its own 429 cut it
 * (then in the same estimates it is paced by); requests with nothing
 * learned and no rpm set by the slow start (learn.h), tokens not at all. Bursts: two requests (so a
 * late timer loses nothing) or 50 ms worth, and a tenth of a second of
 * tokens. Small bursts keep the API's own limiter from seeing a spike. */
static void rates_follow(struct pacer *p, const struct limit_state *st, int64_t now)
{
	p->moving = p->starting = 0;
	for (int b = 0; b < LEARN_N; b++) {
		const struct learn_state *l = &st->learn[b];
		double r = p->base[b];
		if (learn_known(l, now)) {
			if (b == LEARN_REQUESTS || p->counted[b] || l->hi > 0)
				r = capped(r, learn_rate(l, now));
			/* found by 429s: it rises after each cut, then probes */
			if (b == LEARN_REQUESTS && l->hi > 0 && (p->base[b] <= 0 || r < p->base[b]))
				p->moving = 1;
		} else if (b == LEARN_REQUESTS && r <= 0) {
			/* Nothing known and no rpm set: the slow start. */
			r = learn_rate(l, now);
			p->moving = p->starting = 1;
		}
		if (r == p->rate[b])
			continue;
		p->rate[b] = r;
		double burst = b == LEARN_REQUESTS ? r / 60 / 20 : r / 60 / 10;
		double least = b == LEARN_REQUESTS ? 2 : 1;
		gcra_init(&p->g[b], r, burst > least ? burst : least);
	}
}

int pacer_init(struct pacer *p, const double rates[LEARN_N], const char *shared_name,
    char **cause)
{
	p->local.pace.hold_until = 0;
	for (int b = 0; b < LEARN_N; b++) {
		p->base[b] = rates[b];
		p->counted[b] = 0;
		p->rate[b] = -1;
		p->local.pace.tat[b] = 0;
		learn_init(&p->local.learn[b]);
	}
	p->out_avg = 0;
	rates_follow(p, &p->local, 0);
	p->shared = NULL;
	p->cluster = NULL;
	p->booked = 0;
	if (shared_name && sharedlimit_open(shared_name, &p->shared, cause) < 0)
		return -1;
	return 0;
}

int pacer_cluster(struct pacer *p, const char *url, const char *name, char **cause)
{
	return clusterlimit_open(url, name, &p->cluster, cause);
}

void pacer_close(struct pacer *p)
{
	sharedlimit_close(p->shared);
	p->shared = NULL;
	clusterlimit_close(p->cluster);
	p->cluster = NULL;
}

/* The cluster's word on a request at now (0 = a place is due); a hold it
 * reports holds this host too. */
static int64_t cluster_due(struct pacer *p, int64_t now)
{
	int64_t hold = 0;
	int64_t w = clusterlimit_due(p->cluster, p->rate[LEARN_REQUESTS], now, &hold);
	if (hold > now) {
		struct limit_state *st = state_lock(p);
		if (hold > st->pace.hold_until)
			st->pace.hold_until = hold;
		state_unlock(p);
	}
	return w;
}

/* In the slow start the rate doubles every 10 to 100 ms, so a wait worked
 * out at the rate of now is asked again after at most PACE_RECHECK, and the
 * requests sent at the lower rates before owe no more than a burst at the
 * rate of now: the debt they left (the TAT ahead of now, at their longer
 * intervals) would hold the sending back long after the rate moved on. A
 * clamp, not a rescale: every worker sharing the state may apply it. */
#define PACE_RECHECK (10 * 1000000LL)
static void slow_catch_up(const struct pacer *p, struct pace_state *st, int64_t now)
{
	const struct gcra *g = &p->g[LEARN_REQUESTS];
	int64_t most = now + (int64_t)g->tolerance_ns;
	if (g->interval_ns > 0 && st->tat[LEARN_REQUESTS] > most)
		st->tat[LEARN_REQUESTS] = most;
}

int64_t pacer_take(struct pacer *p, int64_t now, double cost[LEARN_N])
{
	for (int b = 0; b < LEARN_N; b++)
		if (cost[b] < 0)
			cost[b] = p->out_avg;
	/* The cluster first: a request it does not allow yet books nothing
	 * here. With no request rate there is nothing to share. */
	int clustered = p->cluster && p->rate[LEARN_REQUESTS] > 0;
	if (clustered) {
		int64_t w = cluster_due(p, now);
		if (w > 0)
			return w;
	}
	struct limit_state *st = state_lock(p);
	rates_follow(p, st, now);
	int64_t w;
	if (p->booked > now) {
		w = p->booked - now;
	} else if (p->booked) {
		/* Our place has come: it was charged for booked_cost, the
		 * request now sent may cost another estimate. */
		w = hold_wait(&st->pace, now);
		if (w == 0) {
			for (int b = 0; b < LEARN_N; b++)
				gcra_adjust(&p->g[b], &st->pace.tat[b], now, cost[b] - p->booked_cost[b]);
			p->booked = 0;
		}
	} else if (p->moving) {
		/* The rate is being found: a place booked at it would come
		 * after the rate moved on (the slow start doubles every
		 * 10 to 100 ms), and what the API took would read low. */
		if (p->starting)
			slow_catch_up(p, &st->pace, now);
		w = pace_take(&st->pace, p->g, now, cost);
		/* A hold is the API's word: waited out whole. */
		if (p->starting && w > PACE_RECHECK && st->pace.hold_until <= now)
			w = PACE_RECHECK;
	} else {
		w = pace_reserve(&st->pace, p->g, now, cost);
		if (w > 0 && st->pace.hold_until <= now) {
			p->booked = now + w;
			memcpy(p->booked_cost, cost, sizeof p->booked_cost);
		}
	}
	state_unlock(p);
	if (w == 0 && clustered)
		clusterlimit_spend(p->cluster);
	return w;
}

void pacer_adjust(struct pacer *p, int64_t now, enum learn_budget b, double estimate,
    double real)
{
	/* Output tokens are known only afterwards: their estimate is the
	 * recent average (the last twenty answers weigh most). */
	if (b == LEARN_OUTPUT)
		p->out_avg = p->out_avg > 0 ? p->out_avg + (real - p->out_avg) / 20 : real;
	struct limit_state *st = state_lock(p);
	gcra_adjust(&p->g[b], &st->pace.tat[b], now, real - estimate);
	state_unlock(p);
}

void pacer_hold(struct pacer *p, int64_t until)
{
	int64_t now = clock_mono_ns();
	struct limit_state *st = state_lock(p);
	if (until > st->pace.hold_until)
		st->pace.hold_until = until;
	for (int b = 0; b < LEARN_N; b++)
		learn_hold(&st->learn[b], now, until);
	state_unlock(p);
	if (p->cluster)
		clusterlimit_hold(p->cluster, until, now);
}

int64_t pacer_hold_until(struct pacer *p)
{
	struct limit_state *st = state_lock(p);
	int64_t h = st->pace.hold_until;
	state_unlock(p);
	return h;
}

int pacer_learn(struct pacer *p, const struct learn_obs obs[LEARN_N], int64_t now)
{
	struct limit_state *st = state_lock(p);
	rates_follow(p, st, now);
	int cut = 0;
	for (int b = 0; b < LEARN_N; b++) {
		int c = learn_observe(&st->learn[b], &obs[b], p->rate[b], now);
		if (b == LEARN_REQUESTS)
			cut = c;
	}
	rates_follow(p, st, now);
	state_unlock(p);
	return cut;
}

void pacer_view(struct pacer *p, int64_t now, struct pacer_view *v)
{
	struct limit_state *st = state_lock(p);
	rates_follow(p, st, now);
	/* A slow start says nothing yet (it doubles until a 429): shown as
	 * no limit. */
	v->rpm = p->base[LEARN_REQUESTS] > 0 || learn_known(&st->learn[LEARN_REQUESTS], now) ?
	    p->rate[LEARN_REQUESTS] : 0;
	v->tpm = p->rate[LEARN_TOKENS];
	v->learned_rpm = learn_rate(&st->learn[LEARN_REQUESTS], now);
	v->learned_tpm = learn_rate(&st->learn[LEARN_TOKENS], now);
	v->api_rpm = st->learn[LEARN_REQUESTS].advertised;
	v->api_tpm = st->learn[LEARN_TOKENS].advertised;
	state_unlock(p);
}
