/* AIMD with time passed in. */
#include "aimd.h"
#include "tap.h"

#define S 1000000000LL

int main(void)
{
	struct aimd a;
	aimd_init(&a, 64, 1 * S);
	is_int(aimd_limit(&a), 64, "starts at the configured concurrency");
	ok(!aimd_on_limited(&a, 5 * S, 0), "a lone 429 does not lower it");
	is_int(aimd_limit(&a), 64, "still 64");
	for (int i = 0; i < 100; i++)
		aimd_on_success(&a, 5 * S);
	ok(!aimd_on_limited(&a, 10 * S, 0), "nor one a hundred answers later");
	ok(aimd_on_limited(&a, 10 * S + 1, 0), "a repeated 429 lowers it");
	is_int(aimd_limit(&a), 32, "halved");
	ok(!aimd_on_limited(&a, 10 * S + S / 2, 0), "more 429s of the same burst do not");
	aimd_on_limited(&a, 10 * S + S / 2 + 1, 0);
	is_int(aimd_limit(&a), 32, "still 32");
	aimd_on_success(&a, 10 * S + S / 2);
	is_int(aimd_limit(&a), 32, "no increase during the cooldown");
	ok(aimd_on_limited(&a, 11 * S + S / 2, 0), "a 429 after the cooldown, soon after another, lowers again");
	is_int(aimd_limit(&a), 16, "16");
	for (int i = 0; i < 10; i++) {
		aimd_on_limited(&a, (13 + 2 * i) * S, 0);
		aimd_on_limited(&a, (13 + 2 * i) * S + 1, 0);
	}
	is_int(aimd_limit(&a), 1, "never below 1");

	/* One 429 in a hundred answers never lowers it; one in eight does. */
	struct aimd b;
	aimd_init(&b, 64, S);
	int lowered = 0;
	for (int i = 0; i < 2000; i++) {
		if (i % 100 == 99)
			lowered += aimd_on_limited(&b, i * (S / 10), 0);
		else
			aimd_on_success(&b, i * (S / 10));
	}
	is_int(lowered, 0, "1%% of 429s: never lowered");
	for (int i = 0; i < 200; i++) {
		if (i % 8 == 7)
			lowered += aimd_on_limited(&b, (200 + i) * S, 0);
		else
			aimd_on_success(&b, (200 + i) * S);
	}
	ok(lowered > 0, "12%% of 429s: lowered %d times", lowered);

	/* Recovery: each window of successes adds one. */
	int64_t t = 40 * S;
	for (int i = 0; i < 1; i++)
		aimd_on_success(&a, t);
	is_int(aimd_limit(&a), 2, "1 success at 1 adds 1");
	for (int i = 0; i < 3; i++)
		aimd_on_success(&a, t);
	is_int(aimd_limit(&a), 3, "about 2 more at 2 add 1");
	int n = 0;
	while (aimd_limit(&a) < 64) {
		aimd_on_success(&a, t);
		n++;
	}
	ok(n > 1500 && n < 2500, "back to 64 after about sum(3..63) = %d successes", n);
	for (int i = 0; i < 1000; i++)
		aimd_on_success(&a, t);
	is_int(aimd_limit(&a), 64, "never above the configured concurrency");

	aimd_init(&a, 1, S);
	aimd_on_limited(&a, 0, 0);
	ok(aimd_on_limited(&a, 1, 0), "at concurrency 1 a repeated 429 still counts");
	is_int(aimd_limit(&a), 1, "concurrency 1 stays 1");

	/* A 429 that says how long to wait lowers at once (once per cooldown). */
	aimd_init(&a, 16, S);
	ok(aimd_on_limited(&a, 0, 1), "a told 429 lowers at once");
	ok(!aimd_on_limited(&a, S / 2, 1), "not again within the cooldown");
	ok(aimd_on_limited(&a, 2 * S, 1), "again after it");
	is_int(aimd_limit(&a), 4, "16 -> 8 -> 4");

	return done_testing();
}
