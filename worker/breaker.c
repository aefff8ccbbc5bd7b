/* The circuit breaker's lifecycle (see breaker.h). */
#include "breaker.h"

void breaker_init(struct breaker *b, int64_t cooldown_ns, int threshold)
{
	b->state = BREAKER_CLOSED;
	b->fails = 0;
	b->threshold = threshold;
	b->until = 0;
	b->cooldown = cooldown_ns;
	b->down_since = 0;
}

static int open_at(struct breaker *b, int64_t now)
{
	if (b->state == BREAKER_CLOSED)
		b->down_since = now;
	b->state = BREAKER_OPEN;
	b->until = now + b->cooldown;
	b->fails = 0;
	return BREAKER_A_OPENED;
}

int breaker_step(struct breaker *b, enum breaker_event ev, int64_t now)
{
	if (b->state == BREAKER_OUT)
		return 0;
	if (ev == BREAKER_FATAL) {
		b->state = BREAKER_OUT;
		return BREAKER_A_OUT;
	}
	switch (b->state) {
	case BREAKER_CLOSED:
		if (ev == BREAKER_OK)
			b->fails = 0;
		else if (ev == BREAKER_FAIL && ++b->fails >= b->threshold)
			return open_at(b, now);
		return 0;
	case BREAKER_OPEN:
		/* Answers to requests sent before it opened change nothing:
		 * only the probe decides. */
		if (ev == BREAKER_SEND && now >= b->until) {
			b->state = BREAKER_HALF_OPEN;
			return BREAKER_A_PROBE;
		}
		return 0;
	case BREAKER_HALF_OPEN:
		if (ev == BREAKER_OK) {
			b->state = BREAKER_CLOSED;
			b->fails = 0;
			return BREAKER_A_CLOSED;
		}
		if (ev == BREAKER_FAIL)
			return open_at(b, now);
		return 0;
	case BREAKER_OUT:
		break;
	}
	return 0;
}

int breaker_usable(const struct breaker *b, int64_t now)
{
	return b->state == BREAKER_CLOSED || (b->state == BREAKER_OPEN && now >= b->until);
}

int64_t breaker_down_for(const struct breaker *b, int64_t now)
{
	if (b->state != BREAKER_OPEN && b->state != BREAKER_HALF_OPEN)
		return 0;
	return now > b->down_since ? now - b->down_since : 0;
}

const char *breaker_state_name(enum breaker_state s)
{
	static const char *const names[] = { "up", "resting", "probing", "out" };
	return names[s];
}
