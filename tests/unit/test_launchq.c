/* launchq: bounded keeper launches. Scripted steps over a queue of items:
 * what is launched when, a slot freed by each settle, forgotten and no
 * longer wanted items skipped, a failing launch that settles inside the
 * pump, and a queue that grows while items are taken. */
#include "tap.h"
#include "launchq.h"

#include <string.h>

static int items[300];
static int unwanted[300];
static int launched[300];
static int nlaunched;
static struct launchq *failing_q;       /* launches into it fail at once */

static int wanted_cb(void *item)
{
	return !unwanted[(int *)item - items];
}

static void launch_cb(void *item)
{
	launched[nlaunched++] = (int)((int *)item - items);
	if (failing_q)
		launchq_settle(failing_q, item, 1, wanted_cb, launch_cb);
}

static void reset(void)
{
	memset(unwanted, 0, sizeof unwanted);
	nlaunched = 0;
	failing_q = NULL;
}

static void test_bound(void)
{
	struct launchq q;
	reset();
	launchq_init(&q, 3);
	for (int i = 0; i < 5; i++) {
		launchq_add(&q, &items[i]);
		launchq_settle(&q, &items[i], 0, wanted_cb, launch_cb);
	}
	is_int(nlaunched, 3, "five added, bound 3: three launched");
	is_int(q.nbusy, 3, "three busy");
	ok(launchq_waiting(&q, &items[3]) && launchq_waiting(&q, &items[4]), "two wait");
	launchq_add(&q, &items[0]);
	ok(!launchq_waiting(&q, &items[0]), "an item already busy is not queued again");
	launchq_settle(&q, &items[1], 1, wanted_cb, launch_cb);
	is_int(nlaunched, 4, "one settled: the next is launched");
	is_int(launched[3], 3, "in order");
	unwanted[4] = 1;
	launchq_settle(&q, &items[0], 1, wanted_cb, launch_cb);
	is_int(nlaunched, 4, "an item no longer wanted is skipped, not launched");
	ok(!launchq_waiting(&q, &items[4]) && !launchq_busy(&q, &items[4]), "and forgotten");
	is_int(q.nbusy, 2, "two busy");
	launchq_settle(&q, &items[2], 1, wanted_cb, launch_cb);
	launchq_settle(&q, &items[3], 1, wanted_cb, launch_cb);
	is_int(q.nbusy, 0, "all settled: none busy");
	ok(launchq_take(&q) == NULL, "nothing left to take");
	launchq_free(&q);
}

static void test_forget_waiting(void)
{
	struct launchq q;
	reset();
	launchq_init(&q, 1);
	for (int i = 0; i < 4; i++)
		launchq_add(&q, &items[i]);
	launchq_settle(&q, &items[0], 0, wanted_cb, launch_cb);
	is_int(nlaunched, 1, "bound 1: one launched");
	is_int(launchq_forget(&q, &items[2]), 0, "forgetting a waiting item frees no slot");
	launchq_settle(&q, &items[0], 1, wanted_cb, launch_cb);
	launchq_settle(&q, &items[1], 1, wanted_cb, launch_cb);
	is_int(nlaunched, 3, "the forgotten item is passed over");
	is_int(launched[2], 3, "the one after it is launched");
	launchq_free(&q);
}

static void test_failing_launches(void)
{
	struct launchq q;
	reset();
	launchq_init(&q, 2);
	failing_q = &q;
	for (int i = 0; i < 10; i++)
		launchq_add(&q, &items[i]);
	launchq_settle(&q, &items[0], 0, wanted_cb, launch_cb);
	is_int(nlaunched, 10, "launches that fail at once free their slot: all ten tried");
	is_int(q.nbusy, 0, "none left busy");
	launchq_free(&q);
}

static void test_growth(void)
{
	struct launchq q;
	reset();
	launchq_init(&q, 64);
	for (int i = 0; i < 300; i++)
		launchq_add(&q, &items[i]);
	launchq_settle(&q, &items[0], 0, wanted_cb, launch_cb);
	is_int(nlaunched, 64, "300 queued: 64 launched");
	for (int i = 0; i < 300; i++)
		launchq_settle(&q, &items[i], 1, wanted_cb, launch_cb);
	is_int(nlaunched, 300, "each settle launches the next: all 300");
	int order = 1;
	for (int i = 0; i < 300; i++)
		if (launched[i] != i)
			order = 0;
	ok(order, "in the order they were added");
	launchq_free(&q);
}

int main(void)
{
	test_bound();
	test_forget_waiting();
	test_failing_launches();
	test_growth();
	return done_testing();
}
