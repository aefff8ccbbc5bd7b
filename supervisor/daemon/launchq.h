/* Bounded keeper launches (launchq.c): thousands of apps started at once
 * are launched a few dozen at a time, the next as each keeper answers or
 * fails, so the daemon's loop keeps answering clients between them and the
 * keepers do not all compete for the machine at once. Pure bookkeeping of
 * opaque items (the daemon's apps); the caller launches what it takes. */
#ifndef PSUP_LAUNCHQ_H
#define PSUP_LAUNCHQ_H

/* Keepers launched and not yet answered, at most. */
#define LAUNCHQ_MAX_BUSY 64

struct launchq {
	void **wait;                /* FIFO; NULL where an item was forgotten */
	int head, len, cap;
	void **busy;                /* launched, not yet settled */
	int nbusy, max_busy;
	int pumping;                /* launchq_settle() is launching */
};

void launchq_init(struct launchq *q, int max_busy);
void launchq_free(struct launchq *q);
/* Queues item to be launched (once: an item already queued or busy is left
 * where it is). */
void launchq_add(struct launchq *q, void *item);
/* The next item to launch now, counted busy; NULL when none waits or
 * max_busy are busy. */
void *launchq_take(struct launchq *q);
/* Drops item wherever it is (it answered, failed, or is gone). Returns 1
 * when it was busy (a slot is free again), else 0. */
int launchq_forget(struct launchq *q, void *item);
/* Forgets item when done, then launches (launch(item)) what waits while
 * fewer than max_busy are busy, skipping items no longer wanted(item). A
 * launch that fails may settle its item at once: that inner call only
 * forgets it, the outer one goes on launching. */
void launchq_settle(struct launchq *q, void *item, int done, int (*wanted)(void *item),
    void (*launch)(void *item));
/* 1 when item waits to be launched. */
int launchq_waiting(const struct launchq *q, const void *item);
/* 1 when item was taken and not yet forgotten. */
int launchq_busy(const struct launchq *q, const void *item);

#endif
