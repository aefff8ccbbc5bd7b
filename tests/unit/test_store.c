/* The job store's semantics: load, claim order, leases, finish, release,
 * retry, export. Runs on SQLite in a temp dir; with PSUP_TEST_STORE_URL set
 * (a postgresql:// URL) it runs the same checks on that server instead. */
#include "clock.h"
#include "store.h"
#include "store_backend.h"
#include "storefix.h"
#include "tap.h"
#include "xalloc.h"

#include <errno.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char *export_text(struct store *s, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	char *cause = NULL;
	long long written = 0;
	FILE *m = open_memstream(&buf, &len);
	if (store_export(s, m, flags, &written, NULL, &cause) < 0) {
		diag("export: %s", cause);
		free(cause);
	}
	fclose(m);
	return buf;
}

static void test_load(void)
{
	struct store *s = storefix_open(1);
	char *a = storefix_path("a.jsonl"), *b = storefix_path("b.jsonl");
	char *cause = NULL;
	long long added = -1, skipped = -1;
	storefix_put(a, "\xef\xbb\xbf{\"id\":\"x\",\"text\":\"one\"}\n\n{\"id\":7,\"text\":\"two\"}\r\n"
	    "  {\"id\":\"z\"}  \n");
	is_int(store_load(s, a, "id", NULL, &added, &skipped, &cause), 0, "load a file");
	is_int(added, 3, "3 items added (byte order mark, CRLF, blank line, spaces)");
	is_int(skipped, 0, "none skipped");
	is_int(store_load(s, a, "id", NULL, &added, &skipped, &cause), 0, "load it again");
	is_int(added, 0, "reload adds nothing");
	is_int(skipped, 3, "reload skips all 3");
	storefix_put(b, "{\"id\":\"new1\"}\n{\"id\":\"x\"}\n{\"id\":\"new2\"}\n");
	is_int(store_load(s, b, "id", NULL, &added, &skipped, &cause), 0, "load a second file");
	is_int(added, 2, "only new ids added");
	is_int(skipped, 1, "the known id skipped");
	is_int(storefix_counts(s).total, 5, "5 items in all");
	is_int(storefix_counts(s).pending, 5, "all pending");

	/* Another id field on a loaded store is refused. */
	errno = 0;
	is_int(store_load(s, b, "key", NULL, &added, &skipped, &cause), -1,
	    "another id field is refused");
	is_int(errno, EINVAL, "as bad input");
	ok(cause && strstr(cause, "--id-field id"), "says which field: %s", cause);
	free(cause);
	cause = NULL;

	/* Input order: claimed in file order (all priority 0). */
	char *ids = storefix_claim(s, "w", 10, 60000);
	is_str(ids, "x,7,z,new1,new2", "claims follow input order");
	free(ids);
	store_close(s);
	free(a);
	free(b);
}

struct bad_case {
	const char *text;
	const char *want;      /* expected in the message after "PATH:" */
};

/* Loads each case's text as the file NAME (id field id, priority p): each
 * must fail as bad input, its message the path and then want. */
static void expect_bad(struct store *s, const char *name, const struct bad_case *cases, size_t n)
{
	char *bad = storefix_path(name);
	for (size_t i = 0; i < n; i++) {
		char *want = xasprintf("%s%s", bad, cases[i].want), *cause = NULL;
		long long added, skipped;
		storefix_put(bad, cases[i].text);
		errno = 0;
		int rc = store_load(s, bad, "id", "p", &added, &skipped, &cause);
		int e = errno;
		ok(rc == -1 && e == EINVAL && cause && strncmp(cause, want, strlen(want)) == 0,
		    "bad %s %zu: %s", name, i, cause ? cause : "(accepted)");
		if (!(cause && strncmp(cause, want, strlen(want)) == 0))
			diag("want prefix %s", want);
		free(cause);
		free(want);
	}
	free(bad);
}

/* A CSV (or TSV) file: each row the object of the header's columns, as
 * strings; a priority column holding integers (empty: 0); faults named by
 * the line a row begins on, nothing loaded. */
