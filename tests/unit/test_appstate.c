/* appstate pack/unpack round trips, state names, and malformed lines. */
#include "tap.h"
#include "appstate.h"

#include <stdlib.h>

static int same(const struct app_state *a, const struct app_state *b)
{
	if (a->state != b->state || a->keeper_pid != b->keeper_pid || a->pid != b->pid ||
	    a->pgid != b->pgid || a->started_ms != b->started_ms || a->since_ms != b->since_ms ||
	    a->next_start_ms != b->next_start_ms || a->restarts != b->restarts ||
	    a->unstable != b->unstable || a->n_exits != b->n_exits ||
	    strcmp(a->reason, b->reason) != 0 || a->has_progress != b->has_progress ||
	    a->progress_bad != b->progress_bad || a->lines_dropped != b->lines_dropped ||
	    a->lines_split != b->lines_split || strcmp(a->log_error, b->log_error) != 0 ||
	    a->keeper_start != b->keeper_start || a->pgid_start != b->pgid_start ||
	    a->in_cgroup != b->in_cgroup)
		return 0;
	/* field by field: struct progress has padding, which a struct
	 * assignment need not copy (clang's does not) */
	for (int i = 0; i < a->n_exits; i++)
		if (a->exits[i].at_ms != b->exits[i].at_ms || a->exits[i].code != b->exits[i].code ||
		    a->exits[i].signal != b->exits[i].signal ||
		    a->exits[i].runtime_ms != b->exits[i].runtime_ms)
			return 0;
	const struct progress *p = &a->progress, *q = &b->progress;
	if (a->has_progress && (p->have != q->have || p->done != q->done || p->total != q->total ||
	    p->failed != q->failed || p->inflight != q->inflight || strcmp(p->job, q->job) != 0 ||
	    strcmp(p->note, q->note) != 0 || p->stat_have != q->stat_have || memcmp(p->stat, q->stat, sizeof p->stat) != 0 ||
	    a->progress_ms != b->progress_ms))
		return 0;
	return 1;
}

static const char *bad[] = {
	"",
	"pid=1",
	"state=running",
	"state=online pid=x",
	"state=online pid=-1",
	"state=online noequals",
	"state=online =1",
	"state=online exit=1,2,3",
	"state=online keeper_start=-5",
	"state=online pgid_start=x",
	"state=online exit=1,2,3,4,5",
	"state=online exit=1,300,0,4",
	"state=online progress_stats=req_2xx",
	"state=online progress_stats=req_2xx:-1",
	"state=online reason=%G1",
	"state=online reason=%4",
	"state=online reason=a%00b",
	"state=online progress=1,2,3",
	"state=online progress=65536,1,2,3,4",
	"state=online progress=-1,1,2,3,4",
	"state=online restarts=99999999999",
	"state=online started=12a",
};

