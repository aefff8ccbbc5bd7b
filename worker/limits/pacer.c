/* The pacer: both GCRAs must allow a request before either is charged, so
 * a tpm wait never burns rpm budget. */
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

static void rates_set(struct pacer *p)
{
	/* Bursts: two requests (so a late timer loses nothing) or 50 ms worth,
	 * and a tenth of a second of tokens. Small bursts keep the API's own
	 * limiter from seeing a spike. */
	double rpm = p->rpm_base * p->factor, tpm = p->tpm_base * p->factor;
	double rpm_burst = rpm / 60 / 20;
	gcra_init(&p->rpm, rpm, rpm_burst > 2 ? rpm_burst : 2);
	gcra_init(&p->tpm, tpm, tpm / 60 / 10 > 1 ? tpm / 60 / 10 : 1);
}

int pacer_init(struct pacer *p, double rpm, double tpm, const char *shared_name, char **cause)
{
	p->rpm_base = rpm;
	p->tpm_base = tpm;
	p->factor = 1;
	rates_set(p);
	p->local.rpm_tat = p->local.tpm_tat = p->local.hold_until = 0;
	p->shared = NULL;
	if (shared_name && sharedlimit_open(shared_name, &p->shared, cause) < 0)
		return -1;
	return 0;
}

void pacer_scale(struct pacer *p, double factor)
{
	if (factor <= 0 || factor > 1)
		factor = 1;
	p->factor = factor;
	rates_set(p);
}

void pacer_close(struct pacer *p)
{
	sharedlimit_close(p->shared);
	p->shared = NULL;
}

int64_t pacer_take(struct pacer *p, int64_t now, double cost)
{
	if (p->shared)
		return sharedlimit_take(p->shared, &p->rpm, &p->tpm, now, cost);
	return pace_take(&p->local, &p->rpm, &p->tpm, now, cost);
}

void pacer_adjust(struct pacer *p, int64_t now, double delta_tokens)
{
	if (p->shared)
		sharedlimit_adjust(p->shared, &p->tpm, now, delta_tokens);
	else
		gcra_adjust(&p->tpm, &p->local.tpm_tat, now, delta_tokens);
}

void pacer_hold(struct pacer *p, int64_t until)
{
	if (p->shared)
		sharedlimit_hold(p->shared, until);
	else if (until > p->local.hold_until)
		p->local.hold_until = until;
}

int64_t pacer_hold_until(struct pacer *p)
{
	return p->shared ? sharedlimit_hold_until(p->shared) : p->local.hold_until;
}