static void test_csv(void)
{
	struct store *s = storefix_open(1);
	char *csv = storefix_path("items.csv"), *tsv = storefix_path("more.txt");
	long long added = -1, skipped = -1;
	char *cause = NULL;
	storefix_put(csv, "\xef\xbb\xbfid,word,p\r\n"
	    "w1,\"cat, the animal\",\r\n"
	    "w2,\"say \"\"hi\"\"\nthere\",3\r\n"
	    "\r\n"
	    "w3,caf\xc3\xa9,1\r\n");
	is_int(store_load(s, csv, "id", "p", &added, &skipped, &cause), 0, "a .csv file loads");
	is_int(added, 3, "3 rows, the blank line skipped");
	struct store_item *it = NULL;
	int got = 0;
	store_claim(s, "w", 3, 60000, &it, &got, &cause);
	ok(got == 3 && strcmp(it[0].id, "w2") == 0 && strcmp(it[1].id, "w3") == 0 &&
	    strcmp(it[2].id, "w1") == 0, "claimed by the priority column (3, 1, empty: 0)");
	if (got == 3) {
		is_str(it[0].json, "{\"id\":\"w2\",\"word\":\"say \\\"hi\\\"\\nthere\",\"p\":\"3\"}",
		    "a quoted field with a quote and a line break");
		is_str(it[2].json, "{\"id\":\"w1\",\"word\":\"cat, the animal\",\"p\":\"\"}",
		    "the row's object: its columns as strings");
	}
	store_items_free(it, got);
	struct store_load_opts o = { .path = tsv, .id_field = "id", .format = STORE_FMT_TSV };
	storefix_put(tsv, "id\tword\nw4\ta, b\n");
	is_int(store_load_with(s, &o, &added, &skipped, &cause), 0, "--format tsv on any name");
	is_int(added, 1, "one row");

	static const struct bad_case cases[] = {
		{ "id,w\nx,1\ny,2,3\n", ":3: 3 fields where the header (line 1) names 2 columns" },
		{ "id,w\nx,\"open\ny,2\n", ":4: a quoted field is not closed (its quote opened on line 2)" },
		{ "id,w\nx,\"a\"b\n", ":2: text after the closing quote of a field" },
		{ "id,w,id\nx,1,2\n", ":1: column 3 (id): the header names it twice (column 1 too)" },
		{ "id,,w\nx,1,2\n", ":1: column 2 (): the header names no column here" },
		{ "id,w\nx,caf\xe9\n", ":2: column 2 (w): not valid UTF-8 (save the file as UTF-8)" },
		{ "w\n1\n", ":2: no \"id\" field" },
		{ "id,w\n,1\n", ":2: \"id\" is empty" },
		{ "id,p\nx,high\n", ":2: priority \"p\" must be an integer" },
		{ "id,w\nx,1\n\"x\",2\n", ":3: duplicate id \"x\" (first on line 2)" },
	};
	expect_bad(s, "bad.csv", cases, sizeof cases / sizeof cases[0]);
	is_int(storefix_counts(s).total, 4, "nothing of the bad files was added");
	store_close(s);
	free(csv);
	free(tsv);
}

static void test_bad_lines(void)
{
	static const struct bad_case cases[] = {
		{ "{\"id\":\"a\"}\n{\"id\":\"b\"\n", ":2: not valid JSON" },
		{ "{\"id\":\"a\"}\n[1,2]\n", ":2: not a JSON object" },
		{ "\"text\"\n", ":1: not a JSON object" },
		{ "{\"id\":\"a\"}\n\n{\"name\":\"b\"}\n", ":3: no \"id\" field" },
		{ "{\"id\":\"\"}\n", ":1: \"id\" is empty" },
		{ "{\"id\":1.5}\n", ":1: \"id\" must be a string or an integer" },
		{ "{\"id\":true}\n", ":1: \"id\" must be a string or an integer" },
		{ "{\"id\":{\"a\":1}}\n", ":1: \"id\" must be a string or an integer" },
		{ "{\"id\":\"a\"} x\n", ":1: text after the JSON value" },
		{ "{\"id\":\"a\",\"p\":\"high\"}\n", ":1: priority \"p\" must be an integer" },
		{ "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n{\"id\":\"b\"}\n",
		  ":4: duplicate id \"b\" (first on line 2)" },
		{ "{\"id\":1}\n{\"id\":\"1\"}\n", ":2: duplicate id \"1\" (first on line 1)" },
		{ "{\"id\":\"a\"}\n{\"id\":\"b\xff\"}\n", ":2: not valid UTF-8 (at byte 9)" },
	};
	struct store *s = storefix_open(1);
	char *good = storefix_path("good.jsonl");
	long long added, skipped;
	char *cause = NULL;
	storefix_put(good, "{\"id\":\"old\"}\n");
	store_load(s, good, "id", "p", &added, &skipped, &cause);
	expect_bad(s, "bad.jsonl", cases, sizeof cases / sizeof cases[0]);
	is_int(storefix_counts(s).total, 1, "nothing of the bad files was added");
	cause = NULL;
	is_int(store_load(s, "/nonexistent/x.jsonl", "id", NULL, &added, &skipped, &cause), -1,
	    "a missing file fails");
	ok(cause && strstr(cause, "cannot open /nonexistent/x.jsonl"), "and says so: %s", cause);
	free(cause);
	store_close(s);
	free(good);
}

static void test_priority(void)
{
	struct store *s = storefix_loaded(
	    "{\"id\":\"a\"}\n{\"id\":\"b\",\"p\":5}\n{\"id\":\"c\",\"p\":0}\n"
	    "{\"id\":\"d\",\"p\":5}\n{\"id\":\"e\",\"p\":-1}\n{\"id\":\"f\",\"p\":9}\n");
	char *ids = storefix_claim(s, "w1", 3, 60000);
	is_str(ids, "f,b,d", "highest priority first, then input order");
	free(ids);
	ids = storefix_claim(s, "w2", 10, 60000);
	is_str(ids, "a,c,e", "the rest in order");
	free(ids);
	ids = storefix_claim(s, "w3", 10, 60000);
	is_str(ids, "", "nothing left to claim while leases hold");
	free(ids);
	struct store_counts c = storefix_counts(s);
	is_int(c.leased, 6, "6 leased");
	is_int(c.pending, 0, "0 pending");
	is_int(c.expired, 0, "no lease expired");
	store_close(s);
}

