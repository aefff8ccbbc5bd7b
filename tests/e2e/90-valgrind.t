#!/bin/sh
# valgrind memcheck on the long-lived programs, driven as a user would:
# - the daemon (`psup daemon` in the foreground under valgrind, its own
#   PSUP_HOME) through a short session: start a file (a service, a crasher, a
#   progress reporter, an after: dependent), status, jlist, describe, logs,
#   restart, stop, start, signal, flush, a re-start of a changed file, a bad
#   file, delete, malformed requests on the socket, then `psup kill`;
# - every keeper of that session (PSUP_KEEPER is a wrapper that execs
#   valgrind on a dynamically linked keeper: the shipped one is static, and
#   memcheck cannot follow malloc in a static glibc);
# - psup-worker init, run (200 items against the test API injecting faults)
#   and export.
# Each must exit without a memcheck error and with no definite or indirect
# leak. Skipped without valgrind, and for the ASan build.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
case $PSUP_BIN in */asan/*) plan_skip_all "valgrind does not run ASan builds" ;; esac
require_cmd valgrind jq curl python3
require_bin psup psup-keeper psup-worker psup-testapi
sv_setup
plan 39

VG_LOGS=$TMPD/vg
mkdir -p "$VG_LOGS"
VALGRIND="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99"
# The CLI must never start a daemon of its own here: only the one under
# valgrind may answer.
PSUP_NO_AUTOSTART=1
export PSUP_NO_AUTOSTART

# vg_clean LOG: memcheck's log says no error and no definite/indirect leak.
vg_clean() {
	grep -q 'ERROR SUMMARY: 0 errors' "$1" &&
		! grep -Eq '(definitely|indirectly) lost: [1-9]' "$1"
}

# --- a dynamically linked keeper, for memcheck ------------------------------
BUILD_DIR=$(dirname "$PSUP_TESTBIN")
KEEPER_VG=""
if command -v cc > /dev/null 2>&1 && [ -f "$BUILD_DIR/supervisor/keeper/keeper_main.o" ] &&
   cc -o "$TMPD/psup-keeper-dyn" "$BUILD_DIR/supervisor/keeper/keeper_main.o" \
	"$BUILD_DIR/libkeeper.a" "$BUILD_DIR/libwire.a" "$BUILD_DIR/libcommon.a" 2> "$TMPD/cc.err"; then
	cat > "$TMPD/keeper-vg.sh" <<EOF
#!/bin/sh
exec $VALGRIND --log-file=$VG_LOGS/keeper.%p.log "$TMPD/psup-keeper-dyn" "\$@"
EOF
	chmod +x "$TMPD/keeper-vg.sh"
	KEEPER_VG=$TMPD/keeper-vg.sh
else
	diag "cannot link a dynamic keeper from $BUILD_DIR: the keepers run without valgrind"
	diag_file "$TMPD/cc.err" 5
fi

# --- the daemon under valgrind ---------------------------------------------
VG_PID=""
KPIDS=""
stop_vg_daemon() {
	if [ -S "$PSUP_HOME/psup.sock" ]; then timeout 20 "$PSUP_BIN/psup" kill > /dev/null 2>&1; fi
	for _p in $VG_PID $KPIDS; do
		if pid_alive "$_p"; then diag "left running: $_p; killing it"; kill -9 "$_p" 2>/dev/null; fi
	done
}
at_exit stop_vg_daemon

if [ -n "$KEEPER_VG" ]; then
	PSUP_KEEPER=$KEEPER_VG $VALGRIND --log-file="$VG_LOGS/daemon.log" \
		"$PSUP_BIN/psup" daemon > "$TMPD/daemon.out" 2>&1 &
else
	$VALGRIND --log-file="$VG_LOGS/daemon.log" "$PSUP_BIN/psup" daemon > "$TMPD/daemon.out" 2>&1 &
fi
VG_PID=$!
ok "the daemon under valgrind answers ping" wait_for -t 30 pingq ||
	{ diag_file "$TMPD/daemon.out"; diag_file "$VG_LOGS/daemon.log"; bail_out "no daemon"; }
like "$(psup ping)" "daemon pid $VG_PID," "it is the one we started"

cat > "$TMPD/eco.yaml" <<EOF
log_dir: logs
apps:
  - name: svc
    script: $H/sleeper
    env:
      API_TOKEN: hidden-value
  - name: crash
    script: $H/crasher
    args: [3, 20]
    max_restarts: 2
  - name: prog
    script: $H/progress
    args: [40, 5]
    autorestart: false
  - name: after
    script: $H/crasher
    args: [0, 0]
    autorestart: on-failure
    after: [prog]
    time: true
EOF
psup start "$TMPD/eco.yaml" > "$TMPD/out" 2>&1
is "$?" 0 "start a file" || diag_file "$TMPD/out"
psup wait after --timeout 30s > "$TMPD/out" 2>&1
is "$?" 0 "the after: dependent completed" || diag_file "$TMPD/out"
psup wait crash --timeout 30s > /dev/null 2>&1
is "$?" 1 "the crasher ends errored"
ok "the service is online" wait_for -t 20 state_is svc online
KPIDS=$(psup jlist | jq -r '.[].keeper_pid' | tr '\n' ' ')

psup status > "$TMPD/out" 2>&1
like "$(cat "$TMPD/out")" "│ prog .*40/40" "status shows the progress"
psup jlist > "$TMPD/jl.json" 2>&1
is "$(jq -r '.[] | select(.name == "prog") | "\(.progress.done)/\(.progress.total)"' "$TMPD/jl.json")" \
	40/40 "jlist carries the progress"
psup describe svc > "$TMPD/out" 2>&1
is "$?" 0 "describe"
unlike "$(cat "$TMPD/out")" "hidden-value" "describe masks the secret"
describe_json "$TMPD/d.json"
is "$(jq -r '.apps | length' "$TMPD/d.json")" 4 "describe all over the socket"
psup logs crash --nostream --lines 5 > "$TMPD/out" 2>&1
like "$(cat "$TMPD/out")" "crasher [0-9]+ exit 3" "logs --nostream"
SVC=$(jl svc .pid)
psup restart svc > /dev/null 2>&1
is "$?" 0 "restart"
ok "the service runs again with a new pid" wait_for -t 20 pid_changed svc "$SVC"
psup signal USR2 svc > /dev/null 2>&1
is "$?" 0 "signal"
psup flush crash > /dev/null 2>&1
is "$?" 0 "flush"
psup stop svc > /dev/null 2>&1
is "$(jl svc .state)" stopped "stop"
psup start svc > /dev/null 2>&1
ok "start NAME" wait_for -t 20 state_is svc online

# The same file again, changed: a new app starts, the others are left as they
# are.
sed -e 's/^  - name: svc$/  - name: svc2\n    script: SLEEPER\n  - name: svc/' \
	-e "s#SLEEPER#$H/sleeper#" "$TMPD/eco.yaml" > "$TMPD/eco2.yaml"
mv "$TMPD/eco2.yaml" "$TMPD/eco.yaml"
psup start "$TMPD/eco.yaml" > "$TMPD/out" 2>&1
is "$?" 0 "start the changed file" || diag_file "$TMPD/out"
ok "the new app runs" wait_for -t 20 state_is svc2 online
printf 'apps:\n  - name: x\n    script: %s\n    after: [nosuch]\n    autorestrat: 1\n' "$H/sleeper" > "$TMPD/bad.yaml"
psup start "$TMPD/bad.yaml" > /dev/null 2>&1
is "$?" 4 "a bad file is refused"
psup delete crash > /dev/null 2>&1
is "$?" 0 "delete"
KPIDS="$KPIDS $(psup jlist | jq -r '.[].keeper_pid' | tr '\n' ' ')"

# Malformed requests: each gets an error reply or a closed connection.
r=$(printf 'this is not json\n' | sv_raw)
like "$r" '"ok":false' "garbage: an error reply"
r=$(printf '\001\377\376\000binary\n' | sv_raw)
like "$r" '"ok":false' "binary: an error reply"
r=$(printf '{"v":1,"cmd":"list"' | sv_raw)
like "$r" '"ok":false' "truncated: an error reply"
r=$(python3 -c 'import sys; sys.stdout.write("{\"v\":1,\"cmd\":\"" + "x" * 70000 + "\"}\n")' | sv_raw)
like "$r" '"ok":false' "oversized: an error reply"
r=$(printf '{"v":1,"cmd":"nosuch"}\n{"v":9,"cmd":"ping"}\n{"v":1,"cmd":"stop","target":42}\n{"v":1,"cmd":"ping"}\n' | sv_raw)
is "$(printf '%s\n' "$r" | jq -r .ok | tr '\n' ' ')" "false false false true " \
	"unknown cmd, bad v, bad type: errors; the connection still serves"
ok "the daemon still answers" pingq

psup kill > "$TMPD/out" 2>&1
is "$?:$(cat "$TMPD/out")" "0:daemon stopped" "psup kill"
wait_exit "$VG_PID" 60
is "$WAIT_STATUS" 0 "valgrind: the daemon exited 0, no memcheck error" || diag_file "$VG_LOGS/daemon.log" 60
ok "valgrind: the daemon leaked nothing definite or indirect" vg_clean "$VG_LOGS/daemon.log"
# shellcheck disable=SC2086
ok "every keeper is gone" wait_for -t 10 pids_gone $KPIDS

if [ -n "$KEEPER_VG" ]; then
	# Keeper logs are the ones whose parent is the daemon; the others are
	# the keepers' forked children, which exec'd the apps.
	klogs=$(grep -l "Parent PID: $VG_PID\$" "$VG_LOGS"/keeper.*.log 2>/dev/null)
	n=$(count_lines "$klogs")
	cmp_ok "$n" -ge 5 "valgrind ran $n keepers (5 apps)"
	bad=""
	for f in $klogs; do vg_clean "$f" || bad="$bad $f"; done
	is "$bad" "" "valgrind: every keeper exited with no error and no definite/indirect leak"
	for f in $bad; do diag_file "$f" 40; done
else
	skip "no dynamic keeper" 2
fi

# --- psup-worker under valgrind --------------------------------------------
cd "$TMPD" || bail_out "no TMPD"
gen_items 200 items.jsonl
start_testapi --seed 7 --delay-ms 2 --fail-429 0.05 --retry-after 0 --fail-500 0.05 \
	--truncate 0.02 || bail_out "cannot start psup-testapi"
chat_job_head 5s VG_KEY > job.yaml
printf 'limits:\n  concurrency: 8\n  rpm: 60000\n  shared: vg\n' >> job.yaml
job_retry 10 5ms 50ms >> job.yaml
$VALGRIND --log-file="$VG_LOGS/init.log" psup-worker init --job job.db --input items.jsonl > init.out 2>&1
is "$?" 0 "valgrind: psup-worker init exits 0" || diag_file "$VG_LOGS/init.log" 40
VG_KEY=sk-vg $VALGRIND --log-file="$VG_LOGS/run.log" psup-worker run --job job.db --config job.yaml \
	--name vg > run.out 2>&1
is "$?" 0 "valgrind: psup-worker run (200 items, faults) exits 0" ||
	{ diag_file run.out; diag_file "$VG_LOGS/run.log" 60; }
$VALGRIND --log-file="$VG_LOGS/export.log" psup-worker export --job job.db --output out.jsonl > export.out 2>&1
is "$?" 0 "valgrind: psup-worker export exits 0" || diag_file "$VG_LOGS/export.log" 40
bad=""
for f in init run export; do vg_clean "$VG_LOGS/$f.log" || bad="$bad $f"; done
is "$bad" "" "valgrind: no error and no definite/indirect leak in init, run, export"
jq -r .id items.jsonl > ids.in
jq -r .id out.jsonl > ids.out 2> /dev/null
ok "the export has every item once, in order" cmp -s ids.in ids.out
