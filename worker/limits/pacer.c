/* The pacer: both GCRAs must allow a request before either is charged, so
 * a tpm wait never burns rpm budget. Every operation takes the state (the
 * shared page under its lock, or our own) the same way. */
#include "pacer.h"

#include <stddef.h>

#include "sharedlimit.h"

static void tat_sane(int64_t *tat, const struct gcra *g, int64_t now)
{
	if (*tat > now + gcra_horizon_ns(g))
		*tat = now;
}

int64_t pace_take(struct pace_state *st, const struct gcra *rpm, const struct gcra *tpm,
    int64_t now, double cost)
{
	if (st->hold_until > now) {
		/* A hold longer than an hour is a stale value, not an API's wish. */
		if (st->hold_until - now > 3600LL * 1000000000LL)
			st->hold_until = 0;
		else
			return st->hold_until - now;
	}
	tat_sane(&st->rpm_tat, rpm, now);
	tat_sane(&st->tpm_tat, tpm, now);
	int64_t w1 = gcra_wait(rpm, st->rpm_tat, now, 1);
	int64_t w2 = gcra_wait(tpm, st->tpm_tat, now, cost);
	if (w1 > 0 || w2 > 0)
		return w1 > w2 ? w1 : w2;
	gcra_take(rpm, &st->rpm_tat, now, 1);
	gcra_take(tpm, &st->tpm_tat, now, cost);
	return 0;
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

/* Sets the GCRAs to the rates of st at now. Bursts: two requests (so a
 * late timer loses nothing) or 50 ms worth, and a tenth of a second of
 * tokens. Small bursts keep the API's own limiter from seeing a spike. */
static void rates_follow(struct pacer *p, const struct limit_state *st, int64_t now)
{
	double rpm = capped(p->rpm_base, learn_rate(&st->req, now));
	/* Tokens are learned when the answers count them, or once a token
	 * limit's 429 cut them (then in the same estimates they are paced by). */
	int tokens = p->learn_tokens || st->tok.hi > 0;
	double tpm = tokens ? capped(p->tpm_base, learn_rate(&st->tok, now)) : p->tpm_base;
	if (rpm == p->rpm_now && tpm == p->tpm_now)
		return;
	p->rpm_now = rpm;
	p->tpm_now = tpm;
	double rpm_burst = rpm / 60 / 20;
	gcra_init(&p->rpm, rpm, rpm_burst > 2 ? rpm_burst : 2);
	gcra_init(&p->tpm, tpm, tpm / 60 / 10 > 1 ? tpm / 60 / 10 : 1);
}

int pacer_init(struct pacer *p, double rpm, double tpm, const char *shared_name, char **cause)
{
	p->rpm_base = rpm;
	p->tpm_base = tpm;
	p->learn_tokens = 0;
	p->local.pace.rpm_tat = p->local.pace.tpm_tat = p->local.pace.hold_until = 0;
	learn_init(&p->local.req);
	learn_init(&p->local.tok);
	p->rpm_now = p->tpm_now = -1;
	rates_follow(p, &p->local, 0);
	p->shared = NULL;
	if (shared_name && sharedlimit_open(shared_name, &p->shared, cause) < 0)
		return -1;
	return 0;
}

void pacer_close(struct pacer *p)
{
	sharedlimit_close(p->shared);
	p->shared = NULL;
}

int64_t pacer_take(struct pacer *p, int64_t now, double cost)
{
	struct limit_state *st = state_lock(p);
	rates_follow(p, st, now);
	int64_t w = pace_take(&st->pace, &p->rpm, &p->tpm, now, cost);
	state_unlock(p);
	return w;
}

void pacer_adjust(struct pacer *p, int64_t now, double delta_tokens)
{
	struct limit_state *st = state_lock(p);
	gcra_adjust(&p->tpm, &st->pace.tpm_tat, now, delta_tokens);
	state_unlock(p);
}

void pacer_hold(struct pacer *p, int64_t until)
{
	struct limit_state *st = state_lock(p);
	if (until > st->pace.hold_until)
		st->pace.hold_until = until;
	state_unlock(p);
}

int64_t pacer_hold_until(struct pacer *p)
{
	struct limit_state *st = state_lock(p);
	int64_t h = st->pace.hold_until;
	state_unlock(p);
	return h;
}

int pacer_learn(struct pacer *p, const struct learn_obs *req, const struct learn_obs *tok,
    int64_t now)
{
	struct limit_state *st = state_lock(p);
	rates_follow(p, st, now);
	int cut = learn_observe(&st->req, req, p->rpm_now, now);
	learn_observe(&st->tok, tok, p->tpm_now, now);
	rates_follow(p, st, now);
	state_unlock(p);
	return cut;
}

void pacer_view(struct pacer *p, int64_t now, struct pacer_view *v)
{
	struct limit_state *st = state_lock(p);
	rates_follow(p, st, now);
	v->rpm = p->rpm_now;
	v->tpm = p->tpm_now;
	v->learned_rpm = learn_rate(&st->req, now);
	v->learned_tpm = learn_rate(&st->tok, now);
	v->api_rpm = st->req.advertised;
	v->api_tpm = st->tok.advertised;
	state_unlock(p);
}
