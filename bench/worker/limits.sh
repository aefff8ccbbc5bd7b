#!/bin/bash
# The provider x rpm matrix at full size: for OpenAI, Anthropic, Azure
# OpenAI and Gemini as psup-testapi emulates them (their headers, error
# bodies, a true server-side limit of 600 requests/min enforced over a
# second), and rpm in the job file right, unset, 2x too high and 2x too
# low, 1,500 items run by 3 chunk workers under psup (`psup start`, then
# `psup wait`). Per cell: the share of the API's limit reached (of the
# user's rpm when it is lower), measured on the API's own arrival times
# from the first accepted request to the last; the share of 429s; items
# failed. tests/e2e/44-worker-matrix.t is the same matrix scaled for CI.
# Called by bench/run.sh as
#   worker/limits.sh OUT.md QUICK
# and writes a markdown table to OUT.md (QUICK=1: 300 items a cell; about
# 40 minutes at full size, 10 quick).
set -u
BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$BENCH_DIR/lib.sh"
OUT=$1 QUICK=${2:-0}
BIN=${PSUP_BIN:-$ROOT/bin}
LIMIT=600
N=1500
[ "$QUICK" = 1 ] && N=300
N=${LIMITS_ITEMS:-$N}   # a smoke run of the script itself
for b in psup psup-worker psup-testapi; do
	[ -x "$BIN/$b" ] || { log "limits: $BIN/$b is missing (make all tests)"; exit 0; }
done
command -v jq >/dev/null || { log "limits: jq is missing"; exit 0; }

W=$(mktemp -d /tmp/psup-bench-limits.XXXXXX)
export PSUP_HOME=$W/home
mkdir -m 700 "$PSUP_HOME"
API_PID=
cleanup() { "$BIN/psup" kill >/dev/null 2>&1; kill_pids $API_PID; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

seq 1 "$N" | awk '{ printf "{\"id\":\"item-%05d\",\"text\":\"word %d\"}\n", $1, $1 }' >"$W/items.jsonl"

# api_start PROVIDER: a fresh test API; sets API_URL and API_PID.
api_start() {
	rm -f "$W/port"
	"$BIN/psup-testapi" --port 0 --port-file "$W/port" --max-seconds 3600 --provider "$1" \
	    --limit-rpm "$LIMIT" --limit-window 1 --delay-ms 20 --jitter-ms 20 >"$W/api.out" 2>&1 &
	API_PID=$!
	poll_until 10000 test -s "$W/port" || { log "limits: psup-testapi did not start"; return 1; }
	API_URL=http://127.0.0.1:$(cat "$W/port")
}

# job_file PROVIDER MODE FILE: the job for PROVIDER with MODE's rpm.
job_file() {
	local url body extract rpm
	case $1 in
	openai) url=$API_URL/v1/chat/completions extract=/choices/0/message/content
		body='{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": {{item.text}}}]}' ;;
	azure) url="$API_URL/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"
		extract=/choices/0/message/content
		body='{"messages": [{"role": "user", "content": {{item.text}}}]}' ;;
	anthropic) url=$API_URL/v1/messages extract=/content/0/text
		body='{"model": "claude-3-5-haiku-latest", "max_tokens": 64, "messages": [{"role": "user", "content": {{item.text}}}]}' ;;
	gemini) url=$API_URL/v1beta/models/gemini-2.0-flash:generateContent
		extract=/candidates/0/content/parts/0/text
		body='{"contents": [{"role": "user", "parts": [{"text": {{item.text}}}]}]}' ;;
	esac
	case $2 in
	right) rpm=$LIMIT ;; unset) rpm= ;; high) rpm=$((LIMIT * 2)) ;; low) rpm=$((LIMIT / 2)) ;;
	esac
	{
		printf "request:\n  url: %s\n  body: '%s'\n  timeout: 30s\n" "$url" "$body"
		printf 'response:\n  extract: %s\n' "$extract"
		printf 'limits:\n  concurrency: 16\n'
		[ -z "$rpm" ] || printf '  rpm: %s\n' "$rpm"
		printf 'retry:\n  max_attempts: 6\n  base_delay: 500ms\n  max_delay: 30s\n'
	} >"$3"
}

# cell PROVIDER MODE: one run; prints "limit% 429% failed".
cell() {
	local c=$1-$2 want=$LIMIT
	[ "$2" = low ] && want=$((LIMIT / 2))
	api_start "$1" || return 1
	job_file "$1" "$2" "$W/$c.yaml"
	"$BIN/psup-worker" init --job "$W/$c.db" --input "$W/items.jsonl" >/dev/null 2>&1 || return 1
	cat >"$W/$c.eco.yaml" <<EOF
apps:
  - name: $c
    script: $BIN/psup-worker
    args: run --job $W/$c.db --config $W/$c.yaml
    instances: 3
    autorestart: on-failure
    kill_timeout: 10s
EOF
	"$BIN/psup" start "$W/$c.eco.yaml" >/dev/null 2>&1 || return 1
	"$BIN/psup" wait "$c" --timeout 900s >/dev/null 2>&1
	"$BIN/psup" delete "$c" >/dev/null 2>&1
	curl -fsS "$API_URL/requests" >"$W/$c.requests.json"
	kill_pids $API_PID
	API_PID=
	jq -r --argjson want "$want" --argjson n "$N" '. as $d |
		[range(0; $d.count) | select($d.status[.] == 200) | $d.t_ms[.]] | sort as $ok |
		([$d.status[] | select(. == 429)] | length) as $r |
		(($ok | length) - 1) * 60000 / (($ok[-1] - $ok[0]) + 1) / $want * 100 as $pct |
		"\($pct * 10 | floor / 10) \($r * 1000 / $d.count | floor / 10) \($n - ($ok | length))"' \
	    "$W/$c.requests.json"
}

{
	echo "## Rate limits: provider x rpm in the job file"
	echo
	echo "psup-testapi's provider emulations with a true limit of $LIMIT requests/min (enforced over a second),"
	echo "$N items, 3 chunk workers under psup with no shared name. Each cell: % of the API's limit reached"
	echo "(of the rpm set when it is lower), % of requests answered 429, items not ok."
	echo
	echo "| rpm in the job file | OpenAI | Anthropic | Azure | Gemini |"
	echo "|---|---|---|---|---|"
	for m in right unset high low; do
		case $m in
		right) row="right ($LIMIT)" ;; unset) row="not set" ;;
		high) row="2x too high" ;; low) row="2x too low (the cap kept)" ;;
		esac
		for p in openai anthropic azure gemini; do
			log "limits: $p, rpm $m"
			read -r pct p429 failed <<<"$(cell "$p" "$m")"
			row="$row | ${pct:-?} %, ${p429:-?} % 429s, ${failed:-?} failed"
		done
		echo "| $row |"
	done
} >"$OUT"
