/* The job store link's lifecycle (see storelink.h). */
#include "storelink.h"

#include "backoff.h"

#include <string.h>

static void go_away(struct storelink *l, int64_t since, struct storelink_actions *a)
{
	if (l->away)
		return;
	l->away = 1;
	l->away_since = since;
	a->say_away = 1;
}

void storelink_step(struct storelink *l, enum storelink_event ev, int64_t now,
    int64_t oldest, struct storelink_actions *a)
{
	memset(a, 0, sizeof *a);
	switch (ev) {
	case STORELINK_OK:
		l->lost = 0;
		if (l->away) {
			l->away = 0;
			a->say_back = 1;
			a->away_ns = now - l->away_since;
		}
		return;
	case STORELINK_LOST:
		go_away(l, now, a);
		l->lost++;
		a->retry_at = now + backoff_cap_ms(l->lost, STORELINK_RETRY_MIN_MS,
		    STORELINK_RETRY_MAX_MS) * 1000000;
		break;
	case STORELINK_TICK:
		if (oldest > 0 && now - oldest >= STORELINK_STALL_NS && !l->away) {
			go_away(l, oldest, a);
			a->stalled = 1;
		}
		break;
	}
	a->give_up = l->away && now - l->away_since > STORELINK_GIVE_UP_NS;
}
