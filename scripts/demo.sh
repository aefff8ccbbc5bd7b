#!/bin/bash
# `make demo`: the seed scenario end to end on the embedded defaults.
# 15,000 items -> 5 chunk workers sharing one rate limit against a local API
# that injects 429s and 5xx -> one combined result file in input order.
# Everything runs in a private PSUP_HOME under demo-data/ and is stopped at
# the end (or by `make demo-stop`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ITEMS=${DEMO_ITEMS:-15000}
DATA=$ROOT/demo-data
export PSUP_HOME=$DATA/home
PSUP=$ROOT/bin/psup
WORKER=$ROOT/bin/psup-worker

web_pid=
stop_demo() {
	[ -z "$web_pid" ] || kill "$web_pid" 2>/dev/null || true
	[ -S "$PSUP_HOME/psup.sock" ] && "$PSUP" kill >/dev/null 2>&1 || true
}
trap stop_demo EXIT

stop_demo
# The demo's API listens on a fixed loopback port (configs/demo.yaml).
if (exec 3<>/dev/tcp/127.0.0.1/18431) 2>/dev/null; then
	echo "demo: 127.0.0.1:18431 is in use (another demo running?); stop it first" >&2
	trap - EXIT
	exit 1
fi
rm -rf "$DATA"
mkdir -p "$DATA" "$ROOT/logs"
rm -f "$ROOT"/logs/{api,load,chunk-?,combine}-*.log
sh tests/gen-items.sh "$ITEMS" > "$DATA/items.jsonl"
echo "demo: $ITEMS items in demo-data/items.jsonl; PSUP_HOME=$PSUP_HOME"

t0=$(date +%s.%N)
"$PSUP" start configs/demo.yaml
# The live dashboard (DEMO_WEB=0: none); its URL shows while psup web runs.
if [ "${DEMO_WEB:-1}" != 0 ]; then
	"$PSUP" web --listen "127.0.0.1:${DEMO_WEB_PORT:-9615}" > "$DATA/web.out" 2>&1 &
	web_pid=$!
fi
web_url() { kill -0 "$web_pid" 2>/dev/null && sed -n 's|^psup web: \(http://[^ ]*\) .*|\1|p' "$DATA/web.out"; }
# Live status while the pipeline runs; `wait` returns when combine is done.
"$PSUP" wait combine --timeout 180s > "$DATA/wait.out" 2>&1 &
waiter=$!
while kill -0 "$waiter" 2>/dev/null; do
	if [ -t 1 ]; then printf '\033[H\033[2J'; fi
	"$PSUP" status || true
	url=$(web_url || true)
	[ -z "$url" ] || echo "demo: live dashboard at $url"
	for _ in 1 2 3 4; do kill -0 "$waiter" 2>/dev/null || break; sleep 0.5; done
done
rc=0; wait "$waiter" || rc=$?
t1=$(date +%s.%N)
"$PSUP" status
cat "$DATA/wait.out"
echo
"$WORKER" status --job "$DATA/job.db"
stats=$(curl -fsS http://127.0.0.1:18431/stats 2>/dev/null || echo '{}')
lines=0 ok=0
if [ -f "$DATA/results.jsonl" ]; then
	lines=$(wc -l < "$DATA/results.jsonl")
	ok=$(grep -c '"status":"ok"' "$DATA/results.jsonl" || true)
fi
echo "$stats" | jq -r --argjson items "$ITEMS" --argjson lines "$lines" --argjson ok "$ok" \
	--arg t0 "$t0" --arg t1 "$t1" '
	(.requests // 0) as $req | (.by_status // {}) as $s |
	([$s | to_entries[] | select(.key | startswith("5")) | .value] | add // 0) as $fivexx |
	"demo summary",
	"  items      \($items): \($ok) ok, \($lines - $ok) failed, \($items - $lines) without a result",
	"  requests   \($req) to the API: \($req - $lines) retries, \($s["429"] // 0) answered 429, \($fivexx) answered 5xx",
	"  wall time  \((($t1 | tonumber) - ($t0 | tonumber)) * 10 | floor / 10) s",
	"  results    demo-data/results.jsonl (one line per item, in input order)"'
echo "demo: logs in logs/ (psup logs chunk-1 --nostream with PSUP_HOME=$PSUP_HOME)"
exit "$rc"
