#!/bin/sh
# One worker, one loop, thousands of requests in flight, with
# connections reused. 4,000 items at concurrency 2,000 against answers that
# take a second (longer for a slow build), so it can open its 2,000
# connections before the first answers come, even with another test
# running beside it: the API sees ~2,000 at once, on about 2,000
# connections in all.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
# shellcheck disable=SC3045 # dash and bash both have ulimit -n
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4200 ]; then
	ulimit -n 4200 2>/dev/null || plan_skip_all "needs 4200 open files (ulimit -n is $(ulimit -n))"
fi
plan 8

N=4000
C=2000
D=$((1000 * $(slow_bound 1)))
worker_setup $N --delay-ms $D

chat_job_head "$(slow_bound 20)s" >job.yaml
cat >>job.yaml <<EOF
limits:
  concurrency: $C
lease: 60s
EOF

psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"
t0=$(now_ms)
start_worker job.db job.yaml big
w=$WORKER_PID

ok "$((C * 9 / 10))+ requests in flight at once" wait_for -t "$(slow_bound 20)" testapi_ge .inflight $((C * 9 / 10))
# Its requests run on one loop; the job store's calls on a thread of their own.
is "$(awk '/^Threads:/ {print $2}' "/proc/$w/status" 2>/dev/null)" 2 "the worker is two threads: the loop and the store's"

wait_exit $w "$(slow_bound 60)"
t1=$(now_ms)
is "${WAIT_STATUS:-timeout}" 0 "the worker exits 0" || diag_file big.log 5
cmp_ok $((t1 - t0)) -lt "$(slow_bound 15)000" "$N items of $D ms each in $((t1 - t0)) ms"
st=$(curl -fsS "$TESTAPI_URL/stats")
cmp_ok "$(echo "$st" | jq .max_inflight)" -ge $((C * 9 / 10)) "the API saw $(echo "$st" | jq .max_inflight) at once"
# N requests over about C connections: a few more where a request went
# out before a finished one's connection was back in the pool (62 under
# ASan with another test beside it); without reuse it would be N.
cmp_ok "$(echo "$st" | jq .connections)" -le $((C + C / 10)) "connections reused ($(echo "$st" | jq .connections) for $N requests)"

jq -r .id items.jsonl >ids.in
psup-worker export --job job.db | jq -r 'select(.status == "ok") | .id' >ids.out
ok "every id ok exactly once, in input order" cmp -s ids.in ids.out
is "$(testapi_stats .requests)" $N "one request per item"