static void test_leases(void)
{
	struct store *s = storefix_loaded("{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n");
	char *cause = NULL;
	int stale = -1;
	char *ids = storefix_claim(s, "dead", 2, 1);
	is_str(ids, "a,b", "dead worker claims a,b with a short lease");
	free(ids);
	storefix_pause_ms(20);
	is_int(storefix_counts(s).expired, 2, "their leases expired");
	ids = storefix_claim(s, "live", 10, 60000);
	is_str(ids, "a,b,c", "expired leases are claimed again, in order");
	free(ids);

	struct store_result r[2] = {
		{ .id = "a", .ok = 1, .attempts = 1, .http_status = 200, .latency_ms = 5,
		  .result = "\"late\"" },
		{ .id = "b", .ok = 1, .attempts = 1, .http_status = 200, .latency_ms = 5,
		  .result = "\"late\"" },
	};
	is_int(store_finish(s, "dead", r, 2, &stale, &cause), 0, "finish by the old owner runs");
	is_int(stale, 0, "and its results win: the items were not done yet");
	is_int(storefix_counts(s).done, 2, "2 done");
	r[0].result = r[1].result = "\"live\"";
	is_int(store_finish(s, "live", r, 2, &stale, &cause), 0, "finish by the new owner");
	is_int(stale, 2, "is stale: the items are done already");
	is_int(storefix_counts(s).leased, 1, "c still leased");

	/* Renew: a short lease renewed to a long one is not reclaimed. */
	struct store *s2 = storefix_loaded("{\"id\":\"r\"}\n");
	ids = storefix_claim(s2, "w1", 1, 1);
	free(ids);
	is_int(store_renew(s2, "w1", 60000, &cause), 0, "renew");
	storefix_pause_ms(10);
	ids = storefix_claim(s2, "w2", 1, 60000);
	is_str(ids, "", "a renewed lease is not taken");
	free(ids);
	is_int(storefix_counts(s2).expired, 0, "and has not expired");
	store_close(s2);
	store_close(s);
}

static void test_release(void)
{
	struct store *s = storefix_loaded("{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n");
	char *cause = NULL;
	char *ids = storefix_claim(s, "w1", 3, 60000);
	free(ids);
	const char *one[] = { "b" };
	is_int(store_release(s, "w2", NULL, NULL, 0, &cause), 0, "release by another owner");
	is_int(storefix_counts(s).leased, 3, "releases nothing");
	is_int(store_release(s, "w1", one, NULL, 1, &cause), 0, "release b");
	ids = storefix_claim(s, "w2", 3, 60000);
	is_str(ids, "b", "only b came back");
	free(ids);
	is_int(store_release(s, "w1", NULL, NULL, 0, &cause), 0, "release all of w1");
	struct store_counts c = storefix_counts(s);
	is_int(c.pending, 2, "a and c pending");
	is_int(c.leased, 1, "b still leased to w2");
	ids = storefix_claim(s, "w3", 3, 60000);
	is_str(ids, "a,c", "released items are claimed again in order");
	free(ids);
	/* Given back with the attempts made on them: the next claim has them. */
	const char *both[] = { "a", "c" };
	const int tried[] = { 2, 0 };
	is_int(store_release(s, "w3", both, tried, 2, &cause), 0, "a and c given back, a tried twice");
	struct store_item *it = NULL;
	int n = 0;
	if (store_claim(s, "w4", 3, 60000, &it, &n, &cause) < 0)
		storefix_bail("claim", cause);
	ok(n == 2 && strcmp(it[0].id, "a") == 0 && it[0].attempts == 2 && it[1].attempts == 0,
	    "claimed again: a with its 2 attempts, c with none");
	store_items_free(it, n);
	store_close(s);
}

/* A result that names its item's seq (as the worker's do) is found by it,
 * and must still match the item's id; one leased or released alike. */
static void test_finish_by_seq(void)
{
	struct store *s = storefix_loaded("{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n");
	char *cause = NULL;
	struct store_item *it = NULL;
	int n = 0, stale = -1;
	if (store_claim(s, "w", 3, 60000, &it, &n, &cause) < 0)
		storefix_bail("claim", cause);
	is_int(n, 3, "claimed a, b, c");
	const char *one[] = { "c" };
	is_int(store_release(s, "w", one, NULL, 1, &cause), 0, "c released: finished from pending");
	struct store_result r[] = {
		{ .id = "a", .seq = it[0].seq, .ok = 1, .attempts = 1, .http_status = 200,
		  .result = "1" },
		{ .id = "b", .seq = it[2].seq, .ok = 1, .attempts = 1, .http_status = 200,
		  .result = "2" },
		{ .id = "c", .seq = it[2].seq, .ok = 0, .attempts = 2, .http_status = 500,
		  .error = "e" },
	};
	is_int(store_finish(s, "w", r, 3, &stale, &cause), 0, "finish by seq");
	is_int(stale, 1, "b named c's seq: not written");
	struct store_counts c = storefix_counts(s);
	is_int(c.done, 1, "a done");
	is_int(c.failed, 1, "c failed");
	is_int(c.leased, 1, "b still leased");
	is_int(c.pending, 0, "none pending");
	r[1].seq = it[1].seq;
	is_int(store_finish(s, "w", &r[1], 1, &stale, &cause), 0, "b by its own seq");
	is_int(stale, 0, "written");
	is_int(storefix_counts(s).done, 2, "a and b done");
	store_items_free(it, n);
	store_close(s);
}

