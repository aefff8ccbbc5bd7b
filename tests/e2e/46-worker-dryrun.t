#!/bin/sh
# run --dry-run: the first requests exactly as a run would send them, with
# secrets masked, and an estimate for the whole job; the API gets no
# request and the store no lease. A body written as YAML goes out as
# JSON, a prompt in a block scalar and the item's text in it.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 22

worker_setup 5
psup-worker init --job job.db --input items.jsonl --tag first >/dev/null || bail_out "init failed"
gen_items 3 more.jsonl 101 || bail_out "cannot make items"
psup-worker init --job job.db --input more.jsonl --tag second >/dev/null || bail_out "init failed"
chat_job_head 5s DRY_KEY >job.yaml
sed -i 's|^    Content-Type: application/json|&\n    x-api-key: literal-secret-value-1234\n    X-Org: ${DRY_ORG}|' job.yaml
printf 'limits:\n  rpm: 120\n  concurrency: 4\n' >>job.yaml
export DRY_KEY=sk-test-abcdefghijklmnopqrstuvwx DRY_ORG=org-secret-77

out=$(psup-worker run --job job.db --config job.yaml --dry-run 2>dry.err); rc=$?
is "$rc" 0 "--dry-run exits 0"
is "$(printf '%s\n' "$out" | grep -c '^--- request ')" 3 "it shows 3 requests by default"
like "$out" "--- request 1 of 3: item item-000001" "the first item first"
like "$out" "POST $TESTAPI_URL/v1/chat/completions" "with the method and url"
like "$out" "Authorization: Bearer sk-t\*\*\*\*" "Authorization shows a prefix and ****"
like "$out" "x-api-key: lite\*\*\*\*" "so does a header named as a key"
like "$out" "X-Org: org\*\*\*\*\$" "and any header made from a variable"
unlike "$out" "abcdefghijklmnop|secret-value|secret-77" "no secret shows"
body=$(printf '{"model": "m", "messages": [{"role": "user", "content": %s}]}' "$(jq -c .text items.jsonl | head -n 1)")
ok "the body exactly as it would be sent" sh -c 'printf "%s\n" "$1" | grep -qxF -- "$2"' - "$out" "$body"
like "$out" "items     8 pending" "the estimate counts every pending item"
like "$out" "tokens    about [0-9]+ input tokens" "and their input tokens"
like "$out" "time      about .* at 120 items/min" "and the time at the job's rpm"
is "$(testapi_stats .requests)" 0 "the API got no request"
st=$(psup-worker status --job job.db --json)
is "$(json_num "$st" pending)/$(json_num "$st" leased)" 8/0 "and the store no lease"

out=$(psup-worker run --job job.db --config job.yaml --dry-run --limit 1 --where tag=second)
is "$(printf '%s\n' "$out" | grep -c '^--- request ')" 1 "--limit 1 shows one"
like "$out" "--- request 1 of 1: item item-000101" "--where: the subset's first item"
like "$out" "items     3 pending" "and its estimate counts the subset"

err=$(psup-worker run --job job.db --config job.yaml --dry-run --limit 0 2>&1); rc=$?
like "$rc/$err" "^2/.*--limit takes a number of requests from 1 to 1000" "--limit 0 exits 2"
err=$(psup-worker run --job job.db --config job.yaml --limit 2 2>&1); rc=$?
like "$rc/$err" "^2/.*--limit goes with --dry-run" "--limit without --dry-run exits 2"
err=$(env -u DRY_ORG psup-worker run --job job.db --config job.yaml --dry-run 2>&1); rc=$?
like "$rc/$err" "^2/.*environment variable DRY_ORG is not set" "an unset variable fails as a run would"

# a body written as YAML: sent as JSON, a prompt around the item's text
cat >yaml.yaml <<EOF
request:
  url: $TESTAPI_URL/v1/chat/completions
  body:
    model: m
    max_tokens: "{{item.n}}"
    messages:
      - role: system
        content: |
          Be brief.
          One line.
      - role: user
        content: "Say {{item.text}} back."
EOF
printf '{"id":"y1","text":"it \\"twice\\"","n":40}\n' >y.jsonl
psup-worker init --job y.db --input y.jsonl >/dev/null || bail_out "init failed"
out=$(psup-worker run --job y.db --config yaml.yaml --dry-run 2>&1); rc=$?
is "$rc" 0 "a body written as YAML: dry run exits 0"
body=$(printf '%s\n' "$out" | grep '^{')
is "$(printf '%s' "$body" | jq -c '[.max_tokens, .messages[0].content, .messages[1].content]')" \
	'[40,"Be brief.\nOne line.\n","Say it \"twice\" back."]' \
	"sent as JSON: the number itself, the block prompt, the text inside the prompt"
