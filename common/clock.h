/* Clocks in milliseconds: monotonic for deadlines, real time for display. */
#ifndef PSUP_CLOCK_H
#define PSUP_CLOCK_H

#include <stdint.h>

int64_t clock_mono_ms(void);
int64_t clock_real_ms(void);
/* Monotonic nanoseconds, for rate limiters and benchmarks. */
int64_t clock_mono_ns(void);

#endif