static void test_finish_export(void)
{
	struct store *s = storefix_loaded(
	    "{\"id\":\"a\"}\n{\"id\":2}\n{\"id\":\"c\\\"q\"}\n{\"id\":\"d\"}\n{\"id\":\"e\"}\n");
	char *cause = NULL;
	int stale = -1;
	char *ids = storefix_claim(s, "w", 5, 60000);
	is_str(ids, "a,2,c\"q,d,e", "claimed all");
	free(ids);
	/* Finished out of order: export still follows input order. */
	struct store_result r[] = {
		{ .id = "d", .ok = 1, .attempts = 1, .http_status = 200, .latency_ms = 12,
		  .result = "{\"text\": \"hi\"}", .tokens = 30 },
		{ .id = "2", .ok = 0, .attempts = 4, .http_status = 503, .latency_ms = 7,
		  .error = "http 503: \"overloaded\"\n\x01", .tokens = 0 },
		{ .id = "a", .ok = 1, .attempts = 2, .http_status = 200, .latency_ms = 9,
		  .result = "not json", .tokens = 12 },
		{ .id = "c\"q", .ok = 0, .attempts = 1, .http_status = 400, .latency_ms = 3,
		  .error = "http 400: bad request" },
	};
	is_int(store_finish(s, "w", r, 4, &stale, &cause), 0, "finish 4 in one call");
	is_int(stale, 0, "none stale");
	struct store_counts c = storefix_counts(s);
	is_int(c.done, 2, "2 done");
	is_int(c.failed, 2, "2 failed");
	is_int(c.leased, 1, "1 still leased");
	is_int(c.attempts, 8, "attempts summed");
	is_int(c.tokens, 42, "tokens summed");
	ok(c.first_finish_ms > 0 && c.last_finish_ms >= c.first_finish_ms, "finish times kept");

	char *out = export_text(s, 0);
	is_str(out,
	    "{\"id\":\"a\",\"status\":\"ok\",\"attempts\":2,\"http_status\":200,\"latency_ms\":9,"
	    "\"result\":\"not json\",\"error\":null}\n"
	    "{\"id\":2,\"status\":\"failed\",\"attempts\":4,\"http_status\":503,\"latency_ms\":7,"
	    "\"result\":null,\"error\":\"http 503: \\\"overloaded\\\"\\n\\u0001\"}\n"
	    "{\"id\":\"c\\\"q\",\"status\":\"failed\",\"attempts\":1,\"http_status\":400,"
	    "\"latency_ms\":3,\"result\":null,\"error\":\"http 400: bad request\"}\n"
	    "{\"id\":\"d\",\"status\":\"ok\",\"attempts\":1,\"http_status\":200,\"latency_ms\":12,"
	    "\"result\":{\"text\": \"hi\"},\"error\":null}\n",
	    "export: finished items in input order, exact format");
	free(out);
	out = export_text(s, STORE_EXPORT_FAILED);
	ok(out && strncmp(out, "{\"id\":2,", 8) == 0 && strstr(out, "{\"id\":\"c\\\"q\"") &&
	    !strstr(out, "\"ok\""), "export --failed has only failed items");
	free(out);
	out = export_text(s, STORE_EXPORT_ITEM);
	ok(out && strncmp(out, "{\"id\":\"a\",", 9) == 0 &&
	    strstr(out, "\"error\":null,\"item\":{\"id\":\"a\"}}\n{\"id\":2,") &&
	    strstr(out, ",\"item\":{\"id\":\"d\"}}\n") && !strstr(out, "\"e\""),
	    "export --with-item: each line ends with its item's input object");
	free(out);
	out = export_text(s, STORE_EXPORT_FAILED | STORE_EXPORT_ITEM);
	ok(out && strstr(out, "\"error\":\"http 400: bad request\",\"item\":{\"id\":\"c\\\"q\"}}\n") &&
	    !strstr(out, "\"id\":\"a\""), "export --failed --with-item");
	free(out);
	out = export_text(s, STORE_EXPORT_CSV);
	is_str(out,
	    "id,status,result,error,attempts,http_status,latency_ms,endpoint,tokens,cost\r\n"
	    "a,ok,not json,,2,200,9,,12,\r\n"
	    "2,failed,,\"http 503: \"\"overloaded\"\"\n\x01\",4,503,7,,0,\r\n"
	    "\"c\"\"q\",failed,,http 400: bad request,1,400,3,,0,\r\n"
	    "d,ok,\"{\"\"text\"\": \"\"hi\"\"}\",,1,200,12,,30,\r\n",
	    "export as CSV: RFC 4180's quoting, a string result as its text, JSON as JSON");
	free(out);
	out = export_text(s, STORE_EXPORT_TSV | STORE_EXPORT_ITEM | STORE_EXPORT_FAILED);
	is_str(out,
	    "id\tstatus\tresult\terror\tattempts\thttp_status\tlatency_ms\tendpoint\ttokens\tcost\n"
	    "2\tfailed\t\t\"http 503: \"\"overloaded\"\"\n\x01\"\t4\t503\t7\t\t0\t\n"
	    "\"c\"\"q\"\tfailed\t\thttp 400: bad request\t1\t400\t3\t\t0\t\n",
	    "as TSV with the item's columns (here its id alone; a number as written), "
	    "quoted as CSV is, which csvin reads back");
	free(out);

	struct store_error_class *ec = NULL;
	int n = 0;
	is_int(store_error_classes(s, &ec, &n, &cause), 0, "error classes");
	is_int(n, 2, "two classes");
	ok(n == 2 && ec[0].count == 1 && ec[1].count == 1 &&
	    ((ec[0].http_status == 400 && strcmp(ec[0].prefix, "http 400") == 0) ||
	    (ec[0].http_status == 503 && strcmp(ec[0].prefix, "http 503") == 0)),
	    "grouped by status and prefix");
	store_error_classes_free(ec, n);

	/* Retry: one by id, then the rest. */
	long long moved = -1;
	const char *which[] = { "c\"q", "a", "nope" };
	is_int(store_retry(s, which, 3, &moved, &cause), 0, "retry by ids");
	is_int(moved, 1, "only the failed one moved");
	c = storefix_counts(s);
	is_int(c.pending, 1, "it is pending");
	is_int(c.failed, 1, "one failed left");
	is_int(store_retry(s, NULL, 0, &moved, &cause), 0, "retry all");
	is_int(moved, 1, "moved the last failed one");
	ids = storefix_claim(s, "w2", 5, 60000);
	is_str(ids, "2,c\"q", "retried items are claimed in input order");
	free(ids);
	struct store_item *it = NULL;
	int got = 0;
	store_release(s, "w2", NULL, NULL, 0, &cause);
	store_claim(s, "w3", 1, 60000, &it, &got, &cause);
	ok(got == 1 && it[0].attempts == 0 && strcmp(it[0].json, "{\"id\":2}") == 0 &&
	    it[0].seq == 2, "a retried item starts again at 0 attempts with its JSON and seq");
	store_items_free(it, got);
	out = export_text(s, 0);
	ok(out && !strstr(out, "\"failed\""), "retried items leave the export");
	free(out);
	store_close(s);
}

