#!/bin/sh
# Issue 3: permanent failures fail the item at once, without retries: a 400,
# OpenAI's insufficient_quota 429, a 200 whose body is not JSON while
# `extract` is set, and an item missing a template field (no request at all).
# The API counts exactly one request for each. `retry` brings them back.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 26

mk_home
cd "$TMPD" || bail_out "no TMPD"
start_testapi --fail-400-marker BAD || bail_out "cannot start psup-testapi"

chat_job_head 5s >job.yaml
cat >>job.yaml <<EOF
limits:
  concurrency: 4
retry:
  max_attempts: 5
  base_delay: 10ms
  max_delay: 50ms
lease: 30s
EOF

requests() { testapi_stats .requests; }
# run JOB LOG: one worker over JOB; sets RUN_STATUS
run() {
	psup-worker run --job "$1" --config job.yaml --name w >"$2" 2>&1 &
	track_pid $!
	if wait_exit $! 30; then RUN_STATUS=$WAIT_STATUS; else RUN_STATUS=timeout; fi
}
# item JOB ID FILTER: jq FILTER over ID's export line
item() { psup-worker export --job "$1" | jq -r --arg id "$2" "select(.id == \$id) | $3"; }

# --- a 400 and a missing field, among 20 good items
gen_items 20 - |
	jq -c 'if .id == "item-000007" then .text = "this one is BAD" elif .id == "item-000012" then del(.text) else . end' \
	>items.jsonl
psup-worker init --job a.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
run a.db a.log
is "$RUN_STATUS" 0 "the worker exits 0 once every item is finished, failed ones too"
is "$(item a.db item-000007 '[.status,.attempts,.http_status] | join(" ")')" "failed 1 400" "a 400 fails the item on its first attempt"
like "$(item a.db item-000007 .error)" '400' "... its error keeps the status"
like "$(item a.db item-000007 .error)" 'rejected marker' "... and the start of the body"
is "$(testapi_stats .marker_requests)" 1 "the API saw exactly 1 request for it"
is "$(item a.db item-000012 .status)" failed "an item missing a template field fails"
like "$(item a.db item-000012 .error)" 'text' "... with an error naming the field"
is "$(requests)" 19 "... and costs no request (19 requests for 20 items)"
is "$(psup-worker export --job a.db | jq -r 'select(.status == "ok") | .id' | wc -l | tr -d ' ')" 18 "the 18 others are ok"
like "$(grep 'item-000007' a.log)" '400' "the log has a line for the failure, with the status"

# --- insufficient_quota: a 429 retrying cannot help
testapi_control '{"insufficient_quota":true}' >/dev/null
gen_items 3 b.jsonl 100
psup-worker init --job b.db --input b.jsonl >/dev/null 2>&1 || bail_out "init failed"
before=$(requests)
run b.db b.log
is "$RUN_STATUS" 0 "quota: the worker exits 0"
is "$(psup-worker export --job b.db | jq -r '[.status,.attempts,.http_status] | join(" ")' | sort -u)" "failed 1 429" "quota: every item failed on its first attempt, 429 kept"
like "$(item b.db item-000100 .error)" 'insufficient_quota' "quota: the error says why"
is "$(($(requests) - before))" 3 "quota: exactly 1 request per item"

# --- 200 with a body that is not JSON, while extract is set
testapi_control '{"insufficient_quota":false,"nonjson":1}' >/dev/null
gen_items 3 c.jsonl 200
psup-worker init --job c.db --input c.jsonl >/dev/null 2>&1 || bail_out "init failed"
before=$(requests)
run c.db c.log
is "$RUN_STATUS" 0 "non-JSON: the worker exits 0"
is "$(psup-worker export --job c.db | jq -r '[.status,.attempts,.http_status] | join(" ")' | sort -u)" "failed 1 200" "non-JSON 200: failed on the first attempt"
like "$(item c.db item-000200 .error)" 'html|JSON|json' "non-JSON: the error says so"
is "$(($(requests) - before))" 3 "non-JSON: exactly 1 request per item"

# --- retry: the API is fixed, failed items go back to pending and succeed
testapi_control '{"nonjson":0,"fail_400_marker":null}' >/dev/null
psup-worker retry --job c.db >retry.out 2>&1
is "$?" 0 "retry exits 0"
is "$(psup-worker status --job c.db --json | jq -c '[.pending,.failed]')" "[3,0]" "retry: 3 failed items back to pending"
run c.db c2.log
is "$(psup-worker export --job c.db | jq -r .status | sort -u)" ok "retry: now all ok"
psup-worker retry --job a.db --ids item-000007 >/dev/null 2>&1
is "$(psup-worker status --job a.db --json | jq -c '[.pending,.failed]')" "[1,1]" "retry --ids: only that item"
run a.db a2.log
is "$(item a.db item-000007 '[.status,.result] | join(" ")')" "ok echo: this one is BAD" "retry --ids: the item is done"
is "$(item a.db item-000012 .status)" failed "the other failed item was left alone"
jq -r .id items.jsonl >ids.in
psup-worker export --job a.db | jq -r .id >ids.out
ok "export still in input order, each id once" cmp -s ids.in ids.out
is "$(psup-worker export --job a.db --failed | jq -r .id)" item-000012 "export --failed lists only the failed item"
