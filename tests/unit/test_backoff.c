/* Backoff: caps double up to the maximum; draws cover [0, cap]. */
#include "backoff.h"
#include "tap.h"

int main(void)
{
	static const struct { int attempt; long long base, max, want; } caps[] = {
		{ 1, 500, 30000, 500 },
		{ 2, 500, 30000, 1000 },
		{ 3, 500, 30000, 2000 },
		{ 6, 500, 30000, 16000 },
		{ 7, 500, 30000, 30000 },
		{ 60, 500, 30000, 30000 },
		{ 1000, 500, 30000, 30000 },
		{ 0, 500, 30000, 500 },
		{ 3, 0, 30000, 0 },
		{ 3, 500, 100, 100 },
		{ 63, 1LL << 40, 1LL << 62, 1LL << 62 },
	};
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
		is_int(backoff_cap_ms(caps[i].attempt, caps[i].base, caps[i].max), caps[i].want,
		    "cap attempt %d base %lld max %lld", caps[i].attempt, caps[i].base, caps[i].max);

	is_int(backoff_delay_ms(3, 500, 30000, 0), 0, "draw 0 gives 0");
	is_int(backoff_delay_ms(3, 500, 30000, UINT64_MAX), 2000, "the largest draw gives the cap");
	is_int(backoff_delay_ms(3, 500, 30000, UINT64_MAX / 2), 1000, "a middle draw gives half");

	uint64_t st = 42, lo = UINT64_MAX, hi = 0;
	long long sum = 0, min = 1 << 30, max = 0;
	for (int i = 0; i < 10000; i++) {
		uint64_t r = backoff_rand(&st);
		lo = r < lo ? r : lo;
		hi = r > hi ? r : hi;
		long long d = backoff_delay_ms(4, 500, 30000, r);
		sum += d;
		min = d < min ? d : min;
		max = d > max ? d : max;
	}
	ok(min >= 0 && max <= 4000, "draws stay in [0, 4000]: %lld..%lld", min, max);
	ok(min < 100 && max > 3900, "and cover it");
	ok(sum / 10000 > 1800 && sum / 10000 < 2200, "mean about half the cap: %lld", sum / 10000);
	ok(st != 0, "the generator never sticks at 0");
	return done_testing();
}
