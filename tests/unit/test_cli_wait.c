/* psup wait's tally of app states and its one-line summary. */
#include <stdlib.h>

#include "tap.h"
#include "cli_wait.h"

static void test_wait(void)
{
	const char *json = "[{\"name\":\"a\",\"state\":\"completed\"},{\"name\":\"b\",\"state\":\"errored\"},"
	    "{\"name\":\"c\",\"state\":\"online\"},{\"name\":\"d\",\"state\":\"waiting\"},"
	    "{\"name\":\"e\",\"state\":\"stopped\"}]";
	cJSON *apps = cJSON_Parse(json);
	const char *all[] = { "a", "b", "c", "d", "e", "gone" };
	const char *ended[] = { "a", "b", "e" };
	const char *good[] = { "a" };
	struct cli_wait_tally t;
	struct buf b = { 0 };

	is_int(cli_wait_tally(apps, (char *const *)all, 6, &t), 0, "running apps: not done");
	cli_wait_summary(&t, &b);
	is_str(b.p, "1 completed, 1 errored (b), 1 stopped (e), 1 gone (gone), 2 running (c, d waiting)",
	    "summary of every outcome");
	cli_wait_tally_free(&t);
	b.len = 0;
	is_int(cli_wait_tally(apps, (char *const *)ended, 3, &t), 1, "completed, errored, stopped: done");
	is_int(t.n[WAIT_COMPLETED], 1, "one completed");
	cli_wait_tally_free(&t);
	is_int(cli_wait_tally(apps, (char *const *)good, 1, &t), 1, "one completed: done");
	cli_wait_summary(&t, &b);
	is_str(b.p, "1 completed", "summary when all completed");
	cli_wait_tally_free(&t);
	buf_free(&b);
	cJSON_Delete(apps);

	/* errored apps that say why: a line each, for the first few */
	apps = cJSON_Parse("[{\"name\":\"k-1\",\"state\":\"errored\",\"reason\":\"exited with code 1: "
	    "fix the key\"},{\"name\":\"k-2\",\"state\":\"errored\"},{\"name\":\"k-3\","
	    "\"state\":\"completed\",\"reason\":\"x\"}]");
	const char *ks[] = { "k-1", "k-2", "k-3" };
	cli_wait_tally(apps, (char *const *)ks, 3, &t);
	is_str(t.why.p, "k-1 errored: exited with code 1: fix the key\n",
	    "why: the errored app with a reason, not the one without nor a completed one");
	cli_wait_tally_free(&t);
	cJSON_Delete(apps);
}

int main(void)
{
	test_wait();
	return done_testing();
}
