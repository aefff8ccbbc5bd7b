/* The store thread's queue on a SQLite store: calls come back on the loop
 * in the order they were sent, with their answers; a release puts back
 * the items given, or every lease; the queue is bounded;
 * the oldest unanswered call is known while one is out; a stop hands back
 * every call exactly once (answered, or dropped if it never ran) and
 * takes no more. */
#include "clock.h"
#include "loop.h"
#include "store.h"
#include "storeq.h"
#include "tap.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>

static char dir[] = "/tmp/psup-test-storeq-XXXXXX";
static enum storeq_op got_op[64];
static int got_rc[64], got_dropped[64], got_items[64], n_got;
static long long got_pending;

static void done_cb(struct storeq_call *c, void *arg)
{
	(void)arg;
	if (n_got < 64) {
		got_op[n_got] = c->op;
		got_rc[n_got] = c->rc;
		got_dropped[n_got] = c->dropped;
		got_items[n_got] = c->n_items;
		if (c->op == STOREQ_COUNTS && c->rc == 0)
			got_pending = c->counts.pending;
	}
	n_got++;
	storeq_call_free(c);
}

static void bail(const char *what, const char *why)
{
	printf("Bail out! %s: %s\n", what, why ? why : "");
	exit(1);
}

/* Runs the loop until want calls came back, or 10 s. */
static void wait_calls(struct loop *l, int want)
{
	int64_t end = clock_mono_ms() + 10000;
	while (n_got < want && clock_mono_ms() < end)
		loop_once(l, 100);
}

int main(void)
{
	if (!mkdtemp(dir))
		bail("mkdtemp", dir);
	char *items = xasprintf("%s/items.jsonl", dir), *url = xasprintf("sqlite:%s/q.db", dir);
	FILE *f = fopen(items, "w");
	if (!f)
		bail("fopen", items);
	for (int i = 1; i <= 10; i++)
		fprintf(f, "{\"id\":\"i%d\"}\n", i);
	fclose(f);
	char *cause = NULL;
	struct store *s = NULL;
	long long added, skipped;
	if (store_open(url, &s, &cause) < 0 ||
	    store_load(s, items, "id", NULL, &added, &skipped, &cause) < 0)
		bail(url, cause);
	struct loop *l = loop_create(&cause);
	if (!l)
		bail("loop", cause);

	struct storeq *q = storeq_start(l, s, "w1", &cause);
	ok(q != NULL, "the thread starts");
	is_int(storeq_oldest(q), 0, "nothing out: no oldest call");
	struct storeq_call *c = storeq_call_new(STOREQ_CLAIM, done_cb, NULL);
	c->max = 4;
	c->lease_ms = 60000;
	int64_t before = clock_mono_ns();
	is_int(storeq_send(q, c), 0, "a claim is sent");
	storeq_send(q, storeq_call_new(STOREQ_COUNTS, done_cb, NULL));
	int64_t oldest = storeq_oldest(q);
	ok(oldest == 0 || oldest >= before, "the oldest call out is the claim (or it was answered)");
	is_int(storeq_pending(q), 2, "2 calls out");
	wait_calls(l, 2);
	is_int(n_got, 2, "both come back on the loop");
	ok(got_op[0] == STOREQ_CLAIM && got_op[1] == STOREQ_COUNTS, "in the order sent");
	is_int(got_rc[0], 0, "the claim succeeded");
	is_int(got_items[0], 4, "with 4 items");
	is_int(got_pending, 6, "and the counts after it see 6 pending");
	is_int(storeq_pending(q), 0, "nothing out");

	/* A release of given items puts back those; without, every lease. */
	struct storeq_call *rel = storeq_call_new(STOREQ_RELEASE, done_cb, NULL);
	rel->items = xcalloc(2, sizeof *rel->items);
	rel->items[0].id = xstrdup("i1");
	rel->items[1].id = xstrdup("i2");
	rel->n_items = 2;
	storeq_send(q, rel);
	storeq_send(q, storeq_call_new(STOREQ_COUNTS, done_cb, NULL));
	wait_calls(l, 4);
	ok(got_rc[2] == 0 && got_pending == 8, "two given items released: 8 pending (%lld)",
	    got_pending);
	storeq_send(q, storeq_call_new(STOREQ_RELEASE, done_cb, NULL));
	storeq_send(q, storeq_call_new(STOREQ_COUNTS, done_cb, NULL));
	wait_calls(l, 6);
	ok(got_rc[4] == 0 && got_pending == 10, "then every lease: 10 pending (%lld)", got_pending);

	int sent = 0;
	while (sent < STOREQ_MAX + 2) {
		struct storeq_call *r = storeq_call_new(STOREQ_RENEW, done_cb, NULL);
		r->lease_ms = 60000;
		if (storeq_send(q, r) < 0) {
			storeq_call_free(r);
			break;
		}
		sent++;
	}
	ok(sent <= STOREQ_MAX, "the queue takes at most %d calls (%d)", STOREQ_MAX, sent);
	n_got = 0;
	is_int(storeq_stop(q, 5000), 0, "stop joins the thread");
	is_int(n_got, sent, "every call comes back once");
	int answered = 0, dropped = 0, order_ok = 1;
	for (int i = 0; i < n_got && i < 64; i++) {
		if (got_dropped[i])
			dropped++;
		else if (dropped)
			order_ok = 0; /* an answer after a dropped call */
		else
			answered += got_rc[i] == 0;
	}
	is_int(answered + dropped, sent, "answered or dropped (%d, %d)", answered, dropped);
	ok(order_ok, "answers first, then the calls that never ran");

	store_close(s);
	loop_free(l);
	free(items);
	free(url);
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	free(cmd);
	return done_testing();
}
