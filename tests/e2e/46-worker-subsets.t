#!/bin/sh
# Running part of a job: items tagged at load (init --tag), a run that
# claims only a subset (--where tag=NAME or a field of the items) and ends
# when that subset is finished, status and export of a subset, and clear
# errors for a malformed filter.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 24

worker_setup 0
gen_items 30 a.jsonl 1 || bail_out "cannot make items"
gen_items 20 b.jsonl 101 || bail_out "cannot make items"
chat_job_head 5s >job.yaml
printf 'limits:\n  concurrency: 8\nlease: 30s\n' >>job.yaml
job_retry 2 10ms 50ms >>job.yaml

out=$(psup-worker init --job job.db --input a.jsonl --tag src-a)
like "$out" "^loaded 30 new items from a.jsonl into job.db, tagged src-a " "init --tag tags the items it loads"
psup-worker init --job job.db --input b.jsonl --tag src-b >/dev/null || bail_out "init b failed"

# A run over one source: its 20 items and nothing else.
psup-worker run --job job.db --config job.yaml --where tag=src-b --name only-b >only-b.log 2>&1 &
WORKER_PID=$!
track_pid "$WORKER_PID"
wait_codes 30 "$WORKER_PID"
is "$WAIT_CODES" 0 "run --where tag=src-b exits 0 when its items are finished"
is "$(testapi_stats .requests)" 20 "it sent the subset's 20 requests and no other"
st=$(psup-worker status --job job.db --where tag=src-b --json)
is "$(json_num "$st" done)/$(json_num "$st" total)" 20/20 "status --where tag=src-b: 20 of 20 done"
like "$st" '"where":"tag=src-b"' "status --json says which items it counts"
st=$(psup-worker status --job job.db --json)
is "$(json_num "$st" pending)/$(json_num "$st" done)" 30/20 "the other source is untouched: 30 pending"
like "$(psup-worker status --job job.db --where tag=src-a)" "where     tag=src-a" "the status table names the subset"

psup-worker export --job job.db --where tag=src-b >b.out 2>b.err
is "$(wc -l <b.out | tr -d ' ')" 20 "export --where tag=src-b: 20 results"
is "$(jq -r .id b.out | head -n 1)/$(jq -r .id b.out | tail -n 1)" item-000101/item-000120 "in input order"
is "$(jq -r 'select(.status == "ok") | .result' b.out | head -n 1)" "echo: $(jq -r .text b.jsonl | head -n 1)" "each the answer to its own item"
is "$(cat b.err)" "" "and nothing of the subset is left out"
psup-worker export --job job.db --where tag=src-a >a.out 2>a.err
is "$(wc -l <a.out | tr -d ' ')" 0 "export of the untouched source: nothing yet"
like "$(cat a.err)" "30 items not finished yet \(30 pending, 0 leased\)" "its unfinished items counted"

# A subset by a field of the items, ANDed with a tag.
psup-worker run --job job.db --config job.yaml --where n=5 --where tag=src-a --name n5 >n5.log 2>&1; rc=$?
is "$rc" 0 "run --where n=5 --where tag=src-a exits 0"
is "$(psup-worker export --job job.db --where n=5 | jq -r .id)" item-000005 "it ran that one item"

# Malformed filters are usage errors, before anything is opened or sent.
err=$(psup-worker run --job job.db --config job.yaml --where lang 2>&1); rc=$?
is "$rc" 2 "run --where without '=' exits 2"
like "$err" 'not FIELD=VALUE' "and says what a filter looks like"
err=$(psup-worker status --job job.db --where =en 2>&1); rc=$?
is "$rc/$err" '2/psup-worker: status: --where "=en": no field name before '"'='" "status --where =en: no field name"
err=$(psup-worker export --job job.db --where tag= 2>&1); rc=$?
like "$rc/$err" '^2/.*a tag is never empty' "export --where tag=: a tag is never empty"
err=$(psup-worker init --job job.db --input a.jsonl --tag '' 2>&1); rc=$?
is "$rc" 2 "init --tag '' exits 2"
err=$(psup-worker retry --job job.db --where lang 2>&1); rc=$?
is "$rc" 2 "retry --where without '=' exits 2"
# Nothing of src-a has failed: a retry of it moves nothing.
is "$(psup-worker retry --job job.db --where tag=src-a 2>&1)" "0 failed items back to pending" \
    "retry --where tag=src-a moves only that subset's failed items"

# The rest of the job, without a filter.
psup-worker run --job job.db --config job.yaml --name rest >rest.log 2>&1; rc=$?
is "$rc" 0 "a run without --where does the rest"
st=$(psup-worker status --job job.db --json)
is "$(json_num "$st" done)/$(testapi_stats .requests)" 50/50 "every item done once: 50 requests in all"
