/* The worker's in-memory queues of claimed items: a FIFO of items ready to
 * send, and a min-heap of items waiting for their retry time. */
#ifndef PSUP_WORKQ_H
#define PSUP_WORKQ_H

#include <stddef.h>
#include <stdint.h>

struct workq_node {
	struct workq_node *next; /* FIFO link */
	int64_t due;             /* heap key (ns) */
	int heap_idx;            /* -1 when not in the heap */
};

struct workq {
	struct workq_node *head, *tail;
	int n_ready;
	struct workq_node **heap;
	int n_heap, cap_heap;
};

void workq_init(struct workq *q);
void workq_free(struct workq *q);     /* frees the arrays, not the nodes */

void workq_push(struct workq *q, struct workq_node *n);       /* at the tail */
void workq_push_front(struct workq *q, struct workq_node *n);
struct workq_node *workq_peek(const struct workq *q);
struct workq_node *workq_pop(struct workq *q);
/* Takes the last n ready nodes (all when n is more), in order, linked by
 * next and ending in NULL; NULL when n <= 0 or none is ready. */
struct workq_node *workq_take_tail(struct workq *q, int n);

void workq_wait(struct workq *q, struct workq_node *n, int64_t due);
/* The earliest waiting node, or NULL. */
struct workq_node *workq_wait_peek(const struct workq *q);
struct workq_node *workq_wait_pop(struct workq *q);

#endif