int main(void)
{
	plan_no_plan();

	for (int k = APP_LAUNCHING; k <= APP_COMPLETED; k++) {
		enum app_state_kind back;
		const char *name = app_state_name((enum app_state_kind)k);
		ok(app_state_parse(name, &back) == 0 && (int)back == k, "state name %s", name);
	}
	enum app_state_kind x;
	is_int(app_state_parse("running", &x), -1, "unknown state name");
	is_str(app_state_name((enum app_state_kind)99), "unknown", "out of range name");

	struct app_state a;
	memset(&a, 0, sizeof a);
	a.state = APP_ERRORED;
	a.keeper_pid = 1234;
	a.pid = 0;
	a.pgid = 5678;
	a.started_ms = 1700000000123LL;
	a.since_ms = 1700000001000LL;
	a.next_start_ms = 0;
	a.restarts = 17;
	a.unstable = 16;
	a.n_exits = 2;
	a.exits[0] = (struct app_exit){ 1700000000999LL, -1, 9, 12 };
	a.exits[1] = (struct app_exit){ 1700000000500LL, 3, 0, 480 };
	snprintf(a.reason, sizeof a.reason, "cannot exec /no such/x: 100%% gone=\n\x01\xff");
	a.has_progress = 1;
	a.progress = (struct progress){ .have = 3 | PROGRESS_HAVE_JOB, .done = 10, .total = 20,
	    .job = "job:00ff", .note = "the API is down for 40 s (HTTP 503): 100% \xe2\x80\x94 =" };
	a.progress.stat_have = 1u << PROGRESS_STAT_REQ_429 | 1u << PROGRESS_STAT_LAT_P99_MS;
	a.progress.stat[PROGRESS_STAT_REQ_429] = 7;
	a.progress.stat[PROGRESS_STAT_LAT_P99_MS] = 9223372036854775807LL;
	a.progress_ms = 1700000000777LL;
	a.progress_bad = 2;
	a.lines_dropped = 3;
	a.lines_split = 4;
	snprintf(a.log_error, sizeof a.log_error, "cannot write /l/a b.log: No space left on device");
	a.keeper_start = 123456789012ULL;
	a.pgid_start = 123456789099ULL;
	a.in_cgroup = 1;

	char line[1024];
	int n = appstate_pack(&a, line, sizeof line);
	is_int(n, (int)strlen(line), "pack returns length");
	ok(!strchr(line, '\n'), "packed line has no newline");
	ok(strstr(line, "state=errored ") == line, "state first");
	ok(strstr(line, "reason=cannot%20exec%20/no%20such/x:%20100%25%20gone%3D%0A%01%FF"),
	    "reason escaped: %s", line);
	ok(strstr(line, " progress_note=the%20API%20is%20down%20for%2040%20s%20(HTTP%20503):%20100%25%20%E2%80%94%20%3D"),
	    "the note escaped: %s", line);
	ok(strstr(line, " progress_stats=req_429:7,lat_p99_ms:9223372036854775807"),
	    "request stats by name: %s", line);
	struct app_state b;
	is_int(appstate_unpack(line, (size_t)n, &b), 0, "unpack");
	ok(same(&a, &b), "round trip");
	const char *newer = "state=online progress=1,5,0,0,0 progress_stats=req_2xx:4,later:9";
	is_int(appstate_unpack(newer, strlen(newer), &b), 0, "a newer keeper's stats");
	ok(b.progress.stat_have == 1u << PROGRESS_STAT_REQ_2XX &&
	    b.progress.stat[PROGRESS_STAT_REQ_2XX] == 4, "its unknown stats skipped");
	ok(strstr(line, " cgroup=1"), "a run in a cgroup says so");
	const char *bits = "state=online progress=99,5,9,0,0";
	is_int(appstate_unpack(bits, strlen(bits), &b), 0, "a newer keeper's progress bits");
	is_int((int)b.progress.have, 3, "... skipped, the known ones kept (99 -> done, total)");
	struct app_state c;
	ok(appstate_unpack("state=online cgroup=2", 21, &c) < 0, "cgroup= takes 0 or 1");

	/* snprintf-like truncation */
	char small[20];
	int need = appstate_pack(&a, small, sizeof small);
	is_int(need, n, "truncated pack reports full length");
	is_int(strlen(small), sizeof small - 1, "truncated output NUL-terminated");

	/* minimal, with unknown keys and extra spaces */
	const char *m = "state=online  pid=42 future_key=whatever restarts=1 ";
	is_int(appstate_unpack(m, strlen(m), &b), 0, "unknown keys skipped");
	is_int(b.pid, 42, "pid");
	is_int(b.state, APP_ONLINE, "state");
	is_int(b.restarts, 1, "restarts");
	is_int(b.has_progress, 0, "no progress");

	/* more exits than kept are ignored, not an error */
	char many[512] = "state=stopped";
	for (int i = 0; i < 8; i++) {
		size_t l = strlen(many);
		snprintf(many + l, sizeof many - l, " exit=%d,1,0,5", i);
	}
	is_int(appstate_unpack(many, strlen(many), &b), 0, "many exits");
	is_int(b.n_exits, APPSTATE_EXITS, "kept at most APPSTATE_EXITS");

	/* a status written before start times were recorded: unknown, never
	 * proof of anything */
	const char *old = "state=online keeper_pid=10 pid=11 pgid=11";
	is_int(appstate_unpack(old, strlen(old), &b), 0, "a line without start times");
	ok(b.keeper_start == 0 && b.pgid_start == 0, "leaves them 0 (unknown)");

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is_int(appstate_unpack(bad[i], strlen(bad[i]), &b), -1, "bad line [%s]", bad[i]);

	/* Every truncation is read without going past its end (ASan checks the
	 * heap copy has no slack): a line cut inside its state is refused, and
	 * one cut between two fields holds whole fields, so it parses. */
	const size_t state_len = strlen("state=errored");
	int cut_state_refused = 1, cut_between_parse = 1, between = 0;
	for (int k = 0; k < n; k++) {
		char *copy = malloc((size_t)(k ? k : 1));
		memcpy(copy, line, (size_t)k);
		int r = appstate_unpack(copy, (size_t)k, &b);
		if ((size_t)k < state_len && r != -1) {
			cut_state_refused = 0;
			diag("cut at %d parses: [%.*s]", k, k, line);
		}
		if ((size_t)k >= state_len && line[k] == ' ') {
			between++;
			if (r != 0 || b.state != APP_ERRORED) {
				cut_between_parse = 0;
				diag("cut at %d refused: [%.*s]", k, k, line);
			}
		}
		free(copy);
	}
	ok(cut_state_refused, "every cut inside the state is refused");
	ok(cut_between_parse && between > 10, "every cut between fields parses (%d cuts)", between);
	return done_testing();
}
