#!/bin/sh
# A cost budget over two priced endpoints: the workers stop within one
# batch of it (exit 4, one clear line), the spend is kept in the store so a
# new run with the same budget sends only what is left, and raising the budget
# completes the job. status shows the spend, the projection and each
# endpoint's share.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 16

mk_home
cd "$TMPD" || bail_out "cannot cd to $TMPD"
start_testapi --delay-ms 50 || bail_out "cannot start psup-testapi"
URL_a=$TESTAPI_URL
start_testapi --delay-ms 50 || bail_out "cannot start psup-testapi"
URL_b=$TESTAPI_URL

# job MAX_COST: two endpoints, b three times a's price.
job() {
	cat <<EOF2
response:
  extract: /choices/0/message/content
  usage: /usage/total_tokens
limits:
  concurrency: 4
lease: 30s
EOF2
	[ "$1" = 0 ] || printf 'budget:\n  max_cost: %s\n' "$1"
	echo "endpoints:"
	for e in a b; do
		eval "url=\$URL_$e"
		price=1000; [ $e = a ] || price=3000
		cat <<EOF2
  - name: $e
    url: $url/v1/chat/completions
    body: '{"model": "m", "messages": [{"role": "user", "content": {{item.text}}}]}'
    price: {input: $price}
EOF2
	done
}
cost() { psup-worker status --job "$1" --json | jq .cost; }
requests() { echo $(( $(curl -fsS "$URL_a/stats" | jq .requests) + $(curl -fsS "$URL_b/stats" | jq .requests) )); }

# A pilot run without a budget: what an item costs on average.
gen_items 400 all.jsonl || bail_out "cannot make items"
head -n 40 all.jsonl >pilot.jsonl
tail -n 300 all.jsonl >items.jsonl
job 0 >pilot.yaml
psup-worker init --job pilot.db --input pilot.jsonl >/dev/null 2>&1 || bail_out "init failed"
run_workers pilot.db pilot.yaml "$(slow_bound 20)" p
is "$WAIT_CODES" 0 "a priced job without a budget runs to the end"
avg=$(jq -n "$(cost pilot.db) / 40")
note "an item costs $avg on average"
is "$(jq -n "$avg > 0")" true "results carry their cost"

# A budget of about 100 of the 300 items.
max=$(jq -n "$avg * 100")
job "$max" >job.yaml
psup-worker init --job job.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
run_workers job.db job.yaml "$(slow_bound 20)" w1 w2
is "$WAIT_CODES" "4 4" "both workers exit 4: the budget is spent"
like "$(cat w1.log)" 'the budget is spent: .* of budget.max_cost' "the log says so"
spent=$(cost job.db)
note "spent $spent of $max"
# A worker sees the other's spend only once it is committed to the store;
# it counts what the other has not committed as its own beyond the last
# reading, times the other's rate over its own. What is left is the
# estimate's error: items differ in price (b costs three times a) and a
# rate lags on a loaded machine. Measured within 10 average items either
# way with the machine's two CPUs kept busy besides; 16 allowed.
slack=$(jq -n "$avg * 16")
is "$(jq -n "$spent <= $max + $slack")" true "stopped within one batch above the budget"
is "$(jq -n "$spent >= $max - $slack")" true "and not long before it"
st=$(psup-worker status --job job.db --json)
cmp_ok "$(echo "$st" | jq .pending)" -gt 100 "the rest is left pending, not failed"
is "$(echo "$st" | jq .failed)" 0 "no item failed"
is "$(echo "$st" | jq '.projected_cost > .cost * 2')" true "status projects the whole job's cost"
is "$(echo "$st" | jq -r '[.endpoints[].name] | join(" ")')" "a b" "status shows each endpoint"
like "$(psup-worker status --job job.db)" 'spend .* so far; about' "the table shows the spend"
is "$(psup-worker export --job job.db | jq -s "(map(.cost) | add) - $spent | fabs < 0.000001")" true \
	"export gives each item's cost, summing to the spend"

# The spend is in the store: the same budget sends no more than what is
# left of it (nothing when it is spent), plus the 4 requests a worker may
# have in flight at the average when it sees the rest is spoken for.
before=$(requests)
left=$(jq -n "[($max - $spent) / $avg | ceil, 0] | max")
run_workers job.db job.yaml "$(slow_bound 20)" again
is "$WAIT_CODES" 4 "a new run with the same budget exits 4"
cmp_ok "$(( $(requests) - before ))" -le "$(( left == 0 ? 0 : left + 4 ))" \
	"sending no more than what is left of it ($left average items)"

# Raised, the job completes.
job "$(jq -n "$avg * 1000")" >more.yaml
run_workers job.db more.yaml "$(slow_bound 20)" w3
is "$WAIT_CODES" 0 "with the budget raised the job completes"
is "$(psup-worker status --job job.db --json | jq .done)" 300 "all 300 items done"
