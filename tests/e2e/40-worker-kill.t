#!/bin/sh
# Kill -9 one of 3 workers mid-run. Its leased items come back when
# their (short) lease expires and the others finish the job: every id exactly
# once, in input order, all ok. The lease is short so the test is, but
# longer for a slow build: a live worker must renew its leases in time. The workers share a limiter, so the killed one
# must not leave the shared state locked either.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 11

N=3000
worker_setup $N --seed 5 --delay-ms 20 --fail-500 0.02

chat_job_head "$(slow_bound 5)s" >job.yaml
cat >>job.yaml <<EOF
limits:
  concurrency: 8
  rpm: 600000
  shared: kill-test
lease: $(slow_bound 2)s
EOF
job_retry 8 10ms 100ms >>job.yaml

psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"

start_worker job.db job.yaml w1; pid1=$WORKER_PID
start_worker job.db job.yaml w2; pid2=$WORKER_PID
start_worker job.db job.yaml w3; pid3=$WORKER_PID

# Mid-run: a quarter of the requests made, well before the end.
ok "the run gets going" wait_for -t "$(slow_bound 30)" testapi_ge .requests $((N / 4))
kill -9 "$pid2"
wait_exit "$pid2" "$(slow_bound 5)"
is "${WAIT_STATUS:-}" 137 "worker w2 killed with SIGKILL mid-run"
at_kill=$(psup-worker status --job job.db --json)
note "at the kill: $(echo "$at_kill" | jq -c '{done,leased,pending}')"
cmp_ok "$(echo "$at_kill" | jq .pending)" -gt 0 "the kill came before the end"

wait_codes "$(slow_bound 60)" "$pid1" "$pid3"
is "$WAIT_CODES" "0 0" "the 2 other workers finish and exit 0" || {
	for w in w1 w3; do diag_file "$w.log" 5; done
	diag "$(psup-worker status --job job.db --json)"
}

psup-worker export --job job.db --output export.jsonl >export.out 2>&1
export_matches items.jsonl export.jsonl
js=$(psup-worker status --job job.db --json)
is "$(echo "$js" | jq -c '[.done,.failed,.pending,.leased]')" "[$N,0,0,0]" "status: all done, nothing leased"

# w2's in-flight requests were answered to a dead socket and redone later:
# the API answered a little more than N times, but not N plus a batch more.
answered=$(testapi_stats .by_fault.none)
cmp_ok "$answered" -ge $N "the API answered every item ($answered answers)"
cmp_ok "$answered" -le $((N + 64)) "... and redid only what w2 had in flight"
