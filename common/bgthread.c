/* Threads beside the event loop (see bgthread.h). */
#include "bgthread.h"

#include <signal.h>
#include <time.h>

int bgthread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int bgthread_join(pthread_t t, int64_t wait_ms)
{
	/* pthread_timedjoin_np takes a CLOCK_REALTIME deadline. */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(wait_ms / 1000);
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(t, NULL, &until) == 0 ? 0 : -1;
}
