#!/bin/sh
# response.json: the result is JSON a model wrote in a string. The test API
# answers with the request's "model" as it came, so the items' texts, sent
# as the model, come back as the string the job extracts (/model): JSON
# becomes the exported value itself, a Markdown fence around it is dropped,
# and an answer that is no JSON is tried again, then fails saying so. An
# endpoint may ask for it alone (endpoints.response.json). response.require
# names what the JSON must hold: an answer without it is tried again, then
# fails saying what it lacks.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq python3
plan 18

worker_setup 0
# model_job FILE TRIES RESPONSE: a job sending each item's text as the
# model, extracting it back, with RESPONSE's line under response:
model_job() {
	cat >"$1" <<EOF
request:
  url: $TESTAPI_URL/v1/chat/completions
  body: '{"model": {{item.text}}, "messages": [{"role": "user", "content": "x"}]}'
  timeout: 5s
response:
  extract: /model
  $3
limits:
  concurrency: 2
lease: 30s
EOF
	job_retry "$2" 10ms 50ms >>"$1"
}
model_job job.yaml 3 "json: true"
cat >items.jsonl <<'EOF'
{"id":"plain","text":"{\"word\": \"cat\", \"senses\": [\"animal\", \"jazz fan\"]}"}
{"id":"fenced","text":"```json\n{\"word\": \"dog\"}\n```"}
{"id":"chatty","text":"Sure! Here is the entry: {\"word\": \"cow\"}"}
EOF
psup-worker init --job job.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
run_workers job.db job.yaml 60 w1
is "$WAIT_CODES" 0 "the worker exits 0: every item finished"
psup-worker export --job job.db >out.jsonl
row() { jq -c --arg id "$1" "select(.id == \$id) | $2" out.jsonl; }
is "$(row plain .result)" '{"word":"cat","senses":["animal","jazz fan"]}' "JSON in the answer's string is exported as that value"
is "$(row plain .status)" '"ok"' "... the item ok"
is "$(row fenced .result)" '{"word":"dog"}' "a Markdown fence around it is dropped"
is "$(row chatty .status)" '"failed"' "an answer that is not JSON fails the item"
is "$(row chatty .attempts)" 3 "... after retry.max_attempts tries"
like "$(row chatty .error)" "the result is not JSON \\(response.json\\): Sure! Here is the entry" "... saying so"
curl -fsS "$TESTAPI_URL/requests" >requests.json
is "$(jq '.count' requests.json)" 5 "5 requests: one each, and 3 for the one that is not JSON"
like "$(cat w1.log)" "not JSON" "the worker's log says why it retried"

# endpoints: one asks for JSON on its own, the file does not
cat >ep.yaml <<EOF
response:
  extract: /model
endpoints:
  - name: strict
    url: $TESTAPI_URL/v1/chat/completions
    body: '{"model": {{item.text}}, "messages": [{"role": "user", "content": "x"}]}'
    timeout: 5s
    response:
      json: true
limits:
  concurrency: 2
lease: 30s
EOF
job_retry 2 10ms 50ms >>ep.yaml
psup-worker init --job ep.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
run_workers ep.db ep.yaml 60 w2
is "$WAIT_CODES" 0 "a job whose endpoint asks for JSON: exit 0"
psup-worker export --job ep.db >ep.jsonl
is "$(jq -c 'select(.id == "plain") | .result' ep.jsonl)" '{"word":"cat","senses":["animal","jazz fan"]}' \
	"endpoints.response.json: the result is the JSON value"
is "$(jq -c 'select(.id == "chatty") | .status' ep.jsonl)" '"failed"' "an answer that is not JSON fails"
like "$(jq -r 'select(.id == "chatty") | .error' ep.jsonl)" "not JSON \\(response.json\\)" "... saying so"

# response.require: the answer must hold a word
model_job req.yaml 2 "require: [word]"
cat >req.jsonl <<'EOF'
{"id":"has","text":"{\"word\": \"cat\"}"}
{"id":"lacks","text":"{\"name\": \"cat\"}"}
EOF
psup-worker init --job req.db --input req.jsonl >/dev/null 2>&1 || bail_out "init failed"
run_workers req.db req.yaml 60 w3
is "$WAIT_CODES" 0 "a job whose answers must hold a word: exit 0"
psup-worker export --job req.db >req.out
is "$(jq -c 'select(.id == "has") | [.status, .result]' req.out)" '["ok",{"word":"cat"}]' \
	"an answer holding it is the JSON result (require implies json)"
is "$(jq -c 'select(.id == "lacks") | [.status, .attempts, .error]' req.out)" \
	'["failed",2,"after 2 attempts: the result has no /word (response.require): {\"name\": \"cat\"}"]' \
	"one lacking it fails after its tries, saying what it lacks"

# the results as spreadsheet columns, the items' beside them
out=$(psup-worker export --job job.db --with-item --result-columns --format csv 2>&1); rc=$?
is "$rc" 0 "export --with-item --result-columns as CSV"
is "$(printf '%s\n' "$out" | python3 -c 'import csv, json, sys
rows = list(csv.DictReader(sys.stdin))
print(json.dumps([[r["id"], r["status"], r["result.word"], r["result.senses"]] for r in rows]))')" \
	'[["plain", "ok", "cat", "[\"animal\",\"jazz fan\"]"], ["fenced", "ok", "dog", ""], ["chatty", "failed", "", ""]]' \
	"each key of the JSON results a column, read back by Python's csv"
