#!/bin/sh
# Under psup, a worker that stops for what no restart can mend is not
# restarted into the same answer: the run's last report carries a "halt",
# and psup marks each chunk errored with what to do (tests/e2e/21-sv-halt.t:
# whatever autorestart says). A refused key: no item failed, one request per
# chunk's concurrency at most; the key mended, `psup restart` finishes the
# job. A job file every item fails with: 10 failed per chunk (and those in
# flight), not 10 per restart.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl
sv_setup
plan 19

N=300
cd "$TMPD" || bail_out "no TMPD"
start_testapi --seed 5 --api-key sk-right --delay-ms 5 --fail-400-marker BAD ||
	bail_out "cannot start psup-testapi"

# eco FILE NAME JOB CONFIG: 2 chunks, as configs/chunks.yaml runs them
eco() {
	cat >"$1" <<EOF
apps:
  - name: $2
    script: $PSUP_BIN/psup-worker
    args: run --job $TMPD/$3 --config $TMPD/$4
    instances: 2
    autorestart: on-failure
    max_restarts: 5
    kill_timeout: 5s
EOF
}
chat_job_head "$(slow_bound 5)s" TEST_API_KEY >job.yaml
printf 'limits:\n  concurrency: 4\nlease: 5m\n' >>job.yaml
job_retry 5 10ms 50ms >>job.yaml

# --- a refused key
gen_items $N items.jsonl
psup-worker init --job key.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
eco key.yaml key key.db job.yaml
TEST_API_KEY=sk-wrong psup start "$TMPD/key.yaml" >start.out 2>&1
is "$?" 0 "psup start, the key wrong" || diag_file start.out
ok "both chunks end errored" wait_for -t "$(slow_bound 30)" all_state errored key-1 key-2
is "$(jl key-1 .restarts)/$(jl key-2 .restarts)" 0/0 "neither was restarted"
is "$(jl key-1 .exit_code)" 1 "the worker's exit code is kept"
like "$(jl key-1 .reason)" "^exited with code 1: the API refuses the request's credentials: fix the key, then restart$" \
	"the reason says what to do"
like "$(psup status 2>&1)" "key-2 errored: exited with code 1: the API refuses" "status shows it"
is "$(psup-worker status --job key.db --json | jq -r '[.failed, .done] | join(" ")')" "0 0" \
	"no item failed for the key"
cmp_ok "$(testapi_stats '.by_fault.auth_401 // 0')" -le 8 "at most one request per chunk's concurrency"

# mended: the restart takes the new key
TEST_API_KEY=sk-right psup restart key --update-env >restart.out 2>&1
is "$?" 0 "psup restart key --update-env" || diag_file restart.out
psup wait key --timeout "$(slow_bound 60)s" >wait.out 2>&1
is "$?" 0 "then the job finishes" || diag_file wait.out
is "$(psup-worker status --job key.db --json | jq -r '[.done, .failed] | join(" ")')" "$N 0" \
	"every item done, none failed"
psup delete key >/dev/null 2>&1

# --- a job file every item fails with (the API refuses each body alike)
gen_items $N - | jq -c '.text = "BAD " + .text' >bad.jsonl
psup-worker init --job bad.db --input bad.jsonl >/dev/null 2>&1 || bail_out "init failed"
eco bad.yaml bad bad.db job.yaml
before=$(testapi_stats .requests)
TEST_API_KEY=sk-right psup start "$TMPD/bad.yaml" >start.out 2>&1
is "$?" 0 "psup start, every body refused" || diag_file start.out
ok "both chunks end errored" wait_for -t "$(slow_bound 30)" all_state errored bad-1 bad-2
is "$(jl bad-1 .restarts)/$(jl bad-2 .restarts)" 0/0 "neither was restarted"
like "$(jl bad-2 .reason)" "the first 10 items all failed alike \\(HTTP 400: .*\\): check the job file, psup-worker retry, then restart" \
	"the reason names the answer and what to do"
failed=$(psup-worker status --job bad.db --json | jq -r .failed)
cmp_ok "$failed" -le 28 "10 failed per chunk, and those in flight ($failed of $N)"
cmp_ok "$(($(testapi_stats .requests) - before))" -le 28 "one request each"
psup wait bad --timeout 5s >wait.out 2>&1
is "$?" 1 "psup wait bad: exit 1"
like "$(cat wait.out)" "bad-1 errored: exited with code 1: the first 10 items all failed alike" \
	"and it says why"
