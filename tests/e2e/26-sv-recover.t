#!/bin/sh
# Losing parts of psup: kill -9 of the daemon leaves every app running and
# logging; the next command starts a daemon that re-attaches with the same
# ids, pids, uptimes and restart counts. kill -9 of a keeper: its app's group
# is killed and a fresh keeper restarts it, no orphan, no duplicate. `psup
# kill` leaves no process of the home behind.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 35

cat > "$TMPD/tick.sh" <<'EOF'
#!/bin/sh
# a child that stays in the group, and a line every 50 ms
sleep 1000 &
i=0
while :; do i=$((i + 1)); echo "tick $i"; sleep 0.05; done
EOF
chmod +x "$TMPD/tick.sh"
cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: tick
    script: $TMPD/tick.sh
    min_uptime: 200ms
  - name: w
    script: $H/sleeper
    instances: 2
  - name: stopped
    script: $H/sleeper
EOF

psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start: exit 0"
psup stop stopped > /dev/null 2>&1
ok "tick and w are online" wait_for -t 10 all_state online tick w-1 w-2
snap() { psup jlist | jq -c 'map({id, name, pid, state, restarts, started_at})'; }
BEFORE=$(snap)
D1=$(daemon_pid)
TICK=$(jl tick .pid)
TLOG=$(jl tick .log_files.out)

# the daemon dies
kill -9 "$D1"
ok "the daemon is gone" wait_for -t 5 pid_gone "$D1"
n1=$(grep -c tick "$TLOG")
ok "tick keeps logging without a daemon" wait_for -t 5 lines_ge $((n1 + 4)) "$TLOG" tick
ok "tick runs on" pid_alive "$TICK"
AFTER=$(snap)
D2=$(daemon_pid)
isnt "$D2" "$D1" "the next command started a new daemon"
is "$AFTER" "$BEFORE" "it shows the same ids, pids, states, restarts and start times"
cmp_ok "$(jl tick .uptime_ms)" -ge 200 "uptime counts from the real start"
is "$(jl stopped .state)" stopped "a stopped app stays stopped"
is "$(count_lines "$(app_procs_like tick 'tick.sh|sleep 1000')")" 2 "tick's two processes, not duplicated"
psup restart w-1 > /dev/null 2>&1
is "$?" 0 "the new daemon controls re-attached keepers (restart w-1)"
isnt "$(jl w-1 .pid)" "$(printf '%s' "$BEFORE" | jq -r '.[] | select(.name == "w-1") | .pid')" "w-1 has a new pid"

# a keeper dies
K=$(jl tick .keeper_pid)
OLD=$(app_procs_like tick 'tick.sh|sleep 1000')
kill -9 "$K"
ok "a fresh keeper restarts tick" wait_for -t 10 pid_changed tick "$TICK"
for p in $OLD; do
	ok "old process $p of tick is gone (no orphan)" wait_for -t 5 pid_gone "$p"
done
tick_two() { [ "$(count_lines "$(app_procs_like tick 'tick.sh|sleep 1000')")" = 2 ]; }
ok "tick runs again with its child, once" wait_for -t 5 tick_two
NEWK=$(jl tick .keeper_pid)
isnt "$NEWK" "$K" "a new keeper"
is "$(jl tick .restarts)" 1 "the restart is counted"
ok "the daemon is the same" pid_alive "$D2"

# a keeper dies while the daemon is dead too
kill -9 "$D2"
wait_for -t 5 pid_gone "$D2"
K2=$(jl w-2 .keeper_pid)
W2=$(jl w-2 .pid)
kill -9 "$K2" 2>/dev/null
ok "both a keeper and the daemon died: the next daemon restarts the app" \
	wait_for -t 10 pid_changed w-2 "$W2"
ok "the old w-2 is gone" wait_for -t 5 pid_gone "$W2"
is "$(count_lines "$(app_procs w-2)")" 1 "one w-2"

# SIGTERM: the daemon leaves cleanly, the apps stay
D3=$(daemon_pid)
W2=$(jl w-2 .pid)
kill -TERM "$D3"
ok "SIGTERM: the daemon exits" wait_for -t 5 pid_gone "$D3"
ok "and removes its socket" test ! -e "$PSUP_HOME/psup.sock"
ok "the apps run on" pid_alive "$W2"
is "$(jl w-2 .pid)" "$W2" "a new daemon shows them as they were"

# A daemon dies with a request on its way (killed by the OOM killer, say):
# it read the request and the connection broke off. A stand-in daemon
# holds the home's lock and socket, answers pings (a command may ask one
# first), reads one other request and exits. A request
# safe to send twice goes to a daemon started for it; one that is not
# fails, saying the connection broke off.
D4=$(daemon_pid)
kill -9 "$D4"
ok "the daemon is killed" wait_for -t 5 pid_gone "$D4"
dying_daemon() {
	rm -f "$TMPD/dying.ready"
	python3 - "$PSUP_HOME" "$TMPD/dying.ready" <<'EOF' &
import fcntl, os, socket, sys
home, ready = sys.argv[1], sys.argv[2]
lock = open(os.path.join(home, "psup.lock"), "a")
fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
path = os.path.join(home, "psup.sock")
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(8)
open(ready, "w").close()
while True:
    c, _ = s.accept()
    c.settimeout(30)
    got = b""
    while b"\n" not in got:
        b = c.recv(65536)
        if not b:
            break
        got += b
    if b'"cmd":"ping"' not in got:
        os._exit(0)
    c.sendall(b'{"ok":true,"pid":%d,"apps":0,"kill_timeout_ms":0}\n' % os.getpid())
    c.close()
EOF
	_dd=$!
	track_pid "$_dd"
	wait_for -t 10 test -e "$TMPD/dying.ready"
}
dying_daemon
psup jlist > "$TMPD/jl" 2> "$TMPD/jl.err"
is "$?" 0 "jlist sent to a daemon that dies with it: exit 0" || diag_file "$TMPD/jl.err"
is "$(jq -r '.[] | select(.name == "w-2") | .pid' "$TMPD/jl")" "$W2" \
	"a daemon started for it answers, the apps as they were"
D5=$(daemon_pid)
kill -9 "$D5"
wait_for -t 5 pid_gone "$D5"
dying_daemon
psup restart w-2 > "$TMPD/rs" 2>&1
is "$?" 3 "restart (not sent twice) fails with the daemon's exit code"
like "$(cat "$TMPD/rs")" "closed the connection without a reply" "and says why"
is "$(jl w-2 .pid)" "$W2" "w-2 was not restarted; the next command starts a daemon"

# kill leaves nothing
psup kill > /dev/null 2>&1
is "$?" 0 "kill: exit 0"
ok "no daemon, keeper or app of this home is left" wait_for -t 5 no_home_procs
ok "the socket is removed" test ! -e "$PSUP_HOME/psup.sock"
