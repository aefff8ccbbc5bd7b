#!/bin/sh
# The PostgreSQL job store against a private server started here (its own
# data directory and unix socket in a temp dir, no TCP): the store unit and
# race tests, then the CLI, whose export must equal the SQLite store's for
# the same work. Skips when no PostgreSQL server binaries are installed.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker
set -u
W="$PSUP_BIN/psup-worker"
T="$PSUP_TESTBIN"

[ -x "$T/test_store" ] && [ -x "$T/test_store_race" ] || plan_skip_all "store tests not built"
mk_home
. "$PSUP_SRC/tests/e2e/pg-lib.sh"
pg_start || plan_skip_all "$PG_WHY"
cd "$TMPD" || bail_out "cannot cd to $TMPD"
URL="postgresql:///postgres?host=$PGD&port=$PG_PORT&user=postgres"

# ---- the store's own tests on this server -----------------------------------
out=$(PSUP_TEST_STORE_URL=$URL "$T/test_store" 2>&1); rc=$?
is "$rc" 0 "store unit tests pass on PostgreSQL"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | grep -E '^(not ok|#)' | head -20
like "$out" "^# backend: postgresql" "(they ran on PostgreSQL)"
out=$(PSUP_TEST_STORE_URL=$URL "$T/test_store_race" 2>&1); rc=$?
is "$rc" 0 "8 processes share the queue with no double claim"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | grep -E '^(not ok|#)' | head -20
[ -x "$T/test_store_where" ] || bail_out "test_store_where not built"
out=$(PSUP_TEST_STORE_URL=$URL "$T/test_store_where" 2>&1); rc=$?
is "$rc" 0 "store subset tests (tags, --where) pass on PostgreSQL"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | grep -E '^(not ok|#)' | head -20
[ -x "$T/test_store_init" ] || bail_out "test_store_init not built"
out=$(PSUP_TEST_STORE_URL=$URL "$T/test_store_init" 2>&1); rc=$?
is "$rc" 0 "store first-load tests (indexes made after) pass on PostgreSQL"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | grep -E '^(not ok|#)' | head -20

# ---- the CLI ---------------------------------------------------------------
awk 'BEGIN {
	for (i = 1; i <= 120; i++) {
		id = (i == 3) ? "3" : "\"k" i "\""
		f = (i % 8 == 0) ? ",\"fail\":true" : ""
		printf "{\"id\":%s,\"text\":\"t\\u00e9 %d\\t\"%s,\"pri\":%d}\n", id, i, f, i % 3
	}
}' > items.jsonl

PGDB="postgresql:///psupjob?host=$PGD&port=$PG_PORT&user=postgres"
pg_as "$PGBIN/createdb" -h "$PGD" -p "$PG_PORT" -U postgres psupjob > /dev/null 2>&1
err=$("$W" status --job "$PGDB" 2>&1); rc=$?
is "$rc" 1 "status on a database without a job exits 1"
like "$err" "^psup-worker: status: postgresql psupjob@.*: no such job store" "and says so"
err=$("$W" status --job "postgresql:///nosuchdb?host=$PGD&port=$PG_PORT&user=postgres" 2>&1); rc=$?
is "$rc" 1 "a missing database exits 1"
like "$err" "^psup-worker: status: postgresql server: cannot connect: .*nosuchdb" "and names it on one line"

out=$("$W" init --job "$PGDB" --input items.jsonl --priority-field pri 2>&1); rc=$?
is "$rc" 0 "init into PostgreSQL"
like "$out" "^loaded 120 new items .*\(0 already present\)" "120 new items"
out=$("$W" init --job "$PGDB" --input items.jsonl --priority-field pri 2>&1)
like "$out" "^loaded 0 new items .*\(120 already present\)" "loading again adds nothing"
printf '{"id":"x1"}\n{"id":"x2"}\n{"id":"x1"}\n' > dup.jsonl
err=$("$W" init --job "$PGDB" --input dup.jsonl 2>&1); rc=$?
is "$rc" 2 "a duplicate id exits 2"
is "$err" 'psup-worker: init: dup.jsonl:3: duplicate id "x1" (first on line 1)' "with both lines"
printf '{"id":"y1"}\nnot json\n' > bad.jsonl
err=$("$W" init --job "$PGDB" --input bad.jsonl 2>&1)
like "$err" "^psup-worker: init: bad.jsonl:2: not valid JSON" "a bad line names its line"
is "$(json_num "$("$W" status --job "$PGDB" --json)" total)" 120 "failed loads added nothing"

# The same items and work on SQLite, for comparison.
"$W" init --job lite.db --input items.jsonl --priority-field pri > /dev/null
"$T/test_store_race" --finish-all lite.db > /dev/null

finish_all "$PGDB" 8
is "$WAIT_CODES" "0 0 0 0 0 0 0 0" "8 concurrent finishers on PostgreSQL exit 0"
is "$(cat fin.*.err)" "" "with no error"
is "$(cat fin.*.out | awk '{ s += $1 } END { print s }')" 120 "each item finished once"

status=$("$W" status --job "$PGDB" --json)
is "$(json_num "$status" done)/$(json_num "$status" failed)/$(json_num "$status" pending)" 105/15/0 "105 done, 15 failed"
like "$status" '"errors":\[\{"http_status":503,"error":"http 503","count":15\}\]' "error classes"
"$W" export --job "$PGDB" > pg.jsonl
"$W" export --job lite.db > lite.jsonl
is "$(wc -l < pg.jsonl | tr -d ' ')" 120 "export has 120 lines"
ok "PostgreSQL export equals SQLite export" cmp -s pg.jsonl lite.jsonl ||
	diff pg.jsonl lite.jsonl | head -4 | while IFS= read -r l; do diag "$l"; done
is "$(sed -n 3p pg.jsonl)" '{"id":3,"status":"ok","attempts":1,"http_status":200,"latency_ms":10,"result":"té 3\t","error":null}' "an integer id and a result with escapes"
out=$("$W" export --job "$PGDB" --failed --output failed.jsonl)
is "$(wc -l < failed.jsonl | tr -d ' ')" 15 "export --failed --output"
out=$("$W" retry --job "$PGDB" --ids k8,k16,k1 2>/dev/null)
is "$out" "2 failed items back to pending" "retry --ids"
out=$("$W" retry --job "$PGDB")
is "$out" "13 failed items back to pending" "retry the rest"
status=$("$W" status --job "$PGDB" --json)
is "$(json_num "$status" pending)" 15 "15 pending again"

# A tagged load and a subset through the CLI.
printf '{"id":"e1","lang":"en"}\n{"id":"e2","lang":"fr"}\n' > extra.jsonl
out=$("$W" init --job "$PGDB" --input extra.jsonl --tag extra)
like "$out" "^loaded 2 new items .*, tagged extra " "init --tag"
is "$(json_num "$("$W" status --job "$PGDB" --where tag=extra --json)" pending)" 2 "status --where tag=extra: its 2 items"
is "$(json_num "$("$W" status --job "$PGDB" --where tag=extra --where lang=fr --json)" total)" 1 "two --where are ANDed"

done_testing
