/* A run's request counts (see runstats.h). */
#include "runstats.h"

#include <math.h>

enum runstats_class runstats_class(long status)
{
	if (status == 429)
		return RUNSTATS_429;
	if (status >= 200 && status < 300)
		return RUNSTATS_2XX;
	if (status >= 400 && status < 500)
		return RUNSTATS_4XX;
	if (status >= 500 && status < 600)
		return RUNSTATS_5XX;
	return RUNSTATS_OTHER;
}

void runstats_note(struct runstats *s, long status, int64_t latency_ms, const struct outcome *o)
{
	s->req[runstats_class(status)]++;
	latency_add(&s->lat, latency_ms);
	if (!o)
		return;
	if (o->kind == OUTCOME_RETRY)
		s->retries++;
	long long in = o->have_tokens[USAGE_INPUT] ? o->tokens[USAGE_INPUT] : 0;
	long long out = o->have_tokens[USAGE_OUTPUT] ? o->tokens[USAGE_OUTPUT] : 0;
	s->tokens_in += in;
	s->tokens_out += out;
	s->tokens += o->have_tokens[USAGE_ALL] ? o->tokens[USAGE_ALL] : in + out;
}

void runstats_add_cost(struct runstats *s, double usd)
{
	if (usd > 0 && isfinite(usd))
		s->cost_usd += usd;
}

static void put(struct progress *p, enum progress_stat k, long long v)
{
	p->stat[k] = v < 0 ? 0 : v;
	p->stat_have |= 1u << k;
}

void runstats_report(const struct runstats *s, struct progress *p)
{
	static const enum progress_stat cls[RUNSTATS_CLASSES] = {
		[RUNSTATS_2XX] = PROGRESS_STAT_REQ_2XX, [RUNSTATS_4XX] = PROGRESS_STAT_REQ_4XX,
		[RUNSTATS_429] = PROGRESS_STAT_REQ_429, [RUNSTATS_5XX] = PROGRESS_STAT_REQ_5XX,
		[RUNSTATS_OTHER] = PROGRESS_STAT_REQ_OTHER,
	};
	p->stat_have = 0;
	if (s->lat.n == 0)
		return;
	for (int c = 0; c < RUNSTATS_CLASSES; c++)
		put(p, cls[c], s->req[c]);
	put(p, PROGRESS_STAT_RETRIES, s->retries);
	put(p, PROGRESS_STAT_LAT_SUM_MS, s->lat.sum_ms);
	put(p, PROGRESS_STAT_LAT_P50_MS, latency_quantile(&s->lat, 0.50));
	put(p, PROGRESS_STAT_LAT_P95_MS, latency_quantile(&s->lat, 0.95));
	put(p, PROGRESS_STAT_LAT_P99_MS, latency_quantile(&s->lat, 0.99));
	put(p, PROGRESS_STAT_TOKENS, s->tokens);
	if (s->tokens_in || s->tokens_out) {
		put(p, PROGRESS_STAT_TOKENS_IN, s->tokens_in);
		put(p, PROGRESS_STAT_TOKENS_OUT, s->tokens_out);
	}
	if (s->cost_usd > 0)
		put(p, PROGRESS_STAT_COST_UUSD, llround(s->cost_usd * 1e6));
}
