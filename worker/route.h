/* Which endpoint an item goes to: pure. Among the endpoints that can take
 * a request now, the best priority first (1 before 2); within one priority
 * the one furthest behind its share, a share being its weight times its
 * requests-per-minute limit (learned or configured) when every endpoint of
 * that priority has one, else its weight. So two keys of 600 rpm each take
 * half the items and together send 1,200 a minute; their own pacers keep
 * each at its limit, and a lower priority gets items only while the higher
 * ones are paced, full or down. Endpoints the item already failed on come
 * last. */
#ifndef PSUP_ROUTE_H
#define PSUP_ROUTE_H

#include <stdint.h>

struct route_ep {
	int usable;              /* in rotation (its breaker lets a request go) */
	int full;                /* its requests in flight are at its cap */
	int priority;            /* 1 first */
	int weight;              /* >= 1 */
	double limit;            /* requests per minute, 0 = none known */
	double sent;             /* requests it was given */
};

/* Fills order[] (room for n) with the endpoints to try, best first: usable
 * and not full. avoid has bit i set for an endpoint the item failed on.
 * Returns how many. */
int route_order(const struct route_ep *eps, int n, uint32_t avoid, int order[]);

/* The sent count that puts endpoint i level with the others of its
 * priority (for one coming back into rotation: it should not get every
 * item until it catches up). */
double route_level(const struct route_ep *eps, int n, int i);

#endif
