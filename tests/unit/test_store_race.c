/* Many worker processes on one job store at once: 8 processes create and
 * load the same store together, then claim and finish batches until the
 * queue is empty. No item may be claimed twice, none lost, and no process
 * may fail (with SQLITE_BUSY or anything else). SQLite by default;
 * PSUP_TEST_STORE_URL selects another store (a PostgreSQL URL).
 *
 * `test_store_race --finish-all STORE` is a stand-in worker for the shell
 * tests: it claims batches until none is left and finishes each item,
 * failed (503) when the item has "fail":true, else done with its "text" as
 * the result; it prints how many items it finished. */
#include "store.h"
#include "tap.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 8
#define ITEMS 4000
#define BATCH 8

static char dir[] = "/tmp/psup-test-race-XXXXXX";

/* What a child reports to the parent through its pipe. */
struct report {
	long long loaded, claimed, finished, stale, empty_claims;
	char error[512];
};

/* A child's end of the ready pipe until it has said ready: a child that
 * fails before still says it, or the parent would wait for it forever
 * while the others wait for the go. */
static int ready_unsaid = -1;

static void child_fail(int fd, struct report *rep, const char *what, char *cause)
{
	if (ready_unsaid >= 0 && write(ready_unsaid, "r", 1) != 1)
		_exit(4);
	snprintf(rep->error, sizeof rep->error, "%s: %s", what, cause ? cause : "?");
	free(cause);
	if (write(fd, rep, sizeof *rep) != (ssize_t)sizeof *rep)
		_exit(3);
	_exit(1);
}

/* Waits on the start pipe so that all children hit the store at once. */
static void child_run(const char *url, const char *input, int start_fd, int ready_fd,
    int go_fd, int out_fd, int idx)
{
	struct report rep = { 0 };
	struct store *s = NULL;
	char *cause = NULL;
	char owner[32], c;
	snprintf(owner, sizeof owner, "race-%d", idx);
	ready_unsaid = ready_fd;
	if (read(start_fd, &c, 1) < 0)
		_exit(4);
	if (store_open(url, &s, &cause) < 0)
		child_fail(out_fd, &rep, "open", cause);
	long long added = 0, skipped = 0;
	if (store_load(s, input, "id", NULL, &added, &skipped, &cause) < 0)
		child_fail(out_fd, &rep, "load", cause);
	rep.loaded = added;
	/* Then all claim at once, for the most contention. */
	ready_unsaid = -1;
	if (write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) < 0)
		_exit(4);
	for (;;) {
		struct store_item *it = NULL;
		int n = 0, stale = 0;
		if (store_claim(s, owner, BATCH, 60000, &it, &n, &cause) < 0)
			child_fail(out_fd, &rep, "claim", cause);
		if (n == 0) {
			rep.empty_claims++;
			break;
		}
		rep.claimed += n;
		/* The call to the API: no lock is held meanwhile. */
		struct timespec work = { 0, 500 * 1000L };
		nanosleep(&work, NULL);
		struct store_result *r = xcalloc((size_t)n, sizeof *r);
		for (int i = 0; i < n; i++) {
			r[i].id = it[i].id;
			r[i].ok = 1;
			r[i].attempts = 1;
			r[i].http_status = 200;
			r[i].result = owner[0] ? "\"x\"" : NULL;
		}
		if (store_finish(s, owner, r, n, &stale, &cause) < 0)
			child_fail(out_fd, &rep, "finish", cause);
		rep.finished += n - stale;
		rep.stale += stale;
		free(r);
		store_items_free(it, n);
		if (store_renew(s, owner, 60000, &cause) < 0)
			child_fail(out_fd, &rep, "renew", cause);
	}
	store_close(s);
	if (write(out_fd, &rep, sizeof rep) != (ssize_t)sizeof rep)
		_exit(3);
	_exit(0);
}

