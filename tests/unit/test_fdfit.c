/* The concurrency that fits a file descriptor limit: as asked when it
 * fits with the reserve left, else the limit less the reserve, at least
 * one; no limit keeps it. */
#include "fdfit.h"
#include "tap.h"

int main(void)
{
	static const struct {
		int asked;
		long long limit;
		int want;
		const char *what;
	} cases[] = {
		{ 16, 1024, 16, "the usual limit: as asked" },
		{ 64, -1, 64, "no limit: as asked" },
		{ 992, 1024, 992, "exactly fits with the reserve" },
		{ 993, 1024, 992, "one past: the limit less the reserve" },
		{ 5000, 1024, 992, "far past: the limit less the reserve" },
		{ 64, 96, 64, "a small limit that still fits" },
		{ 64, 80, 48, "a small limit: 48 left" },
		{ 64, FDFIT_RESERVE + 1, 1, "room for one" },
		{ 64, FDFIT_RESERVE, 1, "no room: still one" },
		{ 64, 8, 1, "a limit below the reserve: still one" },
		{ 1, 0, 1, "a limit of 0: one" },
	};
	int n = (int)(sizeof cases / sizeof cases[0]);
	for (int i = 0; i < n; i++)
		is_int(fdfit_concurrency(cases[i].asked, cases[i].limit), cases[i].want, "%s (%d asked, limit %lld)",
		    cases[i].what, cases[i].asked, cases[i].limit);
	return done_testing();
}
