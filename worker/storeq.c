/* The job store's thread (see storeq.h). The loop and the thread share
 * only the two lists, under one mutex; a call belongs to the thread from
 * storeq_send until the loop takes it off the done list. */
#include "storeq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bgthread.h"
#include "clock.h"
#include "loop.h"
#include "xalloc.h"

struct storeq_call *storeq_call_new(enum storeq_op op, storeq_done_cb *cb, void *arg)
{
	struct storeq_call *c = xcalloc(1, sizeof *c);
	c->op = op;
	c->cb = cb;
	c->arg = arg;
	return c;
}

void storeq_call_free(struct storeq_call *c)
{
	if (c) {
		store_items_free(c->items, c->n_items);
		free(c->res);
		free(c->cause);
		free(c);
	}
}

static int spend_cb(const struct store_spend *sp, void *arg, char **cause)
{
	(void)cause;
	struct storeq_spend *sum = arg;
	sum->cost += sp->cost;
	sum->tokens += sp->tokens;
	sum->items += sp->items;
	return 0;
}

static void call_run(struct storeq *q, struct storeq_call *c)
{
	struct store *s = q->store;
	switch (c->op) {
	case STOREQ_CLAIM:
		c->rc = store_claim(s, q->owner, c->max, c->lease_ms, &c->items, &c->n_items,
		    &c->cause);
		break;
	case STOREQ_RENEW:
		c->rc = store_renew(s, q->owner, c->lease_ms, &c->cause);
		break;
	case STOREQ_FINISH:
		c->rc = store_finish(s, q->owner, c->res, c->n_res, &c->stale, &c->cause);
		break;
	case STOREQ_COUNTS:
		c->rc = store_counts(s, &c->counts, &c->cause);
		break;
	case STOREQ_RELEASE: {
		const char **ids = NULL;
		int *attempts = NULL;
		if (c->n_items > 0) {
			ids = xcalloc((size_t)c->n_items, sizeof *ids);
			attempts = xcalloc((size_t)c->n_items, sizeof *attempts);
			for (int i = 0; i < c->n_items; i++) {
				ids[i] = c->items[i].id;
				attempts[i] = c->items[i].attempts;
			}
		}
		c->rc = store_release(s, q->owner, ids, attempts, c->n_items, &c->cause);
		free(ids);
		free(attempts);
		break;
	}
	case STOREQ_SPEND:
		c->rc = store_spend(s, spend_cb, &c->spend, &c->cause);
		break;
	}
	c->lost = c->rc < 0 && store_lost(s);
}

static void append(struct storeq_call **head, struct storeq_call **tail, struct storeq_call *c)
{
	c->next = NULL;
	if (*tail)
		(*tail)->next = c;
	else
		*head = c;
	*tail = c;
}

static void *thread_main(void *arg)
{
	struct storeq *q = arg;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->stop && !q->todo)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->stop)
			break;
		struct storeq_call *c = q->todo;
		q->todo = c->next;
		if (!q->todo)
			q->todo_tail = NULL;
		q->busy = c;
		pthread_mutex_unlock(&q->mu);
		call_run(q, c);
		pthread_mutex_lock(&q->mu);
		q->busy = NULL;
		append(&q->done, &q->done_tail, c);
		/* A full counter (never, at 2^64) or a closed fd: the loop
		 * finds the call on its next wake-up anyway. */
		uint64_t one = 1;
		if (write(q->efd, &one, sizeof one) < 0 && errno != EAGAIN)
			q->stop = 1;
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Hands every answered call back, in order. */
static void deliver(struct storeq *q)
{
	pthread_mutex_lock(&q->mu);
	struct storeq_call *c = q->done;
	q->done = q->done_tail = NULL;
	pthread_mutex_unlock(&q->mu);
	while (c) {
		struct storeq_call *next = c->next;
		q->n--;
		c->cb(c, c->arg);
		c = next;
	}
}

static void efd_cb(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	(void)events;
	uint64_t v;
	while (read(fd, &v, sizeof v) == (ssize_t)sizeof v)
		;
	deliver(arg);
}

static void storeq_free(struct storeq *q)
{
	free(q->owner);
	free(q);
}

struct storeq *storeq_start(struct loop *l, struct store *s, const char *owner,
    char **cause)
{
	struct storeq *q = xcalloc(1, sizeof *q);
	q->store = s;
	q->owner = xstrdup(owner);
	q->loop = l;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		fail(cause, "eventfd: %s", strerror(errno));
		storeq_free(q);
		return NULL;
	}
	if (loop_fd_add(l, q->efd, LOOP_READ, efd_cb, q, cause) < 0) {
		close(q->efd);
		storeq_free(q);
		return NULL;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	int rc = bgthread_start(&q->thread, thread_main, q);
	if (rc != 0) {
		loop_fd_del(l, q->efd);
		close(q->efd);
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->cv);
		fail(cause, "cannot start the job store thread: %s", strerror(rc));
		storeq_free(q);
		return NULL;
	}
	return q;
}

int storeq_send(struct storeq *q, struct storeq_call *c)
{
	/* stop is the loop's own write: no lock needed to read it here. */
	if (q->stop || q->n >= STOREQ_MAX)
		return -1;
	c->sent_ns = clock_mono_ns();
	q->n++;
	pthread_mutex_lock(&q->mu);
	append(&q->todo, &q->todo_tail, c);
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

int64_t storeq_oldest(struct storeq *q)
{
	if (!q)
		return 0;
	pthread_mutex_lock(&q->mu);
	const struct storeq_call *c = q->busy ? q->busy : q->todo;
	int64_t at = c ? c->sent_ns : 0;
	pthread_mutex_unlock(&q->mu);
	return at;
}

int storeq_pending(const struct storeq *q)
{
	return q ? q->n : 0;
}

int storeq_stop(struct storeq *q, int64_t wait_ms)
{
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	if (bgthread_join(q->thread, wait_ms) < 0)
		return -1;
	loop_fd_del(q->loop, q->efd);
	close(q->efd);
	deliver(q);
	struct storeq_call *c = q->todo;
	q->todo = q->todo_tail = NULL;
	while (c) {
		struct storeq_call *next = c->next;
		q->n--;
		c->dropped = 1;
		c->cb(c, c->arg);
		c = next;
	}
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	storeq_free(q);
	return 0;
}
