/* Re-armable deadlines on the loop's one-shot ns timers. */
#include "deadline.h"

#include <stddef.h>

static void deadline_fire_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l;
	struct deadline *d = arg;
	if (id != d->id)
		return; /* replaced meanwhile (the loop drops those; be sure) */
	/* Disarmed before the callback, which may arm it again. */
	d->id = 0;
	d->at_ns = 0;
	d->cb(d->arg);
}

void deadline_init(struct deadline *d, struct loop *l, deadline_cb *cb, void *arg)
{
	d->loop = l;
	d->cb = cb;
	d->arg = arg;
	d->id = 0;
	d->at_ns = 0;
}

void deadline_arm(struct deadline *d, int64_t at_ns)
{
	if (at_ns <= 0) {
		if (d->id)
			loop_timer_del(d->loop, d->id);
		d->id = 0;
		d->at_ns = 0;
		return;
	}
	if (d->id && d->at_ns == at_ns)
		return;
	if (d->id)
		loop_timer_del(d->loop, d->id);
	d->id = loop_timer_at_ns(d->loop, at_ns, deadline_fire_cb, d);
	d->at_ns = at_ns;
}

int64_t deadline_at(const struct deadline *d)
{
	return d->at_ns;
}
