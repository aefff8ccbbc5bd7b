/* Bounded keeper launches: a FIFO of items waiting and the few launched. */
#include "launchq.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

void launchq_init(struct launchq *q, int max_busy)
{
	memset(q, 0, sizeof *q);
	q->max_busy = max_busy > 0 ? max_busy : 1;
	q->busy = xcalloc((size_t)q->max_busy, sizeof *q->busy);
}

void launchq_free(struct launchq *q)
{
	free(q->wait);
	free(q->busy);
	memset(q, 0, sizeof *q);
}

int launchq_waiting(const struct launchq *q, const void *item)
{
	for (int i = q->head; i < q->len; i++)
		if (q->wait[i] == item)
			return 1;
	return 0;
}

int launchq_busy(const struct launchq *q, const void *item)
{
	for (int i = 0; i < q->nbusy; i++)
		if (q->busy[i] == item)
			return 1;
	return 0;
}

void launchq_add(struct launchq *q, void *item)
{
	if (!item || launchq_busy(q, item) || launchq_waiting(q, item))
		return;
	if (q->head > 0 && q->head == q->len) {
		q->head = q->len = 0;       /* drained: start over at the front */
	}
	if (q->len == q->cap) {
		/* reclaim the taken front before growing */
		if (q->head > 0) {
			memmove(q->wait, q->wait + q->head, (size_t)(q->len - q->head) * sizeof *q->wait);
			q->len -= q->head;
			q->head = 0;
		}
		if (q->len == q->cap) {
			q->cap = q->cap ? q->cap * 2 : 64;
			q->wait = xreallocarray(q->wait, (size_t)q->cap, sizeof *q->wait);
		}
	}
	q->wait[q->len++] = item;
}

void *launchq_take(struct launchq *q)
{
	while (q->head < q->len && !q->wait[q->head])
		q->head++;
	if (q->head == q->len || q->nbusy >= q->max_busy)
		return NULL;
	void *item = q->wait[q->head++];
	q->busy[q->nbusy++] = item;
	return item;
}

int launchq_forget(struct launchq *q, void *item)
{
	for (int i = q->head; i < q->len; i++)
		if (q->wait[i] == item)
			q->wait[i] = NULL;
	for (int i = 0; i < q->nbusy; i++)
		if (q->busy[i] == item) {
			q->busy[i] = q->busy[--q->nbusy];
			return 1;
		}
	return 0;
}

void launchq_settle(struct launchq *q, void *item, int done, int (*wanted)(void *item),
    void (*launch)(void *item))
{
	if (done)
		launchq_forget(q, item);
	if (q->pumping)
		return;
	q->pumping = 1;
	void *next;
	while ((next = launchq_take(q)) != NULL) {
		if (wanted(next))
			launch(next);
		else
			launchq_forget(q, next);
	}
	q->pumping = 0;
}
