/* A worker's slice of the cluster's request schedule (see clusterslice.h). */
#include "clusterslice.h"

#include <math.h>

#define MS 1000000LL

int cslice_want(struct cslice *s, int64_t now, int64_t interval)
{
	if (s->measure_at == 0) {
		s->measure_at = now;
		s->spent_at = s->spent;
	} else if (now - s->measure_at >= CSLICE_MEASURE_MS * MS) {
		double sample = (double)(s->spent - s->spent_at) * 1e9 / (double)(now - s->measure_at);
		s->pace = s->measured ? (s->pace + sample) / 2 : sample;
		s->measured = 1;
		s->measure_at = now;
		s->spent_at = s->spent;
	}
	double want = interval > 0 ? floor((double)CSLICE_SHARE_MS * MS / (double)interval) : 1;
	if (s->measured) {
		double own = ceil(s->pace * CSLICE_WORK_MS / 1000);
		if (own < want)
			want = own;
	}
	if (want > 10000)
		want = 10000;
	return want < 1 ? 1 : (int)want;
}

void cslice_grant(struct cslice *s, int n, int64_t first, int64_t interval)
{
	if (n < 0)
		n = 0;
	if (s->left > 0 && s->interval == interval) {
		s->next_n = n;
		s->next_at = first;
		return;
	}
	s->left = s->granted = n;
	s->at = first;
	s->interval = interval;
	s->next_n = 0;
}

int cslice_ahead(const struct cslice *s)
{
	return s->left > 0 && s->next_n == 0 && s->left * 2 <= s->granted + 1;
}

/* Gives up the places of the slice in use more than CSLICE_STALE_MS old. */
static void drop_stale(struct cslice *s, int64_t now)
{
	while (s->left > 0 && now - s->at > CSLICE_STALE_MS * MS) {
		s->at += s->interval;
		s->left--;
	}
}

int64_t cslice_due(struct cslice *s, int64_t now)
{
	drop_stale(s, now);
	if (s->left == 0 && s->next_n > 0) {
		s->left = s->granted = s->next_n;
		s->at = s->next_at;
		s->next_n = 0;
		drop_stale(s, now);
	}
	if (s->left == 0)
		return -1;
	return s->at <= now ? 0 : s->at - now;
}

void cslice_spend(struct cslice *s)
{
	if (s->left == 0)
		return;
	s->left--;
	s->at += s->interval;
	s->spent++;
}
