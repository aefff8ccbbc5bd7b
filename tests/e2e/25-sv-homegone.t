#!/bin/sh
# A daemon whose home or socket is removed does not run on unseen: its
# socket removed, it listens again at once (the same daemon answers, a
# client connected before included, and no second daemon starts); its
# whole home removed, it stops every app as `psup kill` does and exits,
# leaving nothing of itself and touching nothing else (a process with the
# same app name and home in its environment, the apps' logs).
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
require_cmd python3
plan 17

sleeper_eco "$TMPD/eco.yaml" a b
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start: exit 0"
ok "both apps run" wait_for -t "$(slow_bound 10)" all_state online a b
DPID=$(daemon_pid)
A=$(jl a .pid)
B=$(jl b .pid)

# home_daemons: this home's live daemons (argv[0] psup, not a keeper).
home_daemons() {
	for _p in $(home_procs); do
		tr '\0' ' ' < "/proc/$_p/cmdline" 2>/dev/null | grep -q '^psup daemon' && echo "$_p"
	done
}

# (a) the socket alone removed: a client connected before removes it, waits
# for a new one at the path, then asks on both connections
python3 - "$PSUP_HOME/psup.sock" "$(slow_bound 10)" > "$TMPD/pings" <<'EOF'
import json, os, socket, sys, time
path, bound = sys.argv[1], float(sys.argv[2])
old = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
old.connect(path)
ino = os.lstat(path).st_ino
os.unlink(path)
end = time.time() + bound
while time.time() < end:
    try:
        if os.lstat(path).st_ino != ino:
            break
    except FileNotFoundError:
        pass
    time.sleep(0.05)
def ping(s):
    s.settimeout(bound)
    s.sendall(b'{"v":1,"cmd":"ping"}\n')
    return json.loads(s.makefile().readline()).get("pid")
new = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    new.connect(path)
    print(ping(old), ping(new))
except OSError as e:
    print(ping(old), "none:", e)
EOF
read old_pid new_pid < "$TMPD/pings"
is "$old_pid" "$DPID" "socket removed: a client connected before is still answered"
is "$new_pid" "$DPID" "socket removed: the daemon listens again at its path"
ok "psup ls works" sh -c '"$PSUP_BIN/psup" ls > "$TMPD/ls" 2>&1'
like "$(cat "$TMPD/ls")" "online" "psup ls lists the apps"
is "$(home_daemons)" "$DPID" "the same daemon, and no second one"
like "$(cat "$PSUP_HOME/daemon.log")" "the socket was removed: listening again" \
	"daemon.log says the socket was removed"
is "$(jl a .pid) $(jl b .pid)" "$A $B" "the apps were not touched"

# (b) the whole home removed. A process that looks like one of the home's
# apps (its name and home in its environment) but is not psup's must live.
PSUP_HOME=$PSUP_HOME PSUP_APP_NAME=a "$H/sleeper" > /dev/null &
DECOY=$!
track_pid "$DECOY"
KEEPERS=$(home_keepers)
is "$(count_lines "$KEEPERS")" 2 "two keepers run"
RUN=$(readlink "$PSUP_HOME/run" 2>/dev/null)
# the daemon's log, read after the file is gone
exec 9< "$PSUP_HOME/daemon.log"
rm -rf "$PSUP_HOME"
# shellcheck disable=SC2086
ok "home removed: the daemon, keepers and apps all exit" \
	wait_for -t "$(slow_bound 20)" pids_gone "$DPID" $KEEPERS "$A" "$B"
like "$(cat <&9)" "the home was removed .*stopping every app" \
	"the daemon said why in its log"
exec 9<&-
ok "the process that only looked like an app runs on" pid_alive "$DECOY"
is "$(home_daemons)" "" "no daemon of the home is left"
ok "the home was not made again" not test -e "$PSUP_HOME"
if [ -n "$RUN" ]; then
	ok "the runtime folder is removed" wait_for -t "$(slow_bound 5)" not test -e "$RUN"
else
	pass "no runtime folder (PSUP_RUNDIR=off)"
fi
ok "the apps' logs beside the ecosystem file are kept" test -s "$TMPD/logs/a-out.log"
kill "$DECOY"
wait_for -t 5 pid_gone "$DECOY"
