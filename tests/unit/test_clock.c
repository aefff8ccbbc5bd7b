/* The clocks: the monotonic readings never go back and advance at least
 * as long as a sleep, the ms reading is the ns one scaled, and real time
 * is time(NULL)'s in milliseconds. */
#include "tap.h"
#include "clock.h"

#include <stdint.h>
#include <time.h>

#define READS 200000
#define NAP_MS 20

static const struct {
	const char *name;
	int64_t (*read)(void);
	int64_t per_ms;          /* readings in a millisecond */
} clocks[] = {
	{ "clock_mono_ns", clock_mono_ns, 1000000 },
	{ "clock_mono_ms", clock_mono_ms, 1 },
};

static void nap_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

int main(void)
{
	for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
		int64_t prev = clocks[i].read(), back = 0;
		for (int k = 0; k < READS; k++) {
			int64_t now = clocks[i].read();
			if (now < prev)
				back++;
			prev = now;
		}
		is_int(back, 0, "%s: never goes back over %d reads", clocks[i].name, READS);

		int64_t before = clocks[i].read();
		nap_ms(NAP_MS);
		int64_t slept = clocks[i].read() - before;
		ok(slept >= NAP_MS * clocks[i].per_ms, "%s: a %d ms sleep advances it by at least that (%lld)",
		    clocks[i].name, NAP_MS, (long long)slept);
	}

	/* ms and ns read the same clock: a ms reading lies between two ns ones */
	int64_t ns0 = clock_mono_ns(), ms = clock_mono_ms(), ns1 = clock_mono_ns();
	ok(ns0 / 1000000 <= ms && ms <= ns1 / 1000000, "clock_mono_ms is clock_mono_ns in ms "
	    "(%lld between %lld and %lld)", (long long)ms, (long long)(ns0 / 1000000),
	    (long long)(ns1 / 1000000));

	/* time() may read a coarser clock, a tick behind: allow a second each way */
	time_t t0 = time(NULL);
	int64_t real = clock_real_ms();
	time_t t1 = time(NULL);
	ok(real >= ((int64_t)t0 - 1) * 1000 && real <= ((int64_t)t1 + 2) * 1000,
	    "clock_real_ms is time(NULL) in ms (%lld, time %lld)", (long long)real, (long long)t0);
	return done_testing();
}
