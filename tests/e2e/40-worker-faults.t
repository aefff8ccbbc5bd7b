#!/bin/sh
# Issue 3: init + 3 workers process 5,000 items against the test API while it
# injects 429s, 500s, 503s, dropped connections and truncated bodies. The
# export has every id exactly once, in input order, each with the answer the
# API gives for that item's own text; no item was answered twice (claims are
# exclusive).
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 18

N=5000
mk_home
cd "$TMPD" || bail_out "no TMPD"
gen_items $N items.jsonl
# Retry-After 0: the 429s are retried at once, so this test is about
# correctness under faults; 40-worker-retry-after.t covers the holds.
start_testapi --seed 11 --delay-ms 5 --fail-429 0.03 --retry-after 0 \
	--fail-500 0.05 --fail-503 0.02 --drop 0.02 --truncate 0.01 \
	--log "$TMPD/access.log" || bail_out "cannot start psup-testapi"

cat >job.yaml <<EOF
request:
  method: POST
  url: $TESTAPI_URL/v1/chat/completions
  headers:
    Content-Type: application/json
  body: '{"model": "m", "messages": [{"role": "user", "content": {{item.text}}}]}'
  timeout: 5s
response:
  extract: /choices/0/message/content
  usage: /usage/total_tokens
limits:
  concurrency: 16
retry:
  max_attempts: 12
  base_delay: 10ms
  max_delay: 100ms
lease: 60s
EOF

psup-worker init --job job.db --input items.jsonl >init.out 2>&1
is "$?" 0 "init loads the items"
like "$(cat init.out)" "loaded $N new items" "init says how many"

pids=""
for w in 1 2 3; do
	psup-worker run --job job.db --config job.yaml --name "w$w" >"w$w.log" 2>&1 &
	track_pid $!
	pids="$pids $!"
done
codes=""
for p in $pids; do
	if wait_exit "$p" 60; then codes="$codes $WAIT_STATUS"; else codes="$codes timeout"; fi
done
is "$codes" " 0 0 0" "the 3 workers exit 0"
for w in 1 2 3; do
	like "$(tail -n 1 "w$w.log")" 'ok [1-9][0-9]*, failed 0' "worker w$w did part of the job"
done

psup-worker export --job job.db --output export.jsonl >export.out 2>&1
is "$?" 0 "export exits 0"
is "$(wc -l <export.jsonl | tr -d ' ')" $N "export has $N lines"
jq -r .id items.jsonl >ids.in
jq -r .id export.jsonl >ids.out
ok "every id exactly once, in input order" cmp -s ids.in ids.out || diff ids.in ids.out | head -5 | while IFS= read -r l; do diag "$l"; done
is "$(jq -r 'select(.status != "ok") | .id' export.jsonl | wc -l | tr -d ' ')" 0 "every item ok"
# The answer of each item is "echo: " + its own text: nothing crossed over.
jq -r '"echo: " + .text' items.jsonl >want.txt
jq -r .result export.jsonl >got.txt
ok "each result is the answer to its own item" cmp -s want.txt got.txt
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
