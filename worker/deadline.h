/* A named wait of the worker (pacing, retries, leases, curl's timeout...) on
 * the event loop: armed, moved, read back and cleared, where the loop's own
 * timers are one-shot ids. It keeps the id of its pending loop timer. */
#ifndef PSUP_DEADLINE_H
#define PSUP_DEADLINE_H

#include <stdint.h>

#include "loop.h"

typedef void deadline_cb(void *arg);

struct deadline {
	struct loop *loop;
	deadline_cb *cb;
	void *arg;
	uint64_t id;            /* the pending loop timer, 0 when none */
	int64_t at_ns;          /* its deadline, 0 when disarmed */
};

/* Sets d up disarmed; cb(arg) runs from the loop when an armed d is due. */
void deadline_init(struct deadline *d, struct loop *l, deadline_cb *cb, void *arg);
/* Arms d for at_ns (CLOCK_MONOTONIC ns, clock_mono_ns(); a past deadline
 * fires on the next pass), replacing its earlier deadline; at_ns <= 0
 * disarms. */
void deadline_arm(struct deadline *d, int64_t at_ns);
/* The armed deadline, 0 when disarmed or once it fired. */
int64_t deadline_at(const struct deadline *d);

#endif
