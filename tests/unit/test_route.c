/* Routing over endpoints: a table of cases (who goes first), and runs of
 * many picks that must split items by share. */
#include <string.h>

#include "route.h"
#include "tap.h"

#define U(p, w, lim, n) { .usable = 1, .priority = p, .weight = w, .limit = lim, .sent = n }

static void test_table(void)
{
	struct {
		const char *what;
		struct route_ep eps[4];
		int n;
		uint32_t avoid;
		int want[4];
		int n_want;
	} cases[] = {
		{ "equal: the one behind goes first", { U(1, 1, 600, 10), U(1, 1, 600, 5) }, 2, 0,
		  { 1, 0 }, 2 },
		{ "ties by index", { U(1, 1, 600, 0), U(1, 1, 600, 0) }, 2, 0, { 0, 1 }, 2 },
		{ "behind its share of the limit", { U(1, 1, 900, 30), U(1, 1, 300, 15) }, 2, 0,
		  { 0, 1 }, 2 },
		{ "weight multiplies the share", { U(1, 1, 600, 10), U(1, 3, 600, 20) }, 2, 0,
		  { 1, 0 }, 2 },
		{ "a limit unknown: weights alone", { U(1, 1, 6000, 10), U(1, 1, 0, 5) }, 2, 0,
		  { 1, 0 }, 2 },
		{ "priority 1 before 2 however far behind",
		  { U(2, 1, 600, 0), U(1, 1, 600, 1000) }, 2, 0, { 1, 0 }, 2 },
		{ "down endpoints are left out",
		  { { .usable = 0, .priority = 1, .weight = 1 }, U(2, 1, 0, 9) }, 2, 0, { 1 }, 1 },
		{ "full endpoints are left out",
		  { { .usable = 1, .full = 1, .priority = 1, .weight = 1 }, U(1, 1, 0, 9) }, 2, 0,
		  { 1 }, 1 },
		{ "one failed on comes last, even of priority 1",
		  { U(1, 1, 600, 0), U(2, 1, 600, 50), U(1, 1, 600, 3) }, 3, 1u, { 2, 1, 0 }, 3 },
		{ "none usable", { { .usable = 0 }, { .usable = 0 } }, 2, 0, { 0 }, 0 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		int order[4];
		int k = route_order(cases[c].eps, cases[c].n, cases[c].avoid, order);
		int same = k == cases[c].n_want;
		for (int i = 0; same && i < k; i++)
			same = order[i] == cases[c].want[i];
		ok(same, "%s", cases[c].what);
		if (!same)
			for (int i = 0; i < k; i++)
				diag("order[%d] = %d", i, order[i]);
	}
}

/* n picks, always taking the first: the split follows the shares. */
static void run(struct route_ep *eps, int n, int picks)
{
	int order[4];
	for (int i = 0; i < picks; i++) {
		int k = route_order(eps, n, 0, order);
		if (k > 0)
			eps[order[0]].sent++;
	}
}

static void test_split(void)
{
	struct route_ep two[] = { U(1, 1, 600, 0), U(1, 1, 600, 0) };
	run(two, 2, 1200);
	ok(two[0].sent == 600 && two[1].sent == 600, "two keys of 600 rpm: 600 each of 1200 "
	    "(%.0f, %.0f)", two[0].sent, two[1].sent);

	struct route_ep uneven[] = { U(1, 1, 1000, 0), U(1, 1, 500, 0), U(1, 2, 250, 0) };
	run(uneven, 3, 2000);
	ok(uneven[0].sent == 1000 && uneven[1].sent == 500 && uneven[2].sent == 500,
	    "limits 1000, 500 and 250 x weight 2: 1000, 500, 500 (%.0f, %.0f, %.0f)",
	    uneven[0].sent, uneven[1].sent, uneven[2].sent);

	struct route_ep tiers[] = { U(1, 1, 0, 0), U(2, 1, 0, 0) };
	run(tiers, 2, 100);
	ok(tiers[0].sent == 100 && tiers[1].sent == 0, "priority 2 idle while 1 takes all");
	tiers[0].full = 1;
	run(tiers, 2, 10);
	ok(tiers[1].sent == 10, "priority 2 takes them while 1 is full");
}

static void test_level(void)
{
	struct route_ep eps[] = { U(1, 1, 600, 500), U(1, 1, 300, 100), U(1, 1, 600, 0) };
	/* ratios: 500/600 and 100/300: the lowest is 1/3, times 600 */
	ok(route_level(eps, 3, 2) == 200, "a returning endpoint starts level with the "
	    "furthest behind (%.0f)", route_level(eps, 3, 2));
	struct route_ep alone[] = { U(1, 1, 600, 7) };
	ok(route_level(alone, 1, 0) == 7, "alone: kept");
}

int main(void)
{
	plan_no_plan();
	test_table();
	test_split();
	test_level();
	return done_testing();
}
