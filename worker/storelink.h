/* The worker's link to its job store: reachable, unreachable, back. One
 * pure function of (state, event, now) returning what to do: when to say
 * the store went away and came back, when to try a lost call again
 * (backoff), when to give up. run_store.c carries the actions out. */
#ifndef PSUP_STORELINK_H
#define PSUP_STORELINK_H

#include <stdint.h>

/* A call unanswered this long means the store is unreachable (a normal
 * call takes milliseconds; a loaded server a second). */
#define STORELINK_STALL_NS (3000LL * 1000000LL)
/* Lost calls are tried again after 250 ms, doubling up to 5 s (no jitter:
 * one worker's calls, and the server's connect limit is not at stake). */
#define STORELINK_RETRY_MIN_MS 250
#define STORELINK_RETRY_MAX_MS 5000
/* Away this long, the worker gives up (psup restarts it). */
#define STORELINK_GIVE_UP_NS (15LL * 60 * 1000 * 1000000LL)

enum storelink_event {
	STORELINK_OK,      /* a call was answered (success or the store's own error) */
	STORELINK_LOST,    /* a call failed: the server could not be reached */
	STORELINK_TICK,    /* a check: oldest is when the oldest call still
	                    * unanswered was sent, 0 when none is */
};

struct storelink {
	int away;
	int64_t away_since;
	int lost;               /* lost calls in a row */
};

struct storelink_actions {
	int say_away;           /* log that the store became unreachable */
	int stalled;            /* ... because a call went unanswered (else lost) */
	int say_back;           /* log that it is back, after away_ns */
	int64_t away_ns;
	int64_t retry_at;       /* LOST: try the call again at this time */
	int give_up;            /* away longer than STORELINK_GIVE_UP_NS */
};

/* A link starts reachable: zero it. */
void storelink_step(struct storelink *l, enum storelink_event ev, int64_t now,
    int64_t oldest, struct storelink_actions *a);

#endif
