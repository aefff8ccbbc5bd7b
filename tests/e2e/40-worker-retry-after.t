#!/bin/sh
# A 429 with Retry-After (seconds or HTTP-date) holds the whole
# worker until then, and with a `shared` limit it holds every worker sharing
# it. Measured on the API's arrival times: after the 429, no request arrives
# during the hold (except those already on the wire), then the job
# completes. x-ratelimit-reset-requests is when the bucket is full again, not
# a wait: it holds nothing.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 20

N=60
# The hold, in seconds: 2, 3 for a slow build, whose margins for requests
# already on the wire are longer (see phase).
F=$(slow_bound 1)
RA=2
[ "$F" -eq 1 ] || RA=3
# The test API stops itself after TESTAPI_MAX_SECONDS: five holds of a
# slow build's length must fit.
TESTAPI_MAX_SECONDS=$(slow_bound 300)
worker_setup 0 --delay-ms 10

job_yaml() { # FILE [SHARED]
	chat_job_head "$(slow_bound 5)s" >"$1"
cat >>"$1" <<EOF
limits:
  concurrency: 4
${2:+  rpm: 600000
  shared: $2}
lease: 30s
EOF
	job_retry 5 10ms 50ms >>"$1"
}
job_yaml job.yaml
job_yaml shared.yaml ra-test

# phase NAME CONTROL_JSON CONFIG WORKERS: a fresh job of N items; the API
# answers the first request with 429 as CONTROL_JSON says (a hold of RA
# seconds); WORKERS workers run it to the end. Sets GAP (requests that
# arrived from 200 ms after the 429 to 200 ms before the hold ends), AFTER
# (requests from then on), CODES (exit codes) and checks the export. The
# 200 ms are for requests already on the wire, longer for a slow build.
phase() {
	gen_items $N "$1.jsonl"
	psup-worker init --job "$1.db" --input "$1.jsonl" >/dev/null 2>&1 || bail_out "init failed"
	n0=$(testapi_stats .requests)
	testapi_control "$2" >/dev/null
	names=""
	w=1
	while [ $w -le "$4" ]; do names="$names $1-$w"; w=$((w + 1)); done
	# shellcheck disable=SC2086
	run_workers "$1.db" "$3" "$(slow_bound 30)" $names
	CODES=$WAIT_CODES
	curl -fsS "$TESTAPI_URL/requests" >"$1.requests"
	jq -c --argjson n0 "$n0" --argjson lo $((200 * F)) --argjson hi $((RA * 1000 - 200)) '
		.t_ms[$n0:] as $t | .status[$n0:] as $s
		| ([range(0; $t | length) | select($s[.] == 429)] | first) as $i
		| if $i == null then {gap: -1, after: -1} else $t[$i] as $x
		| {gap: [$t[] | select(. > $x + $lo and . < $x + $hi)] | length,
		   after: [$t[] | select(. >= $x + $hi)] | length} end' \
		"$1.requests" >"$1.hold"
	GAP=$(jq .gap "$1.hold")
	AFTER=$(jq .after "$1.hold")
	EXPORT_OK=$(psup-worker export --job "$1.db" | jq -r 'select(.status == "ok") | .id' | wc -l | tr -d ' ')
}

phase seconds "{\"next_429\":1,\"retry_after\":$RA,\"retry_after_mode\":\"seconds\"}" job.yaml 1
is "$CODES" 0 "Retry-After: $RA - the worker finishes"
is "$GAP" 0 "Retry-After: $RA - no request during the hold"
cmp_ok "$AFTER" -gt 0 "Retry-After: $RA - requests resume after it"
is "$EXPORT_OK" $N "Retry-After: $RA - every item ok"
like "$(cat seconds-1.log)" '429' "Retry-After: $RA - the worker logged the 429"

# An HTTP-date has whole seconds: RA + 1 s ahead is at least RA s of hold.
phase date "{\"next_429\":1,\"retry_after\":$((RA + 1)),\"retry_after_mode\":\"date\"}" job.yaml 1
is "$CODES" 0 "Retry-After: HTTP-date - the worker finishes"
is "$GAP" 0 "Retry-After: HTTP-date - no request during the hold"
cmp_ok "$AFTER" -gt 0 "Retry-After: HTTP-date - requests resume after it"
is "$EXPORT_OK" $N "Retry-After: HTTP-date - every item ok"

# Two workers sharing a limit: the one that gets the 429 holds both.
phase shared "{\"next_429\":1,\"retry_after\":$RA,\"retry_after_mode\":\"seconds\"}" shared.yaml 2
is "$CODES" "0 0" "shared hold - both workers finish"
is "$GAP" 0 "shared hold - no request from either worker during the hold"
cmp_ok "$AFTER" -gt 0 "shared hold - requests resume after it"
is "$EXPORT_OK" $N "shared hold - every item ok"

# A reset of 2 s alone asks for no wait: requests go on (slowed so the
# measure sees them).
phase reset "{\"next_429\":1,\"retry_after\":$RA,\"retry_after_mode\":\"reset\",\"delay_ms\":$((30 * F))}" job.yaml 1
is "$CODES" 0 "x-ratelimit-reset-requests - the worker finishes"
cmp_ok "$GAP" -gt 0 "x-ratelimit-reset-requests - requests go on before the reset"
is "$EXPORT_OK" $N "x-ratelimit-reset-requests - every item ok"
unlike "$(cat reset-1.log)" 'holding all requests' "x-ratelimit-reset-requests - no hold logged"

# The check can fail: without a hold (Retry-After: 0) requests go on at once.
# (answers slow enough that the job outlasts the window's start)
phase nohold "{\"next_429\":1,\"retry_after\":0,\"retry_after_mode\":\"seconds\",\"delay_ms\":$((30 * F))}" job.yaml 1
is "$CODES" 0 "Retry-After: 0 - the worker finishes"
cmp_ok "$GAP" -gt 0 "Retry-After: 0 - requests go on right away (the measure sees them)"
is "$EXPORT_OK" $N "Retry-After: 0 - every item ok"
