/* The status table from canned list replies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli_status.h"

static char *table_in(const char *json, int color, int width)
{
	cJSON *apps = cJSON_Parse(json);
	struct buf b = { 0 };
	cli_status_format(apps, color, width, &b);
	cJSON_Delete(apps);
	return b.p;
}

static char *table(const char *json, int color)
{
	return table_in(json, color, 0);
}

static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_empty(void)
{
	char *t = table("[]", 0);
	is_str(t, "No apps. Start some with: psup start ecosystem.yaml\n", "empty list: a hint, no table");
	free(t);
}

static void test_plain(void)
{
	char *t = table("[{\"id\":0,\"name\":\"api\",\"group\":\"api\",\"pid\":4242,\"state\":\"online\","
	    "\"reason\":\"\",\"restarts\":3,\"uptime_ms\":7200000,\"cpu\":12.34,\"memory\":1536,"
	    "\"progress\":null}]", 0);
	is_str(t,
	    "┌────┬──────┬──────┬────────┬────────┬───┬─────┬──────┐\n"
	    "│ id │ name │ pid  │ state  │ uptime │ ↺ │ cpu │ mem  │\n"
	    "├────┼──────┼──────┼────────┼────────┼───┼─────┼──────┤\n"
	    "│ 0  │ api  │ 4242 │ online │ 2h     │ 3 │ 12% │ 1.5K │\n"
	    "└────┴──────┴──────┴────────┴────────┴───┴─────┴──────┘\n",
	    "one app, no progress: the exact table");
	free(t);
}

static const char *const jobs =
	"[{\"id\":1,\"name\":\"chunk-1\",\"group\":\"chunk\",\"pid\":11,\"state\":\"online\",\"restarts\":1,"
	"\"uptime_ms\":1000,\"cpu\":50,\"memory\":1048576,"
	"\"progress\":{\"done\":250,\"total\":1000,\"failed\":2,\"rate\":10,\"eta_s\":75}},"
	"{\"id\":2,\"name\":\"chunk-2\",\"group\":\"chunk\",\"pid\":0,\"state\":\"errored\",\"restarts\":16,"
	"\"reason\":\"crash loop\",\"uptime_ms\":0,\"cpu\":0,\"memory\":0,"
	"\"progress\":{\"done\":750,\"total\":1000,\"failed\":0,\"rate\":0,\"eta_s\":null}},"
	"{\"id\":3,\"name\":\"solo\",\"group\":\"solo\",\"pid\":12,\"state\":\"stopped\",\"restarts\":0,"
	"\"uptime_ms\":0,\"cpu\":0,\"memory\":0,\"progress\":null}]";

/* Chunk workers over one queue each report the whole job's numbers. */
static const char *const shared =
	"[{\"id\":1,\"name\":\"chunk-1\",\"group\":\"chunk\",\"pid\":11,\"state\":\"online\",\"restarts\":0,"
	"\"uptime_ms\":1000,\"cpu\":5,\"memory\":1048576,"
	"\"progress\":{\"done\":600,\"total\":1000,\"failed\":1,\"rate\":20,\"eta_s\":20,\"job\":\"job:ab\"}},"
	"{\"id\":2,\"name\":\"chunk-2\",\"group\":\"chunk\",\"pid\":12,\"state\":\"online\",\"restarts\":0,"
	"\"uptime_ms\":1000,\"cpu\":5,\"memory\":1048576,"
	"\"progress\":{\"done\":590,\"total\":1000,\"failed\":1,\"rate\":19,\"eta_s\":22,\"job\":\"job:ab\"}}]";

/* What a running app says it waits for (its note) goes under the table;
 * a stopped app's last note does not, an errored app's reason wins. */
