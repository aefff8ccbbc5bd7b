#!/bin/sh
# What `psup status` says about a worker that waits: its progress reports
# carry a note (the progress protocol's "note"), shown under the table and
# in jlist. An API that answers 500 to everything: "the API is down for N s
# (HTTP 500): one probe every 1 s" while the chunk stays online; the
# API back, the note goes and the job completes.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl
sv_setup
plan 9

N=200
cd "$TMPD" || bail_out "no TMPD"
start_testapi --seed 9 --delay-ms 5 || bail_out "cannot start psup-testapi"
testapi_control '{"fail_500":1}' >/dev/null

chat_job_head "$(slow_bound 5)s" >job.yaml
printf 'limits:\n  concurrency: 4\nlease: 5m\ncooldown: 1s\n' >>job.yaml
job_retry 20 10ms 50ms >>job.yaml
gen_items $N items.jsonl
psup-worker init --job job.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
cat >eco.yaml <<EOF
apps:
  - name: chunk
    script: $PSUP_BIN/psup-worker
    args: run --job $TMPD/job.db --config $TMPD/job.yaml
    autorestart: on-failure
    kill_timeout: 5s
EOF
psup start "$TMPD/eco.yaml" >start.out 2>&1
is "$?" 0 "psup start" || diag_file start.out

note() { jl chunk '.progress.note // ""'; }
down() { note | grep -Eq "^the API is down for [0-9]+ s \\(HTTP 500\\): one probe every 1 s$"; }
ok "jlist: the note says the API is down" wait_for -t "$(slow_bound 30)" down
note "note: $(note)"
is "$(jl chunk .state)" online "the chunk stays online"
like "$(psup status 2>&1)" "chunk online: the API is down for [0-9]+ s \\(HTTP 500" \
	"status shows it under the table"
is "$(psup-worker status --job job.db --json | jq -r .failed)" 0 "no item failed meanwhile"

testapi_control '{"fail_500":0}' >/dev/null
no_note() { [ -z "$(note)" ]; }
ok "the API back: the note goes" wait_for -t "$(slow_bound 30)" no_note
psup wait chunk --timeout "$(slow_bound 60)s" >wait.out 2>&1
is "$?" 0 "the job completes" || diag_file wait.out
is "$(psup-worker status --job job.db --json | jq -r '[.done, .failed] | join(" ")')" "$N 0" \
	"every item done, none failed"
unlike "$(psup status 2>&1)" "chunk completed:" "a completed chunk has no line under the table"
