/* Delayed answers without blocking a server thread: the handler suspends the
 * connection and files it here; one timer thread resumes it at its deadline
 * (MHD then calls the handler again, which answers). A binary heap ordered
 * by deadline, a condition variable on the monotonic clock. */
#include "testapi.h"
#include "clock.h"
#include "xalloc.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct waiter {
	int64_t deadline_ns;
	struct MHD_Connection *conn;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;
static pthread_t thread;
static struct waiter *heap;
static size_t n_heap, cap_heap;
static int running, stopping;

static void heap_push(struct waiter w)
{
	size_t i, p;

	if (n_heap == cap_heap) {
		cap_heap = cap_heap ? cap_heap * 2 : 256;
		heap = xreallocarray(heap, cap_heap, sizeof(*heap));
	}
	i = n_heap++;
	while (i > 0 && heap[p = (i - 1) / 2].deadline_ns > w.deadline_ns) {
		heap[i] = heap[p];
		i = p;
	}
	heap[i] = w;
}

static struct waiter heap_pop(void)
{
	struct waiter top = heap[0], last = heap[--n_heap];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < n_heap) {
		if (c + 1 < n_heap && heap[c + 1].deadline_ns < heap[c].deadline_ns)
			c++;
		if (heap[c].deadline_ns >= last.deadline_ns)
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (n_heap)
		heap[i] = last;
	return top;
}

static void *delay_thread_cb(void *arg)
{
	struct MHD_Connection *due[64];
	struct timespec ts;
	size_t n, i;
	int64_t now;

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		now = clock_mono_ns();
		n = 0;
		while (n_heap && n < 64 && (stopping || heap[0].deadline_ns <= now))
			due[n++] = heap_pop().conn;
		if (n) {
			/* resume outside the lock: handlers may be filing new waiters */
			pthread_mutex_unlock(&lock);
			for (i = 0; i < n; i++)
				MHD_resume_connection(due[i]);
			pthread_mutex_lock(&lock);
			continue;
		}
		if (stopping)
			break;
		if (n_heap) {
			ts.tv_sec = heap[0].deadline_ns / 1000000000;
			ts.tv_nsec = heap[0].deadline_ns % 1000000000;
			pthread_cond_timedwait(&cond, &lock, &ts);
		} else {
			pthread_cond_wait(&cond, &lock);
		}
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int delay_start(char **cause)
{
	pthread_condattr_t ca;
	int e;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((e = pthread_create(&thread, NULL, delay_thread_cb, NULL)) != 0)
		return fail(cause, "cannot start the delay thread: %s", strerror(e));
	running = 1;
	return 0;
}

int delay_add(struct MHD_Connection *conn, int64_t deadline_ns)
{
	struct waiter w = { deadline_ns, conn };

	pthread_mutex_lock(&lock);
	if (stopping || !running) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	/* suspend before filing, under the lock: the timer cannot resume a
	 * connection that is not suspended yet */
	MHD_suspend_connection(conn);
	heap_push(w);
	if (heap[0].conn == conn)
		pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	return 0;
}

void delay_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = 0;
	free(heap);
	heap = NULL;
	n_heap = cap_heap = 0;
	pthread_cond_destroy(&cond);
}
