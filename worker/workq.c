/* Ready FIFO and retry heap for claimed items. */
#include "workq.h"

#include <stdlib.h>

#include "xalloc.h"

void workq_init(struct workq *q)
{
	q->head = q->tail = NULL;
	q->n_ready = 0;
	q->heap = NULL;
	q->n_heap = q->cap_heap = 0;
}

void workq_free(struct workq *q)
{
	free(q->heap);
	workq_init(q);
}

void workq_push(struct workq *q, struct workq_node *n)
{
	n->next = NULL;
	if (q->tail)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
	q->n_ready++;
}

void workq_push_front(struct workq *q, struct workq_node *n)
{
	n->next = q->head;
	q->head = n;
	if (!q->tail)
		q->tail = n;
	q->n_ready++;
}

struct workq_node *workq_peek(const struct workq *q)
{
	return q->head;
}

struct workq_node *workq_pop(struct workq *q)
{
	struct workq_node *n = q->head;
	if (!n)
		return NULL;
	q->head = n->next;
	if (!q->head)
		q->tail = NULL;
	n->next = NULL;
	q->n_ready--;
	return n;
}

struct workq_node *workq_take_tail(struct workq *q, int n)
{
	if (n <= 0 || !q->head)
		return NULL;
	if (n >= q->n_ready) {
		struct workq_node *all = q->head;
		q->head = q->tail = NULL;
		q->n_ready = 0;
		return all;
	}
	struct workq_node *last = q->head; /* the last node kept */
	for (int i = 1; i < q->n_ready - n; i++)
		last = last->next;
	struct workq_node *taken = last->next;
	last->next = NULL;
	q->tail = last;
	q->n_ready -= n;
	return taken;
}

static void heap_set(struct workq *q, int i, struct workq_node *n)
{
	q->heap[i] = n;
	n->heap_idx = i;
}

void workq_wait(struct workq *q, struct workq_node *n, int64_t due)
{
	if (q->n_heap == q->cap_heap) {
		q->cap_heap = q->cap_heap ? q->cap_heap * 2 : 64;
		q->heap = xreallocarray(q->heap, (size_t)q->cap_heap, sizeof *q->heap);
	}
	n->due = due;
	int i = q->n_heap++;
	while (i > 0) {
		int parent = (i - 1) / 2;
		if (q->heap[parent]->due <= due)
			break;
		heap_set(q, i, q->heap[parent]);
		i = parent;
	}
	heap_set(q, i, n);
}

struct workq_node *workq_wait_peek(const struct workq *q)
{
	return q->n_heap ? q->heap[0] : NULL;
}

struct workq_node *workq_wait_pop(struct workq *q)
{
	if (!q->n_heap)
		return NULL;
	struct workq_node *top = q->heap[0];
	struct workq_node *last = q->heap[--q->n_heap];
	if (q->n_heap) {
		int i = 0;
		for (;;) {
			int l = 2 * i + 1, r = l + 1, m = i;
			int64_t md = last->due;
			if (l < q->n_heap && q->heap[l]->due < md) {
				m = l;
				md = q->heap[l]->due;
			}
			if (r < q->n_heap && q->heap[r]->due < md)
				m = r;
			if (m == i)
				break;
			heap_set(q, i, q->heap[m]);
			i = m;
		}
		heap_set(q, i, last);
	}
	top->heap_idx = -1;
	return top;
}
