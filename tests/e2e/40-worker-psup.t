#!/bin/sh
# Under the supervisor: init, then `psup start` runs 3 chunk workers
# (instances: 3) over 5,000 items against the test API injecting faults.
# One chunk is killed with SIGKILL mid-run: psup restarts it, the job still
# completes, `psup wait chunk` exits 0, and the export has every id exactly
# once, in input order.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl
sv_setup
plan 18

N=5000
cd "$TMPD" || bail_out "no TMPD"
gen_items $N items.jsonl
start_testapi --seed 21 --api-key sk-test-very-secret --delay-ms 20 --fail-429 0.02 --retry-after 0 \
	--fail-500 0.03 --drop 0.01 || bail_out "cannot start psup-testapi"

chat_job_head "$(slow_bound 5)s" TEST_API_KEY >job.yaml
# A short lease, longer for a slow build: live workers must renew in time.
printf 'limits:\n  concurrency: 8\nlease: %ss\n' "$(slow_bound 2)" >>job.yaml
job_retry 12 10ms 100ms >>job.yaml

cat >eco.yaml <<EOF
apps:
  - name: chunk
    script: $PSUP_BIN/psup-worker
    args: run --job $TMPD/job.db --config $TMPD/job.yaml
    instances: 3
    autorestart: on-failure
    max_restarts: 5
    kill_timeout: 5s
    env:
      TEST_API_KEY: sk-test-very-secret
EOF

psup-worker init --job job.db --input items.jsonl >init.out 2>&1
is "$?" 0 "init loads the items"

psup start "$TMPD/eco.yaml" >start.out 2>&1
is "$?" 0 "psup start eco.yaml" || diag_file start.out
all_running() {
	for c in chunk-1 chunk-2 chunk-3; do
		[ "$(jl $c .pid)" -gt 0 ] 2>/dev/null || return 1
	done
}
ok "3 chunk workers run" wait_for -t "$(slow_bound 10)" all_running

ok "the job gets going" wait_for -t "$(slow_bound 30)" testapi_ge .requests $((N / 4))
victim=$(jl chunk-2 .pid)
kill -9 "$victim"
note "killed chunk-2 (pid $victim) at $(psup-worker status --job job.db --json | jq -c '{done,leased,pending}')"
restarted() { [ "$(jl chunk-2 .restarts)" -ge 1 ] 2>/dev/null; }
ok "psup restarts the killed chunk" wait_for -t "$(slow_bound 15)" restarted

psup wait chunk --timeout "$(slow_bound 60)s" >wait.out 2>&1
is "$?" 0 "psup wait chunk: exit 0 (all completed)" || diag_file wait.out
for c in chunk-1 chunk-2 chunk-3; do
	is "$(jl $c .state)" completed "$c completed"
done
cmp_ok "$(jl chunk-2 .restarts)" -ge 1 "chunk-2 was restarted"

psup-worker export --job job.db --output export.jsonl >export.out 2>&1
export_matches items.jsonl export.jsonl
answered=$(testapi_stats .by_fault.none)
cmp_ok "$answered" -le $((N + 64)) "no item done twice beyond the killed chunk's in-flight ($answered answers)"

# The API key given in env reached the API (it answers 401 to any other),
# but no log and no result.
is "$(testapi_stats '.by_fault.auth_401 // 0')" 0 "the key from the app's env reached the API"
ok "the chunks' logs are in logs/ beside the ecosystem file" test -f "$TMPD/logs/chunk-1-out.log" -o -f "$TMPD/logs/chunk-1-error.log"
ok "the secret is in no log or result" not grep -rq sk-test-very-secret "$TMPD/logs" export.jsonl
