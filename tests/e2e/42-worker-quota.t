#!/bin/sh
# A used-up quota stops the whole job, not one item after another: once the
# API answers OpenAI's insufficient_quota 429, every worker sends nothing
# more, lets what is in flight finish, fails no item, releases what it holds
# and exits 3 saying why. With the quota back, a new run finishes the job.
# A key the API refuses (401) stops a job of one endpoint the same way,
# exit 1: no item is failed for it, and the right key finishes the job.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 23

N=1000
worker_setup $N --delay-ms 50

chat_job_head 5s >job.yaml
printf 'limits:\n  concurrency: 4\nlease: 5m\n' >>job.yaml
job_retry 5 10ms 50ms >>job.yaml
psup-worker init --job q.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"

counts() { psup-worker status --job q.db --json | jq -c "$1"; }

# --- two workers; the quota runs out in the middle of the job
start_worker q.db job.yaml q-1
P1=$WORKER_PID
start_worker q.db job.yaml q-2
P2=$WORKER_PID
wait_for -t 30 testapi_ge .requests 40 || diag "the workers did not start"
testapi_control '{"insufficient_quota":true}' >/dev/null
t0=$(now_ms)
wait_codes 20 "$P1" "$P2"
took=$(($(now_ms) - t0))
is "$WAIT_CODES" "3 3" "both workers exit 3 when the quota is used up"
cmp_ok "$took" -lt 10000 "... within seconds of the first quota answer ($took ms)"
quota=$(testapi_stats '.by_fault.insufficient_quota // 0')
in_range "$quota" 1 8 "at most one quota answer per request slot (got $quota, 2 workers x 4)"
is "$(counts '.failed')" 0 "no item failed: the quota is not the items' fault"
is "$(counts '.leased')" 0 "every held item was released"
cmp_ok "$(counts '.pending')" -gt 0 "the rest is left pending"
is "$(counts '.pending + .done')" $N "every item is pending or done"
like "$(cat q-1.log)" 'quota used up \(insufficient_quota\)' "the log says the quota is used up, and what said so"
like "$(cat q-2.log)" 'stopping the job' "the log says the job stops"
n_stop=$(testapi_stats .requests)

# --- a worker started while the quota is used up costs one request per slot
start_worker q.db job.yaml q-3
wait_codes 20 "$WORKER_PID"
is "$WAIT_CODES" 3 "a worker started against a used-up quota exits 3"
cmp_ok "$(($(testapi_stats .requests) - n_stop))" -le 4 "... after at most 4 requests (its concurrency)"
is "$(counts '[.failed, .leased]')" "[0,0]" "... failing and holding nothing"

# --- the quota is back: a new run finishes the job
testapi_control '{"insufficient_quota":false}' >/dev/null
run_workers q.db job.yaml 60 q-4
is "$WAIT_CODES" 0 "with the quota back, a new run exits 0"
psup-worker export --job q.db >export.jsonl
export_matches items.jsonl export.jsonl

# --- a refused key: every item would get the same 401, so none fails for it
testapi_control '{"api_key":"sk-right"}' >/dev/null
gen_items 200 keys.jsonl 5000
psup-worker init --job k.db --input keys.jsonl >/dev/null 2>&1 || bail_out "init of keys.jsonl failed"
chat_job_head 5s KEY_T >key.yaml
printf 'limits:\n  concurrency: 4\nlease: 5m\n' >>key.yaml
job_retry 5 10ms 50ms >>key.yaml
n0=$(testapi_stats .requests)
export KEY_T=sk-wrong
run_workers k.db key.yaml 60 k-1
is "$WAIT_CODES" 1 "a refused key (401): the worker exits 1"
cmp_ok "$(($(testapi_stats .requests) - n0))" -le 4 "... after at most 4 requests (its concurrency)"
is "$(psup-worker status --job k.db --json | jq -c '[.failed, .leased, .pending]')" "[0,0,200]" \
	"... failing no item: all 200 are left pending"
like "$(cat k-1.log)" "item [^ ]+: HTTP 401: .*invalid_api_key" "the log gives the API's answer"
like "$(cat k-1.log)" "refuses the request's credentials; stopping the job \\(fix the key" \
	"and says the job stops, and why"
export KEY_T=sk-right
run_workers k.db key.yaml 60 k-2
is "$WAIT_CODES:$(psup-worker status --job k.db --json | jq -c '[.done, .failed]')" "0:[200,0]" \
	"with the right key, a new run does every item"
