/* Retry delays: exponential backoff with full jitter (a uniform draw between
 * 0 and min(max, base * 2^(attempt-1))), so retrying workers spread out. */
#ifndef PSUP_BACKOFF_H
#define PSUP_BACKOFF_H

#include <stdint.h>

/* The cap for the attempt-th retry (attempt >= 1): min(max_ms, base_ms * 2^(attempt-1)). */
int64_t backoff_cap_ms(int attempt, int64_t base_ms, int64_t max_ms);

/* The delay for a retry after attempt `attempt`, given a random 64-bit draw
 * r (passed in so tests are deterministic): r scaled into [0, cap]. */
int64_t backoff_delay_ms(int attempt, int64_t base_ms, int64_t max_ms, uint64_t r);

/* A small xorshift generator for the draws; seed must not be 0. */
uint64_t backoff_rand(uint64_t *state);

#endif