static int finish_all(const char *url)
{
	struct store *s = NULL;
	char *cause = NULL;
	char owner[64];
	long long finished = 0;
	snprintf(owner, sizeof owner, "finisher-%ld", (long)getpid());
	if (store_open_existing(url, &s, &cause) < 0)
		goto fail;
	for (;;) {
		struct store_item *it = NULL;
		int n = 0, stale = 0;
		if (store_claim(s, owner, 4, 60000, &it, &n, &cause) < 0)
			goto fail;
		if (n == 0)
			break;
		struct store_result *r = xcalloc((size_t)n, sizeof *r);
		char **texts = xcalloc((size_t)n, sizeof *texts);
		for (int i = 0; i < n; i++) {
			cJSON *j = cJSON_Parse(it[i].json);
			const cJSON *text = cJSON_GetObjectItemCaseSensitive(j, "text");
			int bad = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "fail"));
			r[i].id = it[i].id;
			r[i].ok = !bad;
			r[i].attempts = it[i].attempts + (bad ? 3 : 1);
			r[i].http_status = bad ? 503 : 200;
			r[i].latency_ms = 10;
			r[i].tokens = bad ? 0 : 5;
			texts[i] = text ? cJSON_PrintUnformatted(text) : NULL;
			r[i].result = bad ? NULL : texts[i];
			r[i].error = bad ? "http 503: {\"error\":\"overloaded\"}" : NULL;
			cJSON_Delete(j);
		}
		int rc = store_finish(s, owner, r, n, &stale, &cause);
		for (int i = 0; i < n; i++)
			free(texts[i]);
		free(texts);
		free(r);
		store_items_free(it, n);
		if (rc < 0)
			goto fail;
		finished += n - stale;
	}
	store_close(s);
	printf("%lld\n", finished);
	return 0;
fail:
	fprintf(stderr, "test_store_race: %s\n", cause);
	free(cause);
	store_close(s);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--finish-all") == 0)
		return finish_all(argv[2]);
	const char *pg = getenv("PSUP_TEST_STORE_URL");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	char *url = pg && *pg ? xstrdup(pg) : xasprintf("sqlite:%s/race.db", dir);
	char *input = xasprintf("%s/items.jsonl", dir);
	if (pg && *pg) {
		PGconn *c = PQconnectdb(pg);
		PQclear(PQexec(c, "SET client_min_messages = warning;"
		    "DROP TABLE IF EXISTS psup_items, psup_meta, psup_payloads"));
		PQfinish(c);
	}
	FILE *f = fopen(input, "w");
	for (int i = 0; i < ITEMS; i++)
		fprintf(f, "{\"id\":\"i%d\",\"text\":\"t\"}\n", i);
	fclose(f);

	int start[2], ready[2], go[2];
	int out[WORKERS][2];
	pid_t pid[WORKERS];
	if (pipe(start) < 0 || pipe(ready) < 0 || pipe(go) < 0) {
		printf("Bail out! pipe\n");
		return 1;
	}
	fflush(stdout);
	for (int i = 0; i < WORKERS; i++) {
		if (pipe(out[i]) < 0) {
			printf("Bail out! pipe\n");
			return 1;
		}
		pid[i] = fork();
		if (pid[i] == 0) {
			close(start[1]);
			close(ready[0]);
			close(go[1]);
			close(out[i][0]);
			child_run(url, input, start[0], ready[1], go[0], out[i][1], i);
		}
		close(out[i][1]);
	}
	close(start[0]);
	close(start[1]);            /* EOF releases every child at once */
	close(ready[1]);
	close(go[0]);
	char byte;
	for (int i = 0; i < WORKERS && read(ready[0], &byte, 1) == 1; i++)
		;
	close(go[1]);
	close(ready[0]);

	long long loaded = 0, claimed = 0, finished = 0, stale = 0;
	int all_ok = 1, busy = 0;
	for (int i = 0; i < WORKERS; i++) {
		struct report rep;
		memset(&rep, 0, sizeof rep);
		ssize_t got = read(out[i][0], &rep, sizeof rep);
		close(out[i][0]);
		int status = 0;
		waitpid(pid[i], &status, 0);
		int fine = got == (ssize_t)sizeof rep && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0;
		ok(fine, "worker %d finished cleanly (claimed %lld)", i, rep.claimed);
		if (rep.error[0])
			diag("worker %d: %s", i, rep.error);
		all_ok &= fine;
		busy += rep.claimed > 0;
		loaded += rep.loaded;
		claimed += rep.claimed;
		finished += rep.finished;
		stale += rep.stale;
	}
	is_int(loaded, ITEMS, "concurrent loads of one file added each item once");
	is_int(claimed, ITEMS, "every item claimed exactly once");
	is_int(finished, ITEMS, "every item finished");
	is_int(stale, 0, "no finish was stale");
	ok(busy >= 2, "%d workers shared the queue", busy);

	struct store *s = NULL;
	char *cause = NULL;
	struct store_counts c = { 0 };
	if (store_open_existing(url, &s, &cause) == 0 && store_counts(s, &c, &cause) == 0) {
		is_int(c.total, ITEMS, "the store holds each item once");
		is_int(c.done, ITEMS, "all done");
	} else {
		ok(0, "reopen: %s", cause);
		ok(0, "counts");
		free(cause);
	}
	store_close(s);
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	free(cmd);
	free(url);
	free(input);
	(void)all_ok;
	return done_testing();
}
