#!/bin/sh
# A worker its API holds gives back what it has not sent. Two workers on
# one job, each calling its own API (a job file each, with its own
# limits.shared name, as the README says for such jobs). A answers the
# first requests with 429s asking for a minute's wait; B's worker does
# the items pending, and once nothing is pending A's worker gives back
# every item it holds, those it tried with their attempts, which B's
# worker does too: the job ends long before A's hold would.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 7

worker_setup 300 --delay-ms 20
URL_b=$TESTAPI_URL
start_testapi --delay-ms 20 --next-429 4 --retry-after 60 || bail_out "cannot start psup-testapi"
URL_a=$TESTAPI_URL
for e in a b; do
	eval "url=\$URL_$e"
	{
		chat_job_head 5s "" "$url"
		printf 'limits:\n  concurrency: 4\n  shared: %s\nbatch: 100\nlease: 5m\n' "$e"
		job_retry 20 50ms 2s
	} >"$e.yaml"
done
psup-worker init --job job.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
count() { psup-worker status --job job.db --json | jq ".$1"; }

start_worker job.db a.yaml wa
PA=$WORKER_PID
ok "A holds its worker: 429s asking for a minute" \
	wait_for -t "$(slow_bound 10)" lines_ge 1 wa.log 'holding all requests'
start_worker job.db b.yaml wb
PB=$WORKER_PID
# Both leave once the job is done: A's worker with nothing left to hold.
wait_codes "$(slow_bound 30)" "$PA" "$PB"
is "$WAIT_CODES" "0 0" "both workers finish within seconds, not after A's minute"
like "$(cat wa.log)" 'the job has nothing pending: gave 100 of our 100 items back for idle workers' \
	"A's worker gave back all it had claimed, tried or not"
is "$(count done)" 300 "all 300 items done"
is "$(count failed)" 0 "none failed"
# Each 429 A answered was an attempt on an item B's worker then finished.
tried=$(curl -fsS "$URL_a/stats" | jq .requests)
note "A answered $tried requests, all 429s"
psup-worker export --job job.db >export.jsonl 2>/dev/null
is "$(jq -s '[.[] | select(.attempts == 2)] | length' export.jsonl)" "$tried" \
	"the items A tried count its attempt and B's"
is "$(jq -s '[.[] | select(.attempts != 1 and .attempts != 2)] | length' export.jsonl)" 0 \
	"every other item took one attempt"