/* A store of the items (JSON lines), each finished as r[i] says. */
static struct store *finished_store(const char *items, struct store_result *r, int n)
{
	struct store *s = storefix_loaded(items);
	char *cause = NULL, *ids = storefix_claim(s, "w", n, 60000);
	int stale;
	free(ids);
	if (store_finish(s, "w", r, n, &stale, &cause) < 0) {
		diag("finish: %s", cause);
		free(cause);
	}
	return s;
}

/* CSV with the items' columns: every key any item has, in the order
 * first seen, null and missing empty; with result columns, an object
 * result spread over result.KEY, anything else in result. */
static void test_export_columns(void)
{
	char *cause = NULL;
	struct store_result r[] = {
		{ .id = "a", .ok = 1, .attempts = 1, .http_status = 200,
		  .result = "{\"word\":\"cat\",\"n\":2}" },
		{ .id = "b", .ok = 1, .attempts = 1, .http_status = 200, .result = "\"plain\"" },
		{ .id = "c", .ok = 1, .attempts = 1, .http_status = 200,
		  .result = "{\"gloss\":\"x, y\",\"word\":\"dog\"}" },
	};
	struct store *s = finished_store("{\"id\":\"a\",\"x\":1,\"y\":{\"k\":[1]}}\n"
	    "{\"id\":\"b\",\"z\":\"new\"}\n{\"y\":null,\"id\":\"c\",\"x\":\"t\"}\n", r, 3);
	static const struct { unsigned flags; const char *want; } t[] = {
		{ STORE_EXPORT_CSV | STORE_EXPORT_ITEM,
		  "id,x,y,z,status,result,error,attempts,http_status,latency_ms,endpoint,tokens,cost\r\n"
		  "a,1,\"{\"\"k\"\":[1]}\",,ok,\"{\"\"word\"\":\"\"cat\"\",\"\"n\"\":2}\",,1,200,0,,0,\r\n"
		  "b,,,new,ok,plain,,1,200,0,,0,\r\n"
		  "c,t,,,ok,\"{\"\"gloss\"\":\"\"x, y\"\",\"\"word\"\":\"\"dog\"\"}\",,1,200,0,,0,\r\n" },
		{ STORE_EXPORT_CSV | STORE_EXPORT_RESULT_COLS,
		  "id,status,result,result.word,result.n,result.gloss,error,attempts,http_status,"
		  "latency_ms,endpoint,tokens,cost\r\n"
		  "a,ok,,cat,2,,,1,200,0,,0,\r\n"
		  "b,ok,plain,,,,,1,200,0,,0,\r\n"
		  "c,ok,,dog,,\"x, y\",,1,200,0,,0,\r\n" },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		char *buf = NULL;
		size_t len = 0;
		long long written = 0, left_out = -1;
		FILE *m = open_memstream(&buf, &len);
		int rc = store_export(s, m, t[i].flags, &written, &left_out, &cause);
		fclose(m);
		is_str(buf, t[i].want, "export columns %zu", i);
		ok(rc == 0 && written == 3 && left_out == 0, "three rows, no key without a column");
		free(buf);
	}
	store_close(s);
}

