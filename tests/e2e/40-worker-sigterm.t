#!/bin/sh
# SIGTERM finishes or releases the in-flight items and exits 0
# within seconds. The lease here is 5 minutes, so an item the worker kept
# leased would stall the next worker: it must be released, not abandoned.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 11

N=200
# Answers slower than any machine takes to get from the first request to
# the signal: every request is still in flight when SIGTERM comes, and no
# answer can start a new one before it.
worker_setup $N --delay-ms 60000

chat_job_head 90s >job.yaml
cat >>job.yaml <<EOF
limits:
  concurrency: 8
lease: 5m
EOF

psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"
start_worker job.db job.yaml w1
w1=$WORKER_PID

ok "8 requests in flight" wait_for -t "$(slow_bound 10)" testapi_ge .inflight 8
leased=$(psup-worker status --job job.db --json | jq .leased)
cmp_ok "$leased" -ge 8 "the worker holds leases ($leased)"
sent=$(testapi_stats .requests)

t0=$(now_ms)
kill -TERM $w1
wait_exit $w1 "$(slow_bound 10)"
t1=$(now_ms)
is "${WAIT_STATUS:-timeout}" 0 "SIGTERM: exit 0"
# Seconds, where waiting for the answers would take a minute.
cmp_ok $((t1 - t0)) -lt "$(slow_bound 5)000" "SIGTERM: gone within seconds ($((t1 - t0)) ms)"
is "$(testapi_stats .requests)" "$sent" "SIGTERM: no new request after the signal"

js=$(psup-worker status --job job.db --json)
is "$(echo "$js" | jq .leased)" 0 "no item left leased"
is "$(echo "$js" | jq '.done + .pending')" $N "every item done or pending again"
is "$(echo "$js" | jq .done)" 0 "no item done: none was answered before the exit"

# A new worker takes everything at once: nothing waits for a 5 min lease.
testapi_control '{"delay_ms":0}' >/dev/null
run_workers job.db job.yaml "$(slow_bound 20)" w2
is "$WAIT_CODES" 0 "a second worker finishes the job"
jq -r .id items.jsonl >ids.in
psup-worker export --job job.db | jq -r 'select(.status == "ok") | .id' >ids.out
ok "every id ok exactly once, in input order" cmp -s ids.in ids.out
like "$(tail -n 1 w1.log)" 'w1:' "the first worker logged its summary at exit"
