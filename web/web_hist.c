/* Progress history rings (see web_hist.h). */
#include "web_hist.h"

#include "web_prom.h"

const struct hist_pt *hist_at(const struct hist *h, int i)
{
	int first = (h->head - h->n + WEB_HIST_N) % WEB_HIST_N;
	return &h->pts[(first + i) % WEB_HIST_N];
}

int hist_add(struct hist *h, const struct hist_pt *p)
{
	if (h->n > 0) {
		const struct hist_pt *last = hist_at(h, h->n - 1);
		if (p->at >= last->at && p->at < last->at + WEB_HIST_STEP_MS)
			return 0;
		if (p->at < last->at)
			h->n = 0;       /* the clock went back: start over */
	}
	h->pts[h->head] = *p;
	h->head = (h->head + 1) % WEB_HIST_N;
	if (h->n < WEB_HIST_N)
		h->n++;
	return 1;
}

static void series(const struct hist *h, int from, struct buf *b, const char *key, int which)
{
	buf_printf(b, ",\"%s\":[", key);
	for (int i = from; i < h->n; i++) {
		const struct hist_pt *p = hist_at(h, i);
		double v = which == 0 ? (double)p->at : which == 1 ? p->done : which == 2 ? p->failed
		    : which == 3 ? p->total : p->rate;
		if (i > from)
			buf_addc(b, ',');
		if (which == 4 && v < 0)
			buf_puts(b, "null");
		else
			prom_value(b, v);
	}
	buf_addc(b, ']');
}

void hist_json(const struct hist *h, int64_t now, struct buf *b)
{
	int from = 0;
	while (from < h->n && hist_at(h, from)->at <= now - WEB_HIST_SPAN_MS)
		from++;
	buf_printf(b, "{\"step_ms\":%d", WEB_HIST_STEP_MS);
	series(h, from, b, "t", 0);
	series(h, from, b, "done", 1);
	series(h, from, b, "failed", 2);
	series(h, from, b, "total", 3);
	series(h, from, b, "rate", 4);
	buf_addc(b, '}');
}
