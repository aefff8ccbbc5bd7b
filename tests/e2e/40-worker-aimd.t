#!/bin/sh
# Repeated 429s lower the worker's concurrency (AIMD) and it rises
# again once they stop. Observed from the API side: how many requests are in
# flight at once, sampled while the API answers half the requests with 429
# (Retry-After 0, so only AIMD slows the worker), then after it stops.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 6

# Enough items that the job cannot run dry before the climb back is seen,
# however slow the machine; once it is, the API answers at once and the
# rest goes fast.
N=1000
C=16
worker_setup $N --delay-ms 100 --fail-429 0.5 --retry-after 0

chat_job_head "$(slow_bound 5)s" >job.yaml
# An rpm far above the pace: with none the worker would start slow (its
# limit unknown), and here only AIMD may slow it.
printf 'limits:\n  concurrency: %s\n  rpm: 600000\nlease: 60s\n' $C >>job.yaml
job_retry 50 10ms 50ms >>job.yaml

psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"
start_worker job.db job.yaml w
w=$WORKER_PID

# in_flight_all OP N: 5 samples of the API's in-flight count, 60 ms apart,
# all OP N (one sample could fall between an answer and the next request).
in_flight_all() {
	i=0
	while [ $i -lt 5 ]; do
		test "$(testapi_stats .inflight)" "$1" "$2" || return 1
		i=$((i + 1))
		sleep 0.06
	done
}
ok "starts at full concurrency ($C)" wait_for -t "$(slow_bound 10)" testapi_ge .max_inflight $C
ok "429s bring it down to 2 or less" wait_for -t "$(slow_bound 20)" in_flight_all -le 2
note "$(grep -c 'lowered' w.log) decreases logged"
testapi_control '{"fail_429":0}' >/dev/null
t0=$(now_ms)
# One sample is proof: the API cannot see more requests in flight than the
# worker's limit allows. (Several in a row would also ask a slow machine to
# send each next request at once, which is not what is tested.)
ok "without 429s it climbs back to $((C - 2))+" wait_for -t "$(slow_bound 20)" testapi_ge .inflight $((C - 2))
note "recovered in $(($(now_ms) - t0)) ms with $(psup-worker status --job job.db --json | jq .pending) items pending"
testapi_control '{"delay_ms":0}' >/dev/null

wait_exit $w "$(slow_bound 60)"
is "${WAIT_STATUS:-timeout}" 0 "the worker finishes the job"
is "$(psup-worker export --job job.db | jq -r 'select(.status == "ok") | .id' | wc -l | tr -d ' ')" $N "every item ok despite half the answers being 429"
cmp_ok "$(testapi_stats .by_fault.fail_429)" -gt 20 "the API did answer 429s"
