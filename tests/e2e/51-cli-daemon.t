#!/bin/sh
# The psup CLI against the real daemon: start a file, status and jlist
# contents, describe, logs (--lines, --err, following a rotating log without
# losing a line), wait (completed, errored, --timeout), stop of an unknown
# app, a bad file, monit under a pseudo-terminal, kill leaving nothing.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup psup-keeper
require_cmd jq script
[ -f "$PSUP_SRC/supervisor/daemon/daemon.c" ] || plan_skip_all "the daemon is not built in yet"
plan 70

mk_home
A=$TMPD/apps
mkdir -p "$A"
cat > "$A/svc.sh" <<'EOF'
#!/bin/sh
echo "svc started"
exec sleep 1000
EOF
cat > "$A/job.sh" <<'EOF'
#!/bin/sh
i=0
while [ $i -lt 3 ]; do
	i=$((i + 1))
	echo "{\"done\":$i,\"total\":3,\"failed\":0}" >&"$PSUP_PROGRESS_FD"
	echo "job $PSUP_INSTANCE line $i"
done
sleep 0.2
EOF
cat > "$A/bad.sh" <<'EOF'
#!/bin/sh
echo "oops" >&2
exit 3
EOF
# Says ready, waits for the go file, then writes 400 numbered lines in
# bursts; its 1 KiB logs rotate every ~80 lines.
cat > "$A/rot.sh" <<'EOF'
#!/bin/sh
echo ready
while [ ! -f "$1" ]; do sleep 0.02; done
i=0
while [ $i -lt 400 ]; do
	i=$((i + 1))
	echo "seq $i"
	[ $((i % 20)) -eq 0 ] && sleep 0.02
