/* The dry run's arithmetic: items a minute under the tightest limit, and
 * the cost of the input tokens. */
#include "run_dryrun.h"
#include "tap.h"

#include <math.h>

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

int main(void)
{
	ok(near(run_dryrun_items_per_min(0, 0, 0, 100), 0), "no limit: no rate to tell");
	ok(near(run_dryrun_items_per_min(600, 0, 0, 100), 600), "rpm alone");
	ok(near(run_dryrun_items_per_min(600, 30000, 0, 100), 300), "tpm tighter than rpm");
	ok(near(run_dryrun_items_per_min(600, 0, 120000, 100), 600), "itpm looser than rpm");
	ok(near(run_dryrun_items_per_min(0, 50000, 20000, 100), 200), "the tighter of tpm and itpm");
	ok(near(run_dryrun_items_per_min(0, 50000, 0, 0), 0), "tokens unknown: a token limit tells nothing");

	struct dryrun_price none = { 0, 0 }, price = { 2.5, 10 };
	ok(near(run_dryrun_cost(NULL, 1e6), 0), "no price: no cost");
	ok(near(run_dryrun_cost(&none, 1e6), 0), "a zero price: no cost");
	ok(near(run_dryrun_cost(&price, 2e6), 5.0), "two million input tokens at 2.50");
	return done_testing();
}
