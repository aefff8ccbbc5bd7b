#!/bin/sh
# Lease owners across hosts: two "hosts" (PSUP_WORKER_HOST_ID, a variable
# for tests only) run workers of the same names on one job. Host A's two
# workers are killed mid-run; its chunk-1 restarts and takes its own dead
# predecessor's leases back at once, while chunk-2's are taken over by the
# others once they expire (host B's chunk-1 of the same name neither
# renews nor releases them). The job completes, every item exactly once.
# Then the store-level scenarios (test_store_owner) on SQLite, and on a
# private PostgreSQL server when its binaries are installed.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq sqlite3
plan 13
T="$PSUP_TESTBIN"

N=800
worker_setup $N --seed 7 --delay-ms 20

chat_job_head "$(slow_bound 5)s" >job.yaml
cat >>job.yaml <<EOF
limits:
  concurrency: 4
lease: $(slow_bound 2)s
EOF
job_retry 8 10ms 100ms >>job.yaml
psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"

# host_worker HOST NAME: NAME's worker on HOST, its output in HOST-NAME.log.
host_worker() {
	PSUP_WORKER_HOST_ID=$1 psup-worker run --job job.db --config job.yaml --name "$2" \
		>"$1-$2.log" 2>&1 &
	WORKER_PID=$!
	track_pid "$WORKER_PID"
}
# leased_by PATTERN: the items leased now by owners LIKE PATTERN.
leased_by() {
	sqlite3 -cmd '.timeout 5000' job.db \
		"SELECT count(*) FROM items WHERE state = 'leased' AND owner LIKE '$1'"
}
owners_of() { # PATTERN: distinct owners of leased items LIKE PATTERN
	sqlite3 -cmd '.timeout 5000' job.db \
		"SELECT DISTINCT owner FROM items WHERE state = 'leased' AND owner LIKE '$1'"
}
holds() { [ "$(leased_by "$1")" -gt 0 ]; }

host_worker hostA chunk-1; A1=$WORKER_PID
host_worker hostA chunk-2; A2=$WORKER_PID
host_worker hostB chunk-1; B1=$WORKER_PID

ok "every worker holds leases under its own owner" wait_for -t "$(slow_bound 20)" \
	sh -c "$(command -v sqlite3) -cmd '.timeout 5000' job.db \"SELECT count(DISTINCT owner) FROM items WHERE state = 'leased'\" | grep -qx 3"
a1_owner=$(owners_of 'chunk-1@hostA/%')
like "$a1_owner" "^chunk-1@hostA/[0-9a-f]{8}/$A1-[0-9]+\$" "owners read NAME@HOST/SPACE/PID-START ($a1_owner)"
ok "host A's chunk-2 holds leases" wait_for -t "$(slow_bound 10)" holds 'chunk-2@hostA/%'
ok "host A's chunk-1 holds leases" wait_for -t "$(slow_bound 10)" holds "$a1_owner"

# Host A dies.
kill -9 "$A1" "$A2"
wait_codes "$(slow_bound 5)" "$A1" "$A2"
is "$WAIT_CODES" "137 137" "host A's workers killed mid-run"
a2_held=$(leased_by 'chunk-2@hostA/%')
note "host A's chunk-2 left $a2_held leases"

# chunk-1 comes back on host A: its predecessor's leases return at once.
host_worker hostA chunk-1; A1b=$WORKER_PID
ok "the new chunk-1 on host A releases its dead predecessor's leases" \
	wait_for -t "$(slow_bound 10)" grep -q "released the leases of 1 earlier run of ours" hostA-chunk-1.log
is "$(leased_by "$a1_owner")" 0 "none is left under the dead owner"

wait_codes "$(slow_bound 60)" "$B1" "$A1b"
is "$WAIT_CODES" "0 0" "host B's chunk-1 and the new chunk-1 on host A finish the job" || {
	diag_file hostB-chunk-1.log 5
	diag_file hostA-chunk-1.log 5
	diag "$(psup-worker status --job job.db --json)"
}
ok "host B's chunk-1 released no one's leases" not grep -q "released the leases" hostB-chunk-1.log
js=$(psup-worker status --job job.db --json)
is "$(echo "$js" | jq -c '[.done,.failed,.pending,.leased]')" "[$N,0,0,0]" \
	"all done: host A's chunk-2 leases were taken over once they expired"
psup-worker export --job job.db --output export.jsonl >export.out 2>&1
ids_once=$(jq -r .id export.jsonl | sort | uniq -d | wc -l | tr -d ' ')
is "$ids_once" 0 "every item exported exactly once"

# ---- the store-level scenarios -----------------------------------------------
out=$("$T/test_store_owner" 2>&1); rc=$?
is "$rc" 0 "two hosts, one crashing, on SQLite" || printf '%s\n' "$out" | grep -E '^(not ok|#)' | head -20

. "$PSUP_SRC/tests/e2e/pg-lib.sh"
if ! pg_start; then
	skip 1 "no private PostgreSQL server: $PG_WHY"
	exit 0
fi
out=$(PSUP_TEST_STORE_URL="postgresql:///postgres?host=$PGD&port=$PG_PORT&user=postgres" "$T/test_store_owner" 2>&1); rc=$?
is "$rc" 0 "two hosts, one crashing, on PostgreSQL" || printf '%s\n' "$out" | grep -E '^(not ok|#)' | head -20