done
exec sleep 1000
EOF
chmod +x "$A"/*.sh
cat > "$TMPD/eco.yaml" <<EOF
log_dir: logs
apps:
  - name: svc
    script: $A/svc.sh
  - name: job
    script: $A/job.sh
    instances: 2
    autorestart: on-failure
  - name: bad
    script: $A/bad.sh
    autorestart: false
EOF

psup start "$TMPD/eco.yaml" > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "start FILE: exit 0" || diag_file "$TMPD/err"
like "$(cat "$TMPD/out")" "started: " "start says what it started"
like "$(cat "$TMPD/out")" "│ svc " "start shows the table"
ok "the daemon wrote its pid" test -s "$PSUP_HOME/psup.pid"
DPID=$(cat "$PSUP_HOME/psup.pid" 2>/dev/null)
track_pid $DPID

psup wait job --timeout 20s > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "wait job: every instance completed" || diag_file "$TMPD/err"
like "$(cat "$TMPD/out")" "^wait: 2 completed" "wait: the summary"
psup wait bad --timeout 20s > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 1 "wait bad: did not complete, exit 1"
like "$(cat "$TMPD/out")" "1 (errored|stopped) \(bad\)" "wait: names the app that failed"
wait_times_out svc 5000

psup status > "$TMPD/st" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "status: exit 0"
st=$(cat "$TMPD/st")
like "$st" "│ svc +│ [1-9][0-9]* +│ (launching|online) " "status: the service runs, with a pid"
like "$st" "│ job-1 +│ 0 +│ completed .*3/3" "status: a completed instance with its progress"
like "$st" "│ job \(2\) +│ +│ completed .*6/6" "status: the group's summed row"

psup jlist > "$TMPD/j" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "jlist: exit 0"
is "$(jq -r 'length' "$TMPD/j")" 4 "jlist: four apps"
is "$(jq -r '[.[] | has("id","name","pid","state","restarts","uptime_ms","exit_code","cpu","memory","progress","log_files") ] | all' "$TMPD/j")" true "jlist: every field"
is "$(jq -r '.[] | select(.name=="job-2") | "\(.state) \(.exit_code) \(.progress.done)/\(.progress.total)"' "$TMPD/j")" "completed 0 3/3" "jlist: job-2 state, exit code, progress"
SVCPID=$(jq -r '.[] | select(.name=="svc") | .pid' "$TMPD/j")
cmp_ok "$SVCPID" -gt 0 "jlist: the service's pid"

psup describe job-1 > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "describe: exit 0"
like "$(cat "$TMPD/out")" "│ state +│ completed" "describe: the state"

is "$(psup logs svc --nostream --lines 1)" "svc | svc started" "logs --nostream --lines 1"
is "$(psup logs bad --nostream --err)" "bad | oops" "logs --err"
is "$(psup logs job --nostream --out --lines 1 | sort)" "job-1 | job 1 line 3
job-2 | job 2 line 3" "logs of a group: each instance's last line"

psup stop nosuch > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 1 "stop an unknown app: exit 1"
is "$(wc -l < "$TMPD/err" | tr -d ' ')" 1 "stop an unknown app: one line on stderr"
psup stop svc > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "stop svc: exit 0"
like "$(psup jlist | jq -r '.[] | select(.name=="svc") | .state')" "^stopped$" "svc is stopped"
ok "svc's process is gone" pid_gone "$SVCPID"
psup start svc > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "start NAME: exit 0"
like "$(psup jlist | jq -r '.[] | select(.name=="svc") | .state')" "^(launching|online)$" "svc runs again"
psup restart job > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "restart a group: exit 0"
like "$(head -1 "$TMPD/out")" "^restarted: job-1, job-2$" "restart: names both instances"
psup signal USR1 svc > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc:$(cat "$TMPD/out")" "0:sent SIGUSR1 to: svc" "signal USR1 NAME"
psup flush bad > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "flush NAME: exit 0"
is "$(psup logs bad --nostream --err)" "" "flush emptied the logs"
psup save > "$TMPD/out" 2> "$TMPD/err"; rc=$?
like "$rc:$(cat "$TMPD/out")" "^0:saved 4 apps to " "save"
psup delete bad > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "delete: exit 0"
is "$(psup jlist | jq -r '[.[].name] | join(" ")')" "svc job-1 job-2" "delete: the app is gone from the list"

printf 'apps:\n  - name: x\n    script: /bin/true\n    autorestrat: true\n' > "$TMPD/bad.yaml"
psup start "$TMPD/bad.yaml" > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 4 "start a bad file: exit 4"
like "$(cat "$TMPD/err")" "bad.yaml:4:5: .*autorestrat" "start a bad file: FILE:LINE:COL and the key"

# logs follows a log that rotates every ~80 lines without losing one.
cat > "$TMPD/rot.yaml" <<EOF
log_dir: logs
apps:
  - name: rot
    script: $A/rot.sh
    args: ["$TMPD/go"]
    log_max_size: 1K
    log_retain: 50
EOF
psup start "$TMPD/rot.yaml" > /dev/null 2>&1
wait_for -t 10 sh -c "psup logs rot --nostream --out --lines 1 | grep -q ready"
psup logs rot --out --lines 1 > "$TMPD/follow" 2>&1 &
LOGS=$!
track_pid $LOGS
# Its watches are set before it prints the tail.
wait_for -t 10 grep -q "rot | ready" "$TMPD/follow"
touch "$TMPD/go"
ok "logs follows a rotating log to its end" wait_for -t 15 grep -q "seq 400$" "$TMPD/follow"
kill $LOGS
is "$(grep -c '^rot | seq ' "$TMPD/follow")" 400 "every line once"
ok "in order" sh -c "grep '^rot | seq ' '$TMPD/follow' | sed 's/^rot | seq //' | sort -c -n"
cmp_ok "$(ls "$(dirname "$(psup jlist | jq -r '.[] | select(.name=="rot") | .log_files.out')")" | grep -c 'rot-out.log.')" -ge 2 "the log did rotate"

# --timestamp stamps the lines followed, as pm2's, not the last lines
psup logs svc --out --lines 1 --timestamp > "$TMPD/stamped" 2>&1 &
LOGS=$!
track_pid $LOGS
wait_for -t 10 grep -q "svc | svc started" "$TMPD/stamped"
psup restart svc > /dev/null 2>&1
ok "logs --timestamp: a line followed is stamped" wait_for -t 15 \
    grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2} svc \| svc started$' "$TMPD/stamped"
kill $LOGS
is "$(head -n 1 "$TMPD/stamped")" "svc | svc started" "the last line before it is not"
psup logs svc --timestamp= > "$TMPD/out" 2>&1
is "$?" 2 "logs --timestamp= without a format: usage error"
# --json: pm2's objects; as pm2's, no last lines unless --lines asks
is "$(psup logs svc --json --nostream --out --lines 1 | jq -c '[.message, .type, .app_name, (.process_id | type), (.timestamp | test("^[0-9-]{10}T[0-9:.]{12}Z$"))]')" \
    '["svc started","out","svc","number",true]' "logs --json: message, type, app, id and time"
is "$(psup logs svc --json --nostream)" "" "logs --json without --lines: no last lines"
# --format: pm2's key=value line, likewise
like "$(psup logs svc --format --nostream --out --lines 1)" \
    "^timestamp=[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4} app=svc id=[0-9]+ type=out message=svc started$" \
    "logs --format: pm2's timestamp=, app=, id=, type= and message="
psup logs svc --format --json > /dev/null 2>&1
is "$?" 2 "--format and --json together: usage error"
# a line that is not UTF-8 (an app's binary output): still JSON a strict
# parser reads, each ill-formed part as U+FFFD, as node decodes it
printf 'caf\351 \342\202 ok\n' >> "$(psup jlist | jq -r '.[] | select(.name == "svc") | .log_files.out')"
is "$(psup logs svc --json --nostream --out --lines 1 | python3 -c 'import json, sys; print(ascii(json.loads(sys.stdin.buffer.read().decode("utf-8", "strict"))["message"]))')" \
    "'caf\\ufffd \\ufffd ok'" "logs --json of bytes that are not UTF-8: valid JSON, U+FFFD for each bad part"

# monit under a pseudo-terminal: draws the apps, quits on q.
( sleep 1.5; printf q ) | TERM=xterm timeout 10 script -qfec "psup monit" /dev/null > "$TMPD/monit" 2>&1; rc=$?
is "$rc" 0 "monit quits on q"
like "$(cat "$TMPD/monit")" "job-2" "monit draws the apps"

# monit's keys, driven through tmux: j selects the next app, s stops it,
# q quits.
if command -v tmux > /dev/null 2>&1; then
	TM="tmux -L psup-t$$ -f /dev/null"
	$TM new-session -d -x 120 -y 30 "PSUP_HOME='$PSUP_HOME' TERM=xterm '$PSUP_BIN/psup' monit; echo monit-exit=\$?; sleep 30"
	track_pid "$($TM display-message -p '#{pid}')"   # the tmux server we started
	ok "monit (tmux): draws the apps" wait_for -t 10 sh -c "$TM capture-pane -p | grep -q 'job-2'"
	# rot is online; select it with j.
	n=$(psup jlist | jq -r 'map(.name) | index("rot")')
	while [ "$n" -gt 0 ]; do $TM send-keys j; n=$((n - 1)); done
	ok "monit: j moves the selection" wait_for -t 10 sh -c "$TM capture-pane -p | grep -q '> rot '"
	$TM send-keys s
	ok "monit: s stops the selected app" wait_for -t 10 sh -c "psup jlist | jq -e '.[] | select(.name==\"rot\") | .state == \"stopped\"' > /dev/null"
	$TM send-keys q
	ok "monit: q quits with status 0" wait_for -t 10 sh -c "$TM capture-pane -p | grep -q 'monit-exit=0'"
	psup start rot > /dev/null 2>&1
else
	skip "tmux not installed" 4
fi

# A daemon lost to kill -9: `psup kill` starts one that re-attaches to the
# keepers, then stops everything.
SVCPID=$(psup jlist | jq -r '.[] | select(.name=="rot") | .pid')
KPID=$(psup jlist | jq -r '.[] | select(.name=="rot") | .keeper_pid')
kill -9 "$DPID"
wait_for -t 5 pid_gone "$DPID"
ok "the app outlives its daemon" pid_alive "$SVCPID"
psup kill > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc:$(cat "$TMPD/out")" "0:daemon stopped" "kill after a lost daemon: exit 0" || diag_file "$TMPD/err"
ok "kill: the app is gone" wait_for -t 5 pid_gone "$SVCPID"
ok "kill: its keeper is gone" wait_for -t 5 pid_gone "$KPID"
ok "kill: no daemon answers" test ! -S "$PSUP_HOME/psup.sock"
psup kill > "$TMPD/out" 2>&1; rc=$?
is "$rc:$(cat "$TMPD/out")" "0:daemon not running" "kill again: nothing to do"

# `psup daemon` runs in the foreground; the CLI talks to it.
psup daemon > "$TMPD/fg.log" 2>&1 &
FG=$!
track_pid $FG
wait_for -t 10 test -S "$PSUP_HOME/psup.sock"
like "$(psup ping)" "^pong: daemon pid $FG," "ping reaches the foreground daemon"
psup daemon > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 3 "a second daemon for the same home refuses: exit 3"
is "$(wc -l < "$TMPD/err" | tr -d ' ')" 1 "with one line on stderr"
psup kill > /dev/null 2>&1
ok "kill stops the foreground daemon" wait_exit "$FG" 10
