#!/bin/sh
# Issue 3: kill -9 one of 3 workers mid-run. Its leased items come back when
# their (short) lease expires and the others finish the job: every id exactly
# once, in input order, all ok. The workers share a limiter, so the killed one
# must not leave the shared state locked either.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 11

N=3000
mk_home
cd "$TMPD" || bail_out "no TMPD"
gen_items $N items.jsonl
start_testapi --seed 5 --delay-ms 20 --fail-500 0.02 || bail_out "cannot start psup-testapi"

chat_job_head 5s >job.yaml
cat >>job.yaml <<EOF
limits:
  concurrency: 8
  rpm: 600000
  shared: kill-test
retry:
  max_attempts: 8
  base_delay: 10ms
  max_delay: 100ms
lease: 2s
EOF

psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"

run_worker() { # NAME: starts a worker, sets PID
	psup-worker run --job job.db --config job.yaml --name "$1" >"$1.log" 2>&1 &
	PID=$!
	track_pid $PID
}
run_worker w1; pid1=$PID
run_worker w2; pid2=$PID
run_worker w3; pid3=$PID

# Mid-run: a quarter of the requests made, well before the end.
past_quarter() { [ "$(testapi_stats .requests)" -ge $((N / 4)) ]; }
ok "the run gets going" wait_for -t 30 past_quarter
kill -9 "$pid2"
wait_exit "$pid2" 5
is "${WAIT_STATUS:-}" 137 "worker w2 killed with SIGKILL mid-run"
at_kill=$(psup-worker status --job job.db --json)
note "at the kill: $(echo "$at_kill" | jq -c '{done,leased,pending}')"
cmp_ok "$(echo "$at_kill" | jq .pending)" -gt 0 "the kill came before the end"

codes=""
for p in "$pid1" "$pid3"; do
	if wait_exit "$p" 60; then codes="$codes $WAIT_STATUS"; else codes="$codes timeout"; fi
done
is "$codes" " 0 0" "the 2 other workers finish and exit 0" || {
	for w in w1 w3; do diag_file "$w.log" 5; done
	diag "$(psup-worker status --job job.db --json)"
}

psup-worker export --job job.db --output export.jsonl >export.out 2>&1
is "$(wc -l <export.jsonl | tr -d ' ')" $N "export has $N lines"
jq -r .id items.jsonl >ids.in
jq -r .id export.jsonl >ids.out
ok "every id exactly once, in input order" cmp -s ids.in ids.out
is "$(jq -r 'select(.status != "ok") | .id' export.jsonl | wc -l | tr -d ' ')" 0 "every item ok"
jq -r '"echo: " + .text' items.jsonl >want.txt
jq -r .result export.jsonl >got.txt
ok "each result is the answer to its own item" cmp -s want.txt got.txt
js=$(psup-worker status --job job.db --json)
is "$(echo "$js" | jq -c '[.done,.failed,.pending,.leased]')" "[$N,0,0,0]" "status: all done, nothing leased"

# w2's in-flight requests were answered to a dead socket and redone later:
# the API answered a little more than N times, but not N plus a batch more.
answered=$(testapi_stats .by_fault.none)
cmp_ok "$answered" -ge $N "the API answered every item ($answered answers)"
cmp_ok "$answered" -le $((N + 64)) "... and redid only what w2 had in flight"
