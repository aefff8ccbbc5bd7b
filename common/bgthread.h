/* Threads that work beside an event loop: they take no signal (the loop
 * reads them from its signalfd) and are waited for with a bound. */
#ifndef PSUP_BGTHREAD_H
#define PSUP_BGTHREAD_H

#include <pthread.h>
#include <stdint.h>

/* Starts fn(arg) with every signal blocked. Returns 0 or an errno value. */
int bgthread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* Joins t if it ends within wait_ms: 0, else -1 (t still runs and is
 * still to be joined or detached). */
int bgthread_join(pthread_t t, int64_t wait_ms);

#endif
