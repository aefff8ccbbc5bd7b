#!/bin/sh
# Init + 3 workers process 5,000 items against the test API while it
# injects 429s, 500s, 503s, dropped connections and truncated bodies. The
# export has every id exactly once, in input order, each with the answer the
# API gives for that item's own text; no item was answered twice (claims are
# exclusive).
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 18

N=5000
# Retry-After 0: the 429s are retried at once, so this test is about
# correctness under faults; 40-worker-retry-after.t covers the holds.
worker_setup $N --seed 11 --delay-ms 5 --fail-429 0.03 --retry-after 0 \
	--fail-500 0.05 --fail-503 0.02 --drop 0.02 --truncate 0.01 \
	--log access.log

chat_job_head "$(slow_bound 5)s" >job.yaml
printf 'limits:\n  concurrency: 16\nlease: 60s\n' >>job.yaml
job_retry 12 10ms 100ms >>job.yaml

psup-worker init --job job.db --input items.jsonl >init.out 2>&1
is "$?" 0 "init loads the items"
like "$(cat init.out)" "loaded $N new items" "init says how many"

run_workers job.db job.yaml "$(slow_bound 60)" w1 w2 w3
is "$WAIT_CODES" "0 0 0" "the 3 workers exit 0"
for w in 1 2 3; do
	like "$(tail -n 1 "w$w.log")" 'ok [1-9][0-9]*, failed 0' "worker w$w did part of the job"
done

psup-worker export --job job.db --output export.jsonl >export.out 2>&1
is "$?" 0 "export exits 0"
# Each result is the answer to its own item: nothing crossed over.
export_matches items.jsonl export.jsonl
is "$(jq -r 'select(.status == "ok" and .http_status != 200) | .id' export.jsonl | wc -l | tr -d ' ')" 0 "http_status 200 on every ok item"
retried=$(jq -r 'select(.attempts > 1) | .id' export.jsonl | wc -l | tr -d ' ')
cmp_ok "$retried" -gt 100 "faults made items retry ($retried retried)"

st=$(curl -fsS "$TESTAPI_URL/stats")
for k in fail_429 fail_500 drop; do
	cmp_ok "$(echo "$st" | jq ".by_fault.$k // 0")" -gt 10 "the API injected $k"
done
# A successful answer per item and no more: no item was processed twice.
is "$(echo "$st" | jq '.by_fault.none')" $N "the API answered each item successfully exactly once"

js=$(psup-worker status --job job.db --json)
is "$(echo "$js" | jq -c '[.total,.done,.failed,.pending,.leased]')" "[$N,$N,0,0,0]" "status: all done, nothing pending or leased"
