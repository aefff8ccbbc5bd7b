#!/bin/sh
# The PostgreSQL link cut under a running worker, without root: the worker
# reaches its private server through a TCP proxy (helpers/tcpproxy) that
# the test pauses (SIGSTOP: calls hang, as on a link that drops packets)
# and then cuts (connections closed, new ones refused). Each time the
# worker says the store is unreachable and, later, back; its requests go
# on meanwhile; the results it kept are recorded once the store is back,
# even those whose leases ran out (lease 2 s, pause 5 s); and the job ends
# with every item done once and no request sent twice. Then the store's
# "first result wins" unit test on this server. Skips without PostgreSQL.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$PSUP_SRC/tests/e2e/pg-lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
PROXY_BIN=$PSUP_TESTBIN/helpers/tcpproxy
[ -x "$PROXY_BIN" ] || plan_skip_all "helpers/tcpproxy not built"

N=600
worker_setup $N --delay-ms 20
pg_start || plan_skip_all "$PG_WHY"
plan 13

"$PROXY_BIN" proxy.port 127.0.0.1 "$PG_PORT" > proxy.log 2>&1 &
PROXY=$!
track_pid $PROXY
# A paused proxy takes no SIGTERM: let it go on first.
at_exit "kill -CONT $PROXY 2>/dev/null"
wait_for -t 10 test -s proxy.port || bail_out "the proxy did not start"
VIA="postgresql://postgres@127.0.0.1:$(cat proxy.port)/postgres"

psup-worker init --job "$PG_URL" --input items.jsonl > init.out 2>&1 || bail_out "init failed: $(cat init.out)"
# ~70 items a second: the run (~9 s) lasts through both cuts.
chat_job_head "$(slow_bound 5)s" > job.yaml
cat >> job.yaml <<EOF
limits:
  concurrency: 4
  rpm: 4200
lease: 2s
EOF
start_worker "$VIA" job.yaml cut
w=$WORKER_PID
done_ge() { [ "$(json_num "$(psup-worker status --job "$PG_URL" --json 2>/dev/null)" "done")" -ge "$1" ] 2>/dev/null; }
# Past its first second the worker holds ~4 s of its pace (claimsize.h).
wait_for -t "$(slow_bound 10)" done_ge 100 || diag "the run did not get going"

# ---- a pause: calls hang --------------------------------------------------
kill -STOP $PROXY
r0=$(testapi_stats .requests)
ok "paused: the worker says the store is unreachable" \
	wait_for -t "$(slow_bound 6)" lines_ge 1 cut.log "job store unreachable: .*no answer for"
r1=$(testapi_stats .requests)
cmp_ok "$r1" -gt $((r0 + 20)) "requests went on while it hung ($r0, then $r1)"
kill -CONT $PROXY
ok "resumed: it says the store is back, with the results it kept" \
	wait_for -t "$(slow_bound 10)" lines_ge 1 cut.log "job store back after [0-9.]+ s: .*recording [1-9][0-9]* results kept"

# ---- a cut: connections closed, new ones refused ----------------------------
# Once it has claimed again and got going.
r0=$(testapi_stats .requests)
wait_for -t "$(slow_bound 5)" testapi_ge .requests $((r0 + 50)) || diag "no new requests after the pause"
kill -USR1 $PROXY
r0=$(testapi_stats .requests)
ok "cut: unreachable again, saying why" \
	wait_for -t "$(slow_bound 6)" lines_ge 2 cut.log "job store unreachable: "
ok "requests go on while it is cut" wait_for -t "$(slow_bound 3)" testapi_ge .requests $((r0 + 20))
kill -USR2 $PROXY
ok "reopened: back again" \
	wait_for -t "$(slow_bound 10)" lines_ge 2 cut.log "job store back after"

wait_exit "$w" "$(slow_bound 40)"
is "${WAIT_STATUS:-timeout}" 0 "the worker finishes the job and exits 0" || diag_file cut.log 20
psup-worker export --job "$PG_URL" > out.jsonl
is "$(jq -r 'select(.status == "ok") | .id' out.jsonl | sort | uniq | wc -l | tr -d ' ')" $N "every item done"
is "$(wc -l < out.jsonl | tr -d ' ')" $N "once"
is "$(testapi_stats .requests)" $N "no request sent twice: the kept results were recorded"
unlike "$(cat cut.log)" "stale results dropped" "no result thrown away"
like "$(tail -n 1 cut.log)" "ok $N, failed 0" "the summary counts each once"

out=$(PSUP_TEST_STORE_URL=$PG_URL "$PSUP_TESTBIN/test_store_first" 2>&1); rc=$?
is "$rc" 0 "first result wins on PostgreSQL" || printf '%s\n' "$out" | grep -E '^(not ok|#)' | head -20
