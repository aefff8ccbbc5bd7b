#!/bin/sh
# A worker its API holds gives back what it has not sent. Two workers on
# one job, each calling its own API (a job file each, with its own
# limits.shared name, as the README says for such jobs). A answers the
# first requests with 429s asking for a minute's wait; B's worker does
# the items pending, and once nothing is pending A's worker gives back
# every item it had not sent, which B's worker does too, long before A's
# hold ends. The few A tried stay with it (it alone counts their
# attempts) and go back to the job when it is stopped.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 8

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
count_ge() { [ "$(count "$1")" -ge "$2" ] 2>/dev/null; }

start_worker job.db a.yaml wa
PA=$WORKER_PID
ok "A holds its worker: 429s asking for a minute" \
	wait_for -t "$(slow_bound 10)" lines_ge 1 wa.log 'holding all requests'
start_worker job.db b.yaml wb
PB=$WORKER_PID
# Of the 100 it claimed, it sent a few (slow start) before the hold.
ok "once nothing is pending, A's worker gives back what it has not sent" \
	wait_for -t "$(slow_bound 30)" lines_ge 1 wa.log 'the job has nothing pending: gave [0-9]+ of our 100 items back'
gave=$(sed -n 's/.*gave \([0-9]*\) of our 100 items back.*/\1/p' wa.log | head -n 1)
tried=$((100 - gave))
note "gave $gave back, kept the $tried it tried"
cmp_ok "$tried" -ge 1 "it had tried one or more before the hold"
ok "B's worker does all the rest within seconds" \
	wait_for -t "$(slow_bound 30)" count_ge done $((300 - tried))
is "$(count leased)" "$tried" "those A's worker tried stay leased to it"
kill "$PA"
wait_codes "$(slow_bound 20)" "$PA" "$PB"
is "$WAIT_CODES" "0 0" "stopped, it releases them and B's worker finishes them"
is "$(count done)" 300 "all 300 items done"
is "$(count failed)" 0 "none failed"
