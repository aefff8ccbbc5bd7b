#!/bin/sh
# A shared `rpm` across 3 workers holds within 5% over a 10 s
# window, measured on the API's own arrival times (GET /requests). 6000 rpm
# shared is 100 requests/s in total, not 100 each.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 9

RPM=6000
N=1250          # 100/s for ~12.5 s: the first second (any start-up burst)
                # is left out, then a full 10 s window
worker_setup $N --seed 3 --delay-ms 5

chat_job_head "$(slow_bound 5)s" >job.yaml
cat >>job.yaml <<EOF
limits:
  concurrency: 16
  rpm: $RPM
  shared: rate-test
lease: 30s
EOF

psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"
run_workers job.db job.yaml "$(slow_bound 40)" w1 w2 w3
is "$WAIT_CODES" "0 0 0" "the 3 workers exit 0"
for w in 1 2 3; do
	like "$(tail -n 1 "w$w.log")" 'ok [1-9][0-9]*, failed 0' "worker w$w sent its share"
done
is "$(psup-worker export --job job.db | jq -r 'select(.status == "ok") | .id' | wc -l | tr -d ' ')" $N "all $N items ok"

curl -fsS "$TESTAPI_URL/requests" >requests.json
is "$(jq .count requests.json)" $N "one request per item (no faults)"
first=$(jq '.t_ms | min' requests.json)
last=$(jq '.t_ms | max' requests.json)
span=$(jq -n "($last - $first) / 1000 | floor")
cmp_ok "$span" -ge 11 "the run spans the measuring window (${span}s)"

# Requests in [first+1s, first+11s): 10 s at RPM/60 a second.
want=$((RPM * 10 / 60))
got=$(jq --argjson a "$first" '[.t_ms[] | select(. >= $a + 1000 and . < $a + 11000)] | length' requests.json)
note "requests in the 10 s window: $got (limit $want)"
lo=$((want * 95 / 100)); hi=$((want * 105 / 100))
in_range "$got" "$lo" "$hi" "shared rpm holds within 5% over 10 s: $got in [$lo, $hi]"

# And it is smooth: no single second of the window far off the pace.
per_s=$(jq -c --argjson a "$first" '[range(1; 11) as $s | [.t_ms[] | select(. >= $a + $s * 1000 and . < $a + ($s + 1) * 1000)] | length]' requests.json)
note "per second: $per_s"
is "$(echo "$per_s" | jq --argjson r $((RPM / 60)) '[.[] | select(. > $r * 1.3 or . < $r * 0.7)] | length')" 0 "every second of the window within 30% of the pace"
