#!/bin/sh
# Claims follow each worker's pace: three workers on one job of 1,000 items,
# against an API that allows 75 requests/s in all (429 + Retry-After beyond)
# and no rpm in the job file, so at first every worker's requests come back
# at once. Sampled from the store while they run, no worker ever holds more
# leases than a few seconds of the API's whole rate (a killed worker strands
# little), and each one does a part of the job.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq sqlite3
plan 7

N=1000
RATE=75
worker_setup $N --rate-limit $RATE --delay-ms 5

chat_job_head 5s >job.yaml
printf 'limits:\n  concurrency: 16\nlease: 5m\n' >>job.yaml
job_retry 20 50ms 2s >>job.yaml
psup-worker init --job job.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"

# leases_by_owner: "owner count" lines of the items leased now.
leases_by_owner() {
	sqlite3 -cmd '.timeout 5000' job.db \
		"SELECT owner, count(*) FROM items WHERE state = 'leased' GROUP BY owner" 2>/dev/null |
		tr '|' ' '
}

start_worker job.db job.yaml c1
P1=$WORKER_PID
start_worker job.db job.yaml c2
P2=$WORKER_PID
start_worker job.db job.yaml c3
P3=$WORKER_PID
most=0
samples=0
t0=$(now_ms)
while pid_alive "$P1" || pid_alive "$P2" || pid_alive "$P3"; do
	[ $(($(now_ms) - t0)) -lt 90000 ] || break
	for n in $(leases_by_owner | cut -d' ' -f2); do
		[ "$n" -le "$most" ] || most=$n
	done
	samples=$((samples + 1))
	sleep 0.2
done
wait_codes 30 "$P1" "$P2" "$P3"
is "$WAIT_CODES" "0 0 0" "the 3 workers exit 0"
is "$(psup-worker export --job job.db | jq -r 'select(.status == "ok") | .id' | wc -l | tr -d ' ')" $N "all $N items ok"
cmp_ok "$samples" -ge 10 "the leases were sampled while the workers ran ($samples samples)"
# 4 s of the API's whole rate, its burst (the bucket starts full, so one
# worker may finish RATE more in its first second) and a window in flight:
# 391 (of 1,000; a worker grabbing the job would hold them all).
note "most leases one worker held at once: $most"
in_range "$most" 1 $((RATE * 5 + 16)) "no worker ever held more than about 4 s of the API's rate ($most of $N)"
for w in 1 2 3; do
	ok "worker c$w did a part of the job" grep -Eq 'ok [1-9][0-9]*, failed 0' "c$w.log"
done
