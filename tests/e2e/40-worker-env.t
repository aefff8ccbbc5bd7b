#!/bin/sh
# ${VAR} in the URL and headers comes from the environment and the
# secret never shows in logs, status or results, even when requests fail;
# progress goes to PSUP_PROGRESS_FD as JSON lines, a few a second at most.
# The proxy variables are curl's: http_proxy sends the requests to the
# proxy, no_proxy exempts hosts from it.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 17

N=1500
SECRET=sk-e2e-$$-do-not-log
worker_setup 0 --seed 4 --api-key "$SECRET" --fail-400-marker BAD --delay-ms 5 \
	--fail-500 0.05 --drop 0.03 --truncate 0.02
gen_items $N - | jq -c 'if .n == 9 then .text = "a BAD one" else . end' >items.jsonl

# The key is in a header and, to be sure URLs are scrubbed too, in the query.
cat >job.yaml <<'EOF'
request:
  url: ${E2E_API_BASE}/v1/chat/completions?api_key=${E2E_API_KEY}
  headers:
    Content-Type: application/json
    Authorization: Bearer ${E2E_API_KEY}
  body: '{"model": "m", "messages": [{"role": "user", "content": {{item.text}}}]}'
  timeout: 5s
response:
  extract: /choices/0/message/content
limits:
  concurrency: 8
  rpm: 60000
retry:
  max_attempts: 10
  base_delay: 10ms
  max_delay: 50ms
lease: 30s
EOF

psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"
t0=$(now_ms)
E2E_API_BASE=$TESTAPI_URL E2E_API_KEY=$SECRET PSUP_PROGRESS_FD=3 \
	psup-worker run --job job.db --config job.yaml --name envw >run.log 2>&1 3>progress.jsonl &
w=$!
track_pid $w
wait_exit $w "$(slow_bound 60)"
t1=$(now_ms)
is "${WAIT_STATUS:-timeout}" 0 "the worker exits 0" || diag_file run.log 5

# --- the environment reached the API
st=$(curl -fsS "$TESTAPI_URL/stats")
is "$(echo "$st" | jq '.by_fault.auth_401 // 0')" 0 "the key from the environment was sent (no 401)"
is "$(psup-worker export --job job.db | jq -r .status | sort | uniq -c | tr -s ' ' | sed 's/^ //' | tr '\n' ' ')" \
	"1 failed $((N - 1)) ok " "all ok but the BAD item"
cmp_ok "$(echo "$st" | jq '.by_fault.fail_500 + .by_fault.drop')" -gt 10 "failures were logged along the way"

# --- the secret is nowhere
psup-worker export --job job.db >export.jsonl
psup-worker status --job job.db >status.txt 2>&1
psup-worker status --job job.db --json >status.json 2>&1
like "$(cat run.log)" 'item-000009' "the log names the failed item"
for f in run.log export.jsonl status.txt status.json progress.jsonl; do
	ok "the secret is not in $f" not grep -q -- "$SECRET" "$f"
done

# --- progress: JSON lines, a few a second, ending at the total
lines=$(wc -l <progress.jsonl | tr -d ' ')
cmp_ok "$lines" -ge 1 "progress lines written to PSUP_PROGRESS_FD ($lines)"
is "$(jq -c 'select((.done|type) != "number" or (.total|type) != "number" or (.failed|type) != "number" or (.inflight|type) != "number")' progress.jsonl | wc -l | tr -d ' ')" 0 "every line has done, total, failed, inflight"
is "$(tail -n 1 progress.jsonl | jq -c '[.done, .total, .failed]')" "[$N,$N,1]" "the last line says all done, 1 failed"
secs=$(((t1 - t0 + 999) / 1000))
cmp_ok "$lines" -le $((secs * 10 + 2)) "at most a few lines a second ($lines in ${secs}s)"

# --- the proxy variables: with a proxy that refuses, every request goes to
# it and fails (the worker takes the API for down and only probes, its items
# kept); no_proxy exempts the API
gen_items 20 proxy.jsonl
sed -e 's/max_attempts: 10/max_attempts: 2/' job.yaml >proxy.yaml
for case in refused exempt; do
	psup-worker init --job "proxy-$case.db" --input proxy.jsonl >/dev/null 2>&1 || bail_out "init failed"
	if [ "$case" = refused ]; then np=; else np='*'; fi
	E2E_API_BASE=$TESTAPI_URL E2E_API_KEY=$SECRET http_proxy=http://127.0.0.1:9 no_proxy=$np \
		psup-worker run --job "proxy-$case.db" --config proxy.yaml --name "proxy$case" >"proxy-$case.log" 2>&1 &
	w=$!
	track_pid $w
	if [ "$case" = refused ]; then
		ok "http_proxy: every request goes to the proxy, which refuses" wait_for -t "$(slow_bound 20)" \
			lines_ge 1 proxy-refused.log "the API failed 10 requests in a row \\(transfer failed: .*127\\.0\\.0\\.1 port 9"
		kill -TERM $w
	fi
	wait_exit $w "$(slow_bound 30)"
done
is "$(psup-worker export --job proxy-refused.db 2>/dev/null | jq -r .status | grep -c ok)" 0 \
	"... and no item reached the API"
cmp_ok "$(psup-worker export --job proxy-exempt.db | jq -r .status | grep -c ok)" -ge 15 \
	"no_proxy=*: the requests go to the API"
