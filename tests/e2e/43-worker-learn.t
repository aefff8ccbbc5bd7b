#!/bin/sh
# With no rpm set and no shared name, three workers of one job share their
# limit all the same (a page named after the job) and learn the API's own limit
# from its headers (x-ratelimit-limit-requests) and its 429s: the test API
# takes R requests a second (429 + Retry-After above that); together they
# reach at least 90% of R with at most 5% 429s, measured on the API's own
# arrival times and statuses. A user's rpm below that stays the cap.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 13

R=60
N=600
worker_setup $N --seed 5 --delay-ms 5 --rate-limit $R

job_yaml() { # FILE [RPM]
	chat_job_head 5s >"$1"
	printf 'limits:\n  concurrency: 8\n' >>"$1"
	[ -z "${2:-}" ] || printf '  rpm: %s\n' "$2" >>"$1"
	printf 'lease: 30s\n' >>"$1"
	job_retry 20 50ms 2s >>"$1"
}
job_yaml job.yaml

psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"
run_workers job.db job.yaml 90 w1 w2 w3
is "$WAIT_CODES" "0 0 0" "the 3 workers exit 0"
is "$(ls "$PSUP_HOME/limits" | grep -c '^job-[0-9a-f]*$')" 1 "they shared one limit, named after the job"
is "$(psup-worker export --job job.db | jq -r 'select(.status == "ok") | .id' | wc -l | tr -d ' ')" $N "all $N items ok"
like "$(cat w1.log w2.log w3.log)" "the API allows $((R * 60)) requests/min" "a worker says what the API allows"
psup-worker status --job job.db >status.out 2>&1
like "$(cat status.out)" "limit +[0-9]+ requests/min, learned: the API allows $((R * 60))" "status shows the learned limit"
is "$(psup-worker status --job job.db --json | jq .limits.api_rpm)" $((R * 60)) "and so does status --json"

curl -fsS "$TESTAPI_URL/requests" >requests.json
total=$(jq .count requests.json)
n429=$(jq '[.status[] | select(. == 429)] | length' requests.json)
is "$(jq '[.status[] | select(. == 200)] | length' requests.json)" $N "one accepted request per item"
note "requests $total, 429s $n429"
cmp_ok $((n429 * 100)) -le $((total * 5)) "at most 5% 429s ($n429 of $total)"

# The pace between the 100th and the 500th accepted request: past the
# start (the API's first second of burst) and before the queue runs dry.
span=$(jq '. as $d | [range(0; $d.count) | select($d.status[.] == 200) | $d.t_ms[.]] | sort | (.[500] - .[100])' requests.json)
rate=$(jq -n "400 * 1000 / $span | floor")
note "accepted $rate requests/s between the 100th and the 500th (limit $R)"
cmp_ok "$rate" -ge $((R * 90 / 100)) "at least 90% of the API's limit ($rate/s of $R/s)"
cmp_ok "$rate" -le $((R * 105 / 100)) "and not above it ($rate/s)"

# A user's rpm below what the API allows stays the cap, and is said so.
gen_items 60 low.jsonl
psup-worker init --job low.db --input low.jsonl >/dev/null 2>&1 || bail_out "init failed"
job_yaml low.yaml $((R * 30))
run_workers low.db low.yaml 60 low1
is "$WAIT_CODES" 0 "rpm below the API's limit: the worker finishes"
like "$(cat low1.log)" "the API allows $((R * 60)) requests/min; rpm $((R * 30)) is kept as the cap" \
    "and says the API allows more"
like "$(psup-worker status --job low.db)" "limit +$((R * 30)) requests/min as set \\(rpm\\); the API allows $((R * 60))" \
    "status: the rpm set, and that the API allows more"
