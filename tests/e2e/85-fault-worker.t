#!/bin/sh
# Faults around the worker: answers too large to keep fail their item with
# the limit named (not curl's words about writing a file), and nothing else
# is lost; the job store and exports hold the API's answers, so they are
# created 0600 whatever the umask.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq stat
plan 16

umask 022
N=20
# Half the answers are 100 MB chunked bodies; the rest are normal, slowed
# so the run is still going when the store's modes are looked at.
worker_setup $N --seed 5 --huge 0.5 --delay-ms 200

chat_job_head 30s >job.yaml
printf 'limits:\n  concurrency: 4\nlease: 60s\n' >>job.yaml
job_retry 3 10ms 50ms >>job.yaml

psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"
is "$(stat -c %a job.db)" 600 "a new job store is 0600 under umask 022"

start_worker job.db job.yaml w
w=$WORKER_PID
ok "the run opens the store's WAL" wait_for -t "$(slow_bound 10)" test -e job.db-wal
is "$(stat -c %a job.db-wal 2>/dev/null)" 600 "its -wal file is 0600"
is "$(stat -c %a job.db-shm 2>/dev/null)" 600 "its -shm file is 0600"

wait_exit $w "$(slow_bound 60)"
is "${WAIT_STATUS:-timeout}" 0 "the worker exits 0 (failed items are the job's business)"
huge=$(testapi_stats .by_fault.huge)
cmp_ok "${huge:-0}" -gt 0 "the API did send huge answers ($huge)"

psup-worker export --job job.db --output export.jsonl >export.out 2>&1
is "$?" 0 "export exits 0"
is "$(stat -c %a export.jsonl)" 600 "the export file is 0600 under umask 022"
is "$(jq -r .id export.jsonl | sort -u | wc -l | tr -d ' ')" $N "every item is in the export: none lost"
failed=$(jq -r 'select(.status == "failed") | .error' export.jsonl)
is "$(printf '%s\n' "$failed" | grep -c .)" "$huge" "one failed item per huge answer: not retried"
is "$(printf '%s\n' "$failed" | sort -u)" "HTTP 200: response larger than 64 MiB (limit)" \
	"the error names the limit"
unlike "$(cat w.log)" "Failure writing output" "curl's words about writing a file are not shown"
like "$(cat w.log)" "item item-[0-9]+: attempt 1/3: HTTP 200: response larger than 64 MiB \(limit\); not retried" \
	"the log says which item and why"
wrong=$(jq -r --slurpfile it items.jsonl '($it | map({(.id): .text}) | add) as $t |
	select(.status == "ok" and .result != "echo: " + $t[.id]) | .id' export.jsonl)
is "$wrong" "" "the other items have their own answers"

# A declared length over the limit is refused before the body is read.
testapi_control '{"huge":1,"huge_length":true,"delay_ms":0}' >/dev/null
psup-worker retry --job job.db >retry.out 2>&1 || bail_out "retry failed"
psup-worker run --job job.db --config job.yaml --name w2 >w2.log 2>&1
is "$?" 0 "a declared 100 MB answer: the worker exits 0"
is "$(psup-worker export --job job.db --failed | jq -r .error | sort -u)" \
	"HTTP 200: response larger than 64 MiB (limit)" "a declared 100 MB answer: the same error"
