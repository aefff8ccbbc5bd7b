#!/bin/sh
# Retryable failures (timeouts, 5xx, dropped connections) are tried
# exactly max_attempts times, then the item fails with the last reason kept
# (3 items of 3 attempts: 9 failures, fewer than the 10 in a row that
# mean the API is down). An API that fails every request is down: after 10
# failures in a row only a probe goes out every `cooldown`, no item spends
# its attempts, and once the API answers again every item is done.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 20

worker_setup 0 --seed 1

# job_yaml FILE TIMEOUT: the job file, with the request timeout TIMEOUT.
job_yaml() {
	chat_job_head "$2" >"$1"
	printf 'limits:\n  concurrency: 4\nlease: 30s\n' >>"$1"
	job_retry 3 10ms 50ms >>"$1"
}
# A short timeout that the API's 2 s delay always passes; the other faults
# are answered at once, but a slow machine must not turn them into timeouts.
job_yaml short.yaml 300ms
job_yaml job.yaml 30s

# phase NAME CONTROL [JOBFILE]: 3 fresh items against the API set up by
# CONTROL; sets CODE (worker exit), SENT (requests the API received), OUT
# (the export).
phase() {
	testapi_control "$2" >/dev/null
	gen_items 3 "$1.jsonl"
	psup-worker init --job "$1.db" --input "$1.jsonl" >/dev/null 2>&1 || bail_out "init failed"
	n0=$(testapi_stats .requests)
	run_workers "$1.db" "${3:-job.yaml}" "$(slow_bound 30)" "$1"
	CODE=$WAIT_CODES
	SENT=$(($(testapi_stats .requests) - n0))
	OUT=$(psup-worker export --job "$1.db")
}
summary() { echo "$OUT" | jq -r '[.status, .attempts, .http_status] | join(" ")' | sort -u; }

phase timeout '{"delay_ms":2000}' short.yaml
is "$CODE" 0 "timeouts: the worker exits 0"
is "$(summary)" "failed 3 0" "timeouts: each item failed after 3 attempts, no HTTP status"
like "$(echo "$OUT" | jq -r .error | head -n 1)" '[Tt]ime' "timeouts: the error says it timed out"
is "$SENT" 9 "timeouts: exactly 3 requests per item"

phase http500 '{"delay_ms":0,"fail_500":1}'
is "$CODE" 0 "500s: the worker exits 0"
is "$(summary)" "failed 3 500" "500s: failed after 3 attempts, status 500 kept"
like "$(echo "$OUT" | jq -r .error | head -n 1)" 'server had an error' "500s: the error keeps the start of the body"
is "$SENT" 9 "500s: exactly 3 requests per item"

phase dropped '{"fail_500":0,"drop":1}'
is "$CODE" 0 "dropped connections: the worker exits 0"
is "$(summary | cut -d' ' -f1,2)" "failed 3" "dropped connections: failed after 3 attempts"
like "$(echo "$OUT" | jq -r .error | head -n 1)" '[Ee]mpty|closed|reply|connection' "dropped connections: the error says what happened"
# curl may resend once on a reused connection it finds closed; never more
cmp_ok "$SENT" -ge 9 "dropped connections: at least 3 requests per item ($SENT)"
cmp_ok "$SENT" -le 18 "dropped connections: no more than curl's one resend each"

# --- the API down: 20 items against 500s for every request
testapi_control '{"drop":0,"fail_500":1}' >/dev/null
chat_job_head 30s >down.yaml
printf 'limits:\n  concurrency: 4\nlease: 30s\ncooldown: 300ms\n' >>down.yaml
# 20 attempts: no item can spend them all before ten failures in a row
# (full jitter may retry one item at once, again and again)
job_retry 20 100ms 200ms >>down.yaml
gen_items 20 down.jsonl
psup-worker init --job down.db --input down.jsonl >/dev/null 2>&1 || bail_out "init failed"
n0=$(testapi_stats .requests)
start_worker down.db down.yaml down
wpid=$WORKER_PID
ok "ten failures in a row: the worker says the API is down" \
	wait_for -t "$(slow_bound 20)" lines_ge 1 down.log "the API failed 10 requests in a row \\(HTTP 500"
wait_for -t "$(slow_bound 20)" lines_ge 3 down.log "one probe request to the API" || diag "no third probe"
n1=$(testapi_stats .requests)
wait_for -t "$(slow_bound 20)" lines_ge 6 down.log "one probe request to the API" || diag "no sixth probe"
n2=$(testapi_stats .requests)
cmp_ok "$((n2 - n1))" -le 4 "then only its probes go out ($((n2 - n1)) requests over 3 probes)"
is "$(psup-worker status --job down.db --json | jq -c '[.done, .failed]')" "[0,0]" \
	"no item has failed meanwhile"
testapi_control '{"fail_500":0}' >/dev/null
wait_exit $wpid "$(slow_bound 60)"
is "${WAIT_STATUS:-timeout}" 0 "the API back: the worker finishes and exits 0"
is "$(psup-worker export --job down.db | jq -r .status | sort | uniq -c | tr -s ' ')" " 20 ok" \
	"every item done"
# Counted: the 10 failures in a row, at most 3 more answered after them
# (concurrency 4), and one success each; 6 failed probes more if counted.
cmp_ok "$(psup-worker export --job down.db | jq -s 'map(.attempts) | add')" -le 33 \
	"attempts: 10 failures, those in flight, 20 successes: the probes were not counted"
like "$(cat down.log)" "the API answers again: sending resumes" "the log says it resumed"
