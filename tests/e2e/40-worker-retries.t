#!/bin/sh
# Retryable failures (timeouts, 5xx, dropped connections) are tried
# exactly max_attempts times, then the item fails with the last reason kept.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 13

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

# phase NAME CONTROL [JOBFILE]: 4 fresh items against the API set up by
# CONTROL; sets CODE (worker exit), SENT (requests the API received), OUT
# (the export).
phase() {
	testapi_control "$2" >/dev/null
	gen_items 4 "$1.jsonl"
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
is "$SENT" 12 "timeouts: exactly 3 requests per item"

phase http500 '{"delay_ms":0,"fail_500":1}'
is "$CODE" 0 "500s: the worker exits 0"
is "$(summary)" "failed 3 500" "500s: failed after 3 attempts, status 500 kept"
like "$(echo "$OUT" | jq -r .error | head -n 1)" 'server had an error' "500s: the error keeps the start of the body"
is "$SENT" 12 "500s: exactly 3 requests per item"

phase dropped '{"fail_500":0,"drop":1}'
is "$CODE" 0 "dropped connections: the worker exits 0"
is "$(summary | cut -d' ' -f1,2)" "failed 3" "dropped connections: failed after 3 attempts"
like "$(echo "$OUT" | jq -r .error | head -n 1)" '[Ee]mpty|closed|reply|connection' "dropped connections: the error says what happened"
# curl may resend once on a reused connection it finds closed; never more
cmp_ok "$SENT" -ge 12 "dropped connections: at least 3 requests per item ($SENT)"
cmp_ok "$SENT" -le 24 "dropped connections: no more than curl's one resend each"
