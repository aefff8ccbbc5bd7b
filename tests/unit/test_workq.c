/* The ready FIFO and the retry heap. */
#include "tap.h"
#include "workq.h"

int main(void)
{
	struct workq q;
	struct workq_node n[64];
	workq_init(&q);
	ok(workq_pop(&q) == NULL && workq_wait_pop(&q) == NULL, "empty queues give NULL");
	for (int i = 0; i < 3; i++)
		workq_push(&q, &n[i]);
	workq_push_front(&q, &n[3]);
	is_int(q.n_ready, 4, "four ready");
	ok(workq_pop(&q) == &n[3], "push_front goes first");
	ok(workq_pop(&q) == &n[0] && workq_pop(&q) == &n[1] && workq_pop(&q) == &n[2], "then FIFO order");
	ok(workq_peek(&q) == NULL && q.tail == NULL, "empty again");
	workq_push_front(&q, &n[4]);
	workq_push(&q, &n[5]);
	ok(workq_pop(&q) == &n[4] && workq_pop(&q) == &n[5], "push_front on empty, then push");

	/* Taking the tail: none, some, all. */
	ok(workq_take_tail(&q, 3) == NULL, "nothing to take from an empty queue");
	for (int i = 0; i < 5; i++)
		workq_push(&q, &n[i]);
	ok(workq_take_tail(&q, 0) == NULL && q.n_ready == 5, "taking 0 takes nothing");
	struct workq_node *t = workq_take_tail(&q, 2);
	ok(t == &n[3] && t->next == &n[4] && n[4].next == NULL, "the last two, in order");
	ok(q.n_ready == 3 && q.tail == &n[2] && n[2].next == NULL, "three left, ending at the third");
	workq_push(&q, &n[5]);
	ok(q.n_ready == 4 && n[2].next == &n[5], "a push after goes behind them");
	t = workq_take_tail(&q, 9);
	ok(t == &n[0] && q.n_ready == 0 && q.head == NULL && q.tail == NULL,
	    "taking more than there are takes all");
	int len = 0;
	for (; t; t = t->next)
		len++;
	is_int(len, 4, "all four, linked");

	/* Heap: pseudo-random dues come out sorted. */
	unsigned x = 12345;
	for (int i = 0; i < 64; i++) {
		x = x * 1103515245u + 12345u;
		workq_wait(&q, &n[i], (int64_t)(x % 1000));
	}
	int64_t last = -1;
	int sorted = 1, count = 0;
	struct workq_node *m;
	while ((m = workq_wait_pop(&q))) {
		if (m->due < last)
			sorted = 0;
		if (m->heap_idx != -1)
			sorted = 0;
		last = m->due;
		count++;
	}
	ok(sorted && count == 64, "64 dues come out in order (%d)", count);
	workq_wait(&q, &n[0], 50);
	workq_wait(&q, &n[1], 10);
	ok(workq_wait_peek(&q) == &n[1], "peek shows the earliest");
	workq_free(&q);
	return done_testing();
}