/* --no-formulas: a cell a spreadsheet would run (=, +, -, @ first) starts
 * with a ', inside the quotes when it has them; numbers, negative ones
 * too, stay as they are. */
static void test_export_formulas(void)
{
	char *cause = NULL;
	struct store_result r[] = {
		{ .id = "a", .ok = 1, .attempts = 1, .http_status = 200,
		  .result = "\"=HYPERLINK(\\\"http://x\\\")\"" },
		{ .id = "b", .ok = 1, .attempts = 1, .http_status = 200,
		  .result = "\"- noun, a thing\"" },
		{ .id = "c", .ok = 1, .attempts = 1, .http_status = 200, .result = "\"@mention\"" },
		{ .id = "d", .ok = 1, .attempts = 1, .http_status = 200, .result = "-2" },
	};
	struct store *s = finished_store("{\"id\":\"a\",\"x\":\"=cmd|' /C calc'!A0\"}\n"
	    "{\"id\":\"b\",\"x\":-5}\n{\"id\":\"c\",\"x\":\"+1 555 0100\"}\n"
	    "{\"id\":\"d\",\"x\":\"-3.5e2\"}\n", r, 4);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int rc = store_export(s, m, STORE_EXPORT_CSV | STORE_EXPORT_ITEM | STORE_EXPORT_NO_FORMULAS,
	    NULL, NULL, &cause);
	fclose(m);
	is_int(rc, 0, "export with --no-formulas");
	is_str(buf, "id,x,status,result,error,attempts,http_status,latency_ms,endpoint,tokens,cost\r\n"
	    "a,'=cmd|' /C calc'!A0,ok,\"'=HYPERLINK(\"\"http://x\"\")\",,1,200,0,,0,\r\n"
	    "b,-5,ok,\"'- noun, a thing\",,1,200,0,,0,\r\n"
	    "c,'+1 555 0100,ok,'@mention,,1,200,0,,0,\r\n"
	    "d,-3.5e2,ok,-2,,1,200,0,,0,\r\n",
	    "formulas start with ', numbers do not");
	free(buf);
	char *plain = export_text(s, STORE_EXPORT_CSV);
	ok(plain && strstr(plain, "\r\nc,ok,@mention,"), "without it, every cell as it is");
	free(plain);
	store_close(s);
}

static void test_open(void)
{
	struct store *s = NULL;
	char *cause = NULL;
	if (storefix_pg_url()) {
		skip(3, "missing-file checks are SQLite only");
		return;
	}
	char *missing = storefix_path("missing.db");
	char *url = xasprintf("sqlite:%s", missing);
	free(missing);
	is_int(store_open_existing(url, &s, &cause), -1, "open_existing on a missing file fails");
	ok(cause && strstr(cause, "no such job store"), "and says so: %s", cause);
	free(cause);
	free(url);
	char *junk = storefix_path("junk.db");
	storefix_put(junk, "this is not a database, just text that is long enough....\n");
	cause = NULL;
	is_int(store_open_existing(junk, &s, &cause), -1, "a text file is not a store: %s", cause);
	free(cause);
	free(junk);
}

/* "total pending leased done failed attempts tokens", in a static buffer. */
static const char *counts_text(const struct store_counts *c)
{
	static char buf[160];
	snprintf(buf, sizeof buf, "%lld %lld %lld %lld %lld %lld %lld", c->total, c->pending,
	    c->leased, c->done, c->failed, c->attempts, c->tokens);
	return buf;
}

/* Makes the store at url a version 1 store again: no counts, no endpoints,
 * each item's JSON in its row. */
