#!/bin/sh
# Permanent failures fail the item at once, without retries: a 400,
# a 200 whose body is not JSON while `extract` is set, and an item missing a
# template field (no request at all). The API counts exactly one request for
# each. `retry` brings them back. (A used-up quota stops the whole job
# instead: 42-worker-quota.t.) A job file wrong for every item (the API
# refuses every body alike) stops the run after its first 10 items instead
# of failing the whole job; fixed, the job finishes.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 30

worker_setup 0 --fail-400-marker BAD

chat_job_head "$(slow_bound 5)s" >job.yaml
printf 'limits:\n  concurrency: 4\nlease: 30s\n' >>job.yaml
job_retry 5 10ms 50ms >>job.yaml

requests() { testapi_stats .requests; }
# item JOB ID FILTER: jq FILTER over ID's export line
item() { psup-worker export --job "$1" | jq -r --arg id "$2" "select(.id == \$id) | $3"; }

# --- a 400 and a missing field, among 20 good items
gen_items 20 - |
	jq -c 'if .id == "item-000007" then .text = "this one is BAD" elif .id == "item-000012" then del(.text) else . end' \
	>items.jsonl
psup-worker init --job a.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
run_workers a.db job.yaml "$(slow_bound 30)" a
is "$WAIT_CODES" 0 "the worker exits 0 once every item is finished, failed ones too"
is "$(item a.db item-000007 '[.status,.attempts,.http_status] | join(" ")')" "failed 1 400" "a 400 fails the item on its first attempt"
like "$(item a.db item-000007 .error)" '400' "... its error keeps the status"
like "$(item a.db item-000007 .error)" 'rejected marker' "... and the start of the body"
is "$(testapi_stats .marker_requests)" 1 "the API saw exactly 1 request for it"
is "$(item a.db item-000012 .status)" failed "an item missing a template field fails"
like "$(item a.db item-000012 .error)" 'text' "... with an error naming the field"
is "$(requests)" 19 "... and costs no request (19 requests for 20 items)"
is "$(psup-worker export --job a.db | jq -r 'select(.status == "ok") | .id' | wc -l | tr -d ' ')" 18 "the 18 others are ok"
like "$(grep 'item-000007' a.log)" '400' "the log has a line for the failure, with the status"

# fails_at_once JOB FIRST CONTROL STATUS WHY LABEL: 3 fresh items (ids from
# FIRST) in JOB against the API set up by CONTROL: the worker exits 0, every
# item failed on its first attempt with STATUS kept and an error matching
# WHY, and the API saw exactly one request per item.
fails_at_once() {
	testapi_control "$3" >/dev/null
	gen_items 3 "$1.jsonl" "$2"
	psup-worker init --job "$1.db" --input "$1.jsonl" >/dev/null 2>&1 || bail_out "init failed"
	before=$(requests)
	run_workers "$1.db" job.yaml "$(slow_bound 30)" "$1"
	is "$WAIT_CODES" 0 "$6: the worker exits 0"
	is "$(psup-worker export --job "$1.db" | jq -r '[.status,.attempts,.http_status] | join(" ")' | sort -u)" \
		"failed 1 $4" "$6: every item failed on its first attempt, $4 kept"
	like "$(item "$1.db" "item-000$2" .error)" "$5" "$6: the error says why"
	is "$(($(requests) - before))" 3 "$6: exactly 1 request per item"
}

# --- 200 with a body that is not JSON, while extract is set
fails_at_once c 200 '{"nonjson":1}' 200 'html|JSON|json' non-JSON

# --- retry: the API is fixed, failed items go back to pending and succeed
testapi_control '{"nonjson":0,"fail_400_marker":null}' >/dev/null
psup-worker retry --job c.db >retry.out 2>&1
is "$?" 0 "retry exits 0"
is "$(psup-worker status --job c.db --json | jq -c '[.pending,.failed]')" "[3,0]" "retry: 3 failed items back to pending"
run_workers c.db job.yaml "$(slow_bound 30)" c2
is "$(psup-worker export --job c.db | jq -r .status | sort -u)" ok "retry: now all ok"
psup-worker retry --job a.db --ids item-000007 >/dev/null 2>&1
is "$(psup-worker status --job a.db --json | jq -c '[.pending,.failed]')" "[1,1]" "retry --ids: only that item"
run_workers a.db job.yaml "$(slow_bound 30)" a2
is "$(item a.db item-000007 '[.status,.result] | join(" ")')" "ok echo: this one is BAD" "retry --ids: the item is done"
is "$(item a.db item-000012 .status)" failed "the other failed item was left alone"
jq -r .id items.jsonl >ids.in
psup-worker export --job a.db | jq -r .id >ids.out
ok "export still in input order, each id once" cmp -s ids.in ids.out
is "$(psup-worker export --job a.db --failed | jq -r .id)" item-000012 "export --failed lists only the failed item"

# --- a job file wrong for every item: max_tokens as a string, which the
# test API refuses as OpenAI does; the run stops after its first 10
sed 's/"model": "m",/"model": "m", "max_tokens": "64",/' job.yaml >wrong.yaml
gen_items 40 g.jsonl 3000
psup-worker init --job g.db --input g.jsonl >/dev/null 2>&1 || bail_out "init failed"
before=$(requests)
run_workers g.db wrong.yaml "$(slow_bound 30)" g1
is "$WAIT_CODES" 1 "every item refused alike: the worker exits 1"
failed=$(psup-worker status --job g.db --json | jq .failed)
in_range "$failed" 10 13 "it stopped after its first 10 (and those in flight): $failed failed"
is "$(($(requests) - before))" "$failed" "... one request each, none for the rest"
like "$(cat g1.log)" "the run's first 10 items all failed alike \\(HTTP 400: .*max_tokens.*\\); stopping the job rather than failing every item" \
	"the log says why it stopped"
psup-worker retry --job g.db >/dev/null 2>&1
run_workers g.db job.yaml "$(slow_bound 30)" g2
is "$WAIT_CODES" 0 "with the job file fixed, the run exits 0"
is "$(psup-worker export --job g.db | jq -r .status | sort -u)" ok "... and all 40 are done, the failed ones retried"

# --- "stream": true copied into the body: the answer comes as server-sent
# events, which no extract can read; each item says what to change
sed 's/"model": "m",/"model": "m", "stream": true,/' job.yaml >stream.yaml
gen_items 3 s.jsonl 4000
psup-worker init --job s.db --input s.jsonl >/dev/null 2>&1 || bail_out "init failed"
run_workers s.db stream.yaml "$(slow_bound 30)" s
is "$(psup-worker export --job s.db | jq -r '[.status,.attempts,.http_status] | join(" ")' | sort -u)" \
	"failed 1 200" "a streamed answer fails its item at once"
like "$(item s.db item-004000 .error)" 'answer is streamed \(server-sent events\): set "stream": false in the request body' \
	"... saying what to change"