static void test_notes(void)
{
	char *t = table("[{\"id\":1,\"name\":\"w\",\"pid\":5,\"state\":\"online\",\"restarts\":0,"
	    "\"progress\":{\"done\":1,\"note\":\"the API is down for 40 s (HTTP 503): one probe every 10 s\"}},"
	    "{\"id\":2,\"name\":\"old\",\"pid\":0,\"state\":\"stopped\",\"restarts\":0,"
	    "\"progress\":{\"done\":1,\"note\":\"stale\"}},"
	    "{\"id\":3,\"name\":\"bad\",\"pid\":0,\"state\":\"errored\",\"restarts\":0,"
	    "\"reason\":\"exited with code 1: fix the key\",\"progress\":{\"done\":1,\"note\":\"x\"}}]", 0);
	ok(strstr(t, "\nw online: the API is down for 40 s (HTTP 503): one probe every 10 s\n") != NULL,
	    "a running app's note under the table");
	ok(strstr(t, "stale") == NULL, "not a stopped app's last note");
	ok(strstr(t, "\nbad errored: exited with code 1: fix the key\n") != NULL, "an errored app's reason");
	free(t);
}

static void test_shared_job(void)
{
	char *t = table(shared, 0);
	ok(strstr(t, "│ 600/1000   │ 1      │ 20.0/s │ 20s │\n└") != NULL,
	    "a group on one shared job shows the job's newest numbers, not their sum");
	ok(strstr(t, "1190/2000") == NULL, "no double counting of a shared job");
	free(t);
}

static void test_jobs(void)
{
	char *t = table(jobs, 0);
	ok(strstr(t, "│ progress        │ done/total │ failed │ rate   │ eta │") != NULL,
	    "progress columns appear when an app reports progress");
	ok(strstr(t, "│ ██▌") == NULL, "no partial cells");
	ok(strstr(t, "███░░░░░░░  25% │ 250/1000   │ 2      │ 10.0/s │ 1m  │") != NULL,
	    "chunk-1: bar, count, failed, rate, eta");
	ok(strstr(t, "│    │ chunk (2) │     │ 1/2 errored │        │ 17 │ 50%  │ 1M  │ █████░░░░░  50% │ 1000/2000 ") != NULL,
	    "the group row sums restarts, cpu, memory and progress");
	is_int(count(t, "chunk (2)"), 1, "one group row");
	ok(strstr(t, "solo (") == NULL, "no group row for a single app");
	ok(strstr(t, "chunk-2 errored: crash loop\n") != NULL, "the reason under the table");
	ok(strchr(t, '\033') == NULL, "no escape without colour");
	free(t);

	t = table(jobs, 1);
	ok(strstr(t, "\033[32monline\033[0m") != NULL, "online in green");
	ok(strstr(t, "\033[31merrored\033[0m") != NULL, "errored in red");
	ok(strstr(t, "\033[90mstopped\033[0m") != NULL, "stopped in grey");
	free(t);
}

/* A name longer than a status cell is cut with an ellipsis. */
static void test_long_name(void)
{
	char json[600];
	char name[300];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = 0;
	snprintf(json, sizeof json, "[{\"id\":1,\"name\":\"%s\",\"pid\":0,\"state\":\"stopped\"}]",
	    name);
	char *t = table(json, 0);
	ok(t && strstr(t, "nnn… ") != NULL, "status: a long name is cut with an ellipsis");
	free(t);
}

/* Members of two groups interleaved with a single app: each group's row
 * comes once, right after its last member. */
static void test_interleaved_groups(void)
{
	char *t = table("[{\"id\":1,\"name\":\"a-1\",\"group\":\"a\",\"state\":\"online\"},"
	    "{\"id\":2,\"name\":\"b-1\",\"group\":\"b\",\"state\":\"online\"},"
	    "{\"id\":3,\"name\":\"solo\",\"group\":\"solo\",\"state\":\"online\"},"
	    "{\"id\":4,\"name\":\"a-2\",\"group\":\"a\",\"state\":\"online\"},"
	    "{\"id\":5,\"name\":\"b-2\",\"group\":\"b\",\"state\":\"stopped\"},"
	    "{\"id\":6,\"name\":\"a-3\",\"group\":\"a\",\"state\":\"online\"}]", 0);
	const char *a3 = strstr(t, "a-3"), *ga = strstr(t, "a (3)");
	const char *b2 = strstr(t, "b-2"), *gb = strstr(t, "b (2)");
	ok(a3 && ga && ga > a3 && count(t, "a (3)") == 1, "group a's row once, after a-3");
	ok(b2 && gb && gb > b2 && gb < a3, "group b's row after b-2, before a-3");
	ok(strstr(t, "1/2 online") != NULL, "a mixed group's state");
	ok(strstr(t, "solo (") == NULL, "no row for the single app");
	free(t);
}

