#!/bin/sh
# A starved worker still reads the answers that came while it was not
# running. The worker is stopped (SIGSTOP) for longer than its request
# timeout, a few times, with requests in flight and a CPU hog on its core;
# the test API answers each request within 100 ms, so every answer is in the
# socket when the worker runs again. None may be taken for a timeout: no
# "timed out" attempt, no request sent twice (each would be paid again).
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 6

N=600
# A request's timeout: 2 s, 5 s for a slow build (its answers still come
# within 100 ms of the API's; the stops only have to outlast it).
TIMEOUT=$(($(slow_bound 1) + 1))
STOP_MS=$((TIMEOUT * 1000 + 1000))
worker_setup $N --seed 9 --delay-ms 100

chat_job_head "${TIMEOUT}s" >job.yaml
cat >>job.yaml <<EOF
limits:
  concurrency: 16
EOF
job_retry 6 10ms 100ms >>job.yaml

psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"

# The worker and the hog share one core when taskset can pin them.
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
$pin psup-worker run --job job.db --config job.yaml --name w1 >w1.log 2>&1 &
wpid=$!
track_pid "$wpid"
ok "the run gets going" wait_for -t "$(slow_bound 20)" testapi_ge .requests 50

hog=""
if [ -n "$pin" ]; then
	$pin sh -c 'while :; do :; done' &
	hog=$!
	track_pid "$hog"
fi
# Each stop outlasts the timeout; between stops the worker runs briefly,
# sends more requests, and is stopped again with them in flight.
stops=0
# Three stops, two for a slow build (each as long as its timeout).
n_stops=3
[ "$(slow_bound 1)" -eq 1 ] || n_stops=2
while [ $stops -lt $n_stops ] && pid_alive "$wpid"; do
	kill -STOP "$wpid"
	sleep "$((STOP_MS / 1000)).$((STOP_MS % 1000 / 100))"
	kill -CONT "$wpid"
	stops=$((stops + 1))
	sleep 0.3
done
[ -z "$hog" ] || kill "$hog"
pending=$(psup-worker status --job job.db --json | jq '.pending + .leased')
note "after $stops stops of ${STOP_MS} ms: $pending items left"
cmp_ok "$pending" -gt 0 "the stops came before the end of the run"

wait_exit "$wpid" "$(slow_bound 60)"
is "${WAIT_STATUS:-}" 0 "the worker finishes and exits 0" || diag_file w1.log 5

js=$(psup-worker status --job job.db --json)
is "$(echo "$js" | jq -c '[.done,.failed]')" "[$N,0]" "status: every item done"
timeouts=$(grep -c "timed out" w1.log)
is "$timeouts" 0 "no attempt timed out" || grep -m 3 "timed out" w1.log | while read -r l; do diag "$l"; done
is "$(testapi_stats .requests)" $N "the API was called once per item: no answer paid twice"