static void downgrade(const char *url)
{
	const char *sql_pg = "SET client_min_messages = warning;"
	    "DROP TABLE psup_counts; DROP FUNCTION psup_count_cb() CASCADE;"
	    "ALTER TABLE psup_items ADD COLUMN json text NOT NULL DEFAULT '';"
	    "UPDATE psup_items i SET json = p.json FROM psup_payloads p WHERE p.seq = i.seq;"
	    "DROP TABLE psup_payloads;"
	    "ALTER TABLE psup_items DROP COLUMN endpoint; ALTER TABLE psup_items DROP COLUMN cost;"
	    "UPDATE psup_meta SET value = '1' WHERE key = 'schema_version';"
	    /* the indexes of those builds: whole-table, and none of failed items */
	    "DROP INDEX psup_items_claim, psup_items_lease, psup_items_failed;"
	    "CREATE INDEX psup_items_claim ON psup_items (state, priority DESC, seq);"
	    "CREATE INDEX psup_items_lease ON psup_items (state, lease_until);"
	    "CREATE INDEX psup_items_owner ON psup_items (owner) WHERE owner IS NOT NULL";
	const char *sql_sq = "ALTER TABLE items ADD COLUMN json TEXT NOT NULL DEFAULT '';"
	    "UPDATE items SET json = (SELECT json FROM payloads p WHERE p.seq = items.seq);"
	    "DROP TABLE payloads;"
	    "DROP TABLE counts; ALTER TABLE items DROP COLUMN endpoint;"
	    "ALTER TABLE items DROP COLUMN cost;"
	    "UPDATE meta SET value = '1' WHERE key = 'schema_version';"
	    "DROP INDEX items_claim; DROP INDEX items_lease; DROP INDEX items_failed;"
	    "CREATE INDEX items_claim ON items (state, priority DESC, seq);"
	    "CREATE INDEX items_lease ON items (state, lease_until);"
	    "CREATE INDEX items_owner ON items (owner) WHERE owner IS NOT NULL";
	if (storefix_pg_url()) {
		PGconn *c = PQconnectdb(storefix_pg_url());
		PGresult *r = PQexec(c, sql_pg);
		ok(PQresultStatus(r) == PGRES_COMMAND_OK, "made a version 1 store: %s",
		    PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return;
	}
	sqlite3 *db = NULL;
	ok(sqlite3_open(url + strlen("sqlite:"), &db) == SQLITE_OK &&
	    sqlite3_exec(db, sql_sq, NULL, NULL, NULL) == SQLITE_OK,
	    "made a version 1 store: %s", db ? sqlite3_errmsg(db) : "");
	sqlite3_close(db);
}

/* The names of the store's claim, lease and failed indexes that cover one
 * state only, and of an index of owners, joined with commas (malloc'd). */
static char *state_indexes(const char *url)
{
	char *out = NULL;
	if (storefix_pg_url()) {
		PGconn *c = PQconnectdb(storefix_pg_url());
		PGresult *r = PQexec(c, "SELECT string_agg(indexname, ',' ORDER BY indexname)"
		    " FROM pg_indexes WHERE tablename = 'psup_items' AND indexname NOT IN"
		    " ('psup_items_pkey', 'psup_items_id_key', 'psup_items_tag')"
		    " AND (indexdef LIKE '%WHERE (state = %' OR indexname = 'psup_items_owner')");
		out = xstrdup(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ?
		    PQgetvalue(r, 0, 0) : PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return out;
	}
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_open(url + strlen("sqlite:"), &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT group_concat(name, ',') FROM (SELECT name"
	    " FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items'"
	    " AND (sql LIKE '%WHERE state = %' OR name = 'items_owner') ORDER BY name)",
	    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		out = xstrdup((const char *)sqlite3_column_text(st, 0));
	else
		out = xstrdup(db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* The counts kept in the store match what the items say, through every
 * move, and a version 1 store (no counts) is counted once when opened. */
static void test_counts_kept(void)
{
	struct store *s = storefix_open(1);
	char *url = storefix_url(0);
	char *path = storefix_path("items.jsonl");
	char *cause = NULL;
	long long added = 0, skipped = 0, moved = 0;
	int stale = -1;
	storefix_put(path, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n{\"id\":\"d\"}\n{\"id\":\"e\"}\n");
	ok(store_load(s, path, "id", NULL, &added, &skipped, &cause) == 0, "load 5");
	free(path);
	free(storefix_claim(s, "w", 4, 60000));
	struct store_result r[] = {
		{ .id = "a", .ok = 1, .attempts = 2, .http_status = 200, .result = "1", .tokens = 5 },
		{ .id = "b", .ok = 0, .attempts = 3, .http_status = 500, .error = "http 500", .tokens = 1 },
		{ .id = "c", .ok = 0, .attempts = 1, .http_status = 400, .error = "http 400" },
	};
	ok(store_finish(s, "w", r, 3, &stale, &cause) == 0, "finish 3");
	const char *one[] = { "b" };
	ok(store_retry(s, one, 1, &moved, &cause) == 0 && moved == 1, "retry b");
	struct store_counts c = storefix_counts(s);
	is_str(counts_text(&c), "5 2 1 1 1 3 5",
	    "counts after load, claim, finish and retry (total pending leased done failed attempts tokens)");
	store_close(s);

	downgrade(url);
	ok(store_open_existing(url, &s, &cause) == 0, "a version 1 store opens: %s", cause ? cause : "");
	struct store_counts m = storefix_counts(s);
	is_str(counts_text(&m), "5 2 1 1 1 3 5", "and is counted once when opened");
	ok(m.first_finish_ms == c.first_finish_ms && m.last_finish_ms == c.last_finish_ms,
	    "with the same span of finishes");
	char *idx = state_indexes(url);
	is_str(idx, storefix_pg_url() ? "psup_items_claim,psup_items_failed,psup_items_lease" :
	    "items_claim,items_failed,items_lease",
	    "its claim, lease and failed indexes are those of one state each, and no other");
	free(idx);
	ok(store_release(s, "w", NULL, NULL, 0, &cause) == 0, "release");
	m = storefix_counts(s);
	is_str(counts_text(&m), "5 3 0 1 1 3 5", "the counts go on from there");
	struct store_item *it = NULL;
	int n = 0;
	ok(store_claim(s, "w2", 1, 60000, &it, &n, &cause) == 0 && n == 1 &&
	    strcmp(it[0].json, "{\"id\":\"b\"}") == 0, "its items keep their JSON");
	store_items_free(it, n);
	store_close(s);
	free(url);
}

static void test_bad_url(void)
{
	struct store *s = NULL;
	char *cause = NULL;
	is_int(store_open("mysql://x/y", &s, &cause), -1, "unknown scheme fails");
	ok(cause && strstr(cause, "unknown job store scheme 'mysql'"), "and names it: %s", cause);
	free(cause);
}

static void test_error_class(void)
{
	static const struct { const char *error, *want; } cases[] = {
		{ "HTTP 503: {\"error\":\"overloaded\"}", "HTTP 503" },
		{ "after 4 attempts: HTTP 503: busy", "HTTP 503" },
		{ "after 1 attempt: HTTP 429: slow down", "HTTP 429" },
		{ "HTTP 429 (quota used up, not retried): {\"error\":1}",
		  "HTTP 429 (quota used up, not retried)" },
		{ "after 4 attempts: transfer failed: Failed to connect to 127.0.0.1 port 9 after 0 ms: "
		  "Connection refused", "transfer failed: Failed to connect to" },
		{ "transfer failed: Timeout was reached", "transfer failed: Timeout was reached" },
		{ "transfer failed: Operation timed out after 30001 milliseconds",
		  "transfer failed: Operation timed out after" },
		{ "after many attempts: x", "after many attempts" },
		{ "plain message", "plain message" },
		{ "", "" },
		{ "line one\nline two: x", "line one" },
		{ "0123456789012345678901234567890123456789012345678901234567890123456789",
		  "012345678901234567890123456789012345678901234567890123456789" },
		/* 59 ASCII bytes then a 2-byte character: cut before it. */
		{ "01234567890123456789012345678901234567890123456789012345678\xc3\xa9xyz",
		  "01234567890123456789012345678901234567890123456789012345678" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[STORE_ERROR_CLASS_MAX + 1];
		store_error_class_of(cases[i].error, buf, sizeof buf);
		is_str(buf, cases[i].want, "error class %zu", i);
	}
}

static void test_speed(void)
{
	struct store *s = storefix_open(1);
	char *path = storefix_path("big.jsonl");
	FILE *f = fopen(path, "w");
	for (int i = 0; i < 15000; i++)
		fprintf(f, "{\"id\":\"item-%05d\",\"text\":\"some text for item %d\",\"n\":%d}\n",
		    i, i, i);
	fclose(f);
	char *cause = NULL;
	long long added = 0, skipped = 0;
	int64_t t0 = clock_mono_ms();
	int rc = store_load(s, path, "id", NULL, &added, &skipped, &cause);
	int64_t ms = clock_mono_ms() - t0;
	ok(rc == 0 && added == 15000, "15,000 items loaded (%s)", cause ? cause : "ok");
	diag("load of 15,000 items took %lld ms", (long long)ms);
	ok(ms < 3000, "load takes well under seconds (%lld ms)", (long long)ms);
	t0 = clock_mono_ms();
	rc = store_load(s, path, "id", NULL, &added, &skipped, &cause);
	diag("reload took %lld ms", (long long)(clock_mono_ms() - t0));
	ok(rc == 0 && added == 0 && skipped == 15000, "reload adds none of 15,000");

	/* Claim and finish everything in batches, as the engine does. */
	t0 = clock_mono_ms();
	long long finished = 0;
	for (;;) {
		struct store_item *it = NULL;
		int n = 0, stale = 0;
		if (store_claim(s, "w", 64, 60000, &it, &n, &cause) < 0 || n == 0)
			break;
		struct store_result *r = xcalloc((size_t)n, sizeof *r);
		for (int i = 0; i < n; i++) {
			r[i].id = it[i].id;
			r[i].ok = 1;
			r[i].attempts = 1;
			r[i].http_status = 200;
			r[i].result = "\"ok\"";
		}
		store_finish(s, "w", r, n, &stale, &cause);
		finished += n - stale;
		free(r);
		store_items_free(it, n);
	}
	diag("claim+finish of 15,000 in batches of 64 took %lld ms",
	    (long long)(clock_mono_ms() - t0));
	is_int(finished, 15000, "all 15,000 finished");
	free(path);
	store_close(s);
}

int main(void)
{
	storefix_begin("store");
	test_load();
	test_bad_lines();
	test_csv();
	test_export_columns();
	test_export_formulas();
	test_priority();
	test_leases();
	test_release();
	test_finish_export();
	test_finish_by_seq();
	test_counts_kept();
	test_open();
	test_bad_url();
	test_error_class();
	test_speed();
	storefix_end();
	return done_testing();
}