/* The head line of a table (its second line). */
static char *head_of(const char *t)
{
	const char *a = strchr(t, '\n'), *b = a ? strchr(a + 1, '\n') : NULL;
	if (!b)
		return strdup("");
	char *h = strndup(a + 1, (size_t)(b - a - 1));
	return h;
}

/* The widest line of t, in terminal columns (box characters count one). */
static int widest(const char *t)
{
	int most = 0, n = 0;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
		if (*p == '\n') {
			most = n > most ? n : most;
			n = 0;
		} else if ((*p & 0xc0) != 0x80) {
			n++;
		}
	}
	return n > most ? n : most;
}

/* A terminal narrower than the table: columns go, the least needed
 * first, until it fits; the bar goes before the counts. */
static void test_width(void)
{
	static const struct {
		int width;
		const char *head;
	} cases[] = {
		{ 0, "│ id │ name      │ pid │ state       │ uptime │ ↺  │ cpu  │ mem │ progress        "
		    "│ done/total │ failed │ rate   │ eta │" },
		{ 200, "│ id │ name      │ pid │ state       │ uptime │ ↺  │ cpu  │ mem │ progress        "
		    "│ done/total │ failed │ rate   │ eta │" },
		{ 120, "│ id │ name      │ pid │ state       │ uptime │ ↺  │ cpu  │ mem │ progress        "
		    "│ done/total │ failed │ rate   │ eta │" },
		{ 110, "│ id │ name      │ state       │ ↺  │ cpu  │ mem │ progress        │ done/total "
		    "│ failed │ rate   │ eta │" },
		{ 100, "│ id │ name      │ state       │ ↺  │ cpu  │ mem │ progress        │ done/total "
		    "│ failed │ eta │" },
		{ 80, "│ id │ name      │ state       │ progress        │ done/total │ failed │ eta │" },
		{ 70, "│ name      │ state       │ progress │ done/total │ failed │ eta │" },
		{ 60, "│ name      │ state       │ progress │ failed │ eta │" },
		{ 50, "│ name      │ state       │ progress │ failed │" },
		{ 20, "│ name      │ state       │ progress │" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *t = table_in(jobs, 0, cases[i].width);
		char *h = head_of(t);
		is_str(h, cases[i].head, "%d columns: the columns kept", cases[i].width);
		if (cases[i].width >= 50)
			ok(widest(t) <= cases[i].width, "%d columns: the table fits (%d)",
			    cases[i].width, widest(t));
		free(h);
		free(t);
	}
	char *t = table_in(jobs, 0, 60);
	ok(strstr(t, "│  25%     │") != NULL && strstr(t, "░") == NULL,
	    "narrow: the percentage without its bar");
	ok(strstr(t, "chunk-2 errored: crash loop\n") != NULL, "the reasons still under it");
	free(t);
	t = table_in("[{\"id\":0,\"name\":\"api\",\"pid\":4242,\"state\":\"online\","
	    "\"restarts\":3,\"uptime_ms\":7200000,\"cpu\":12.34,\"memory\":1536}]", 0, 40);
	char *h = head_of(t);
	is_str(h, "│ id │ name │ state  │ ↺ │ cpu │ mem  │", "no progress: the same order, within 40 columns");
	free(h);
	free(t);
}

int main(void)
{
	test_width();
	test_interleaved_groups();
	test_empty();
	test_plain();
	test_jobs();
	test_notes();
	test_shared_job();
	test_long_name();
	return done_testing();
}
