#!/bin/sh
# Clients that misbehave or meet a daemon that cannot answer: a client that
# leaves before its reply never crashes the daemon; against a frozen
# (SIGSTOPped) daemon every command gives up within its bound, exit 3 and
# one line; a flood of idle connections does not lock the owner out.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
require_cmd python3
plan 47

cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: web
    script: $H/sleeper
    instances: 3
EOF
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start: exit 0"
DPID=$(daemon_pid)
psup save > /dev/null 2>&1

# Ten `start FILE` and ten `resurrect` requests whose clients close at once:
# their replies come later, to nobody.
python3 - "$PSUP_HOME/psup.sock" "$TMPD/eco.yaml" <<'EOF'
import json, socket, sys
for req in [{"v": 1, "cmd": "start", "file": sys.argv[2]}] * 10 + [{"v": 1, "cmd": "resurrect"}] * 10:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.sendall((json.dumps(req) + "\n").encode())
    s.close()
EOF
ok "20 clients gone before their replies: the daemon answers" wait_for -t 10 pingq
is "$(daemon_pid)" "$DPID" "the same daemon"
is "$(psup ping 2>/dev/null | sed -n 's/.*daemon pid \([0-9]*\),.*/\1/p')" "$DPID" "ping is answered by that daemon"

# A frozen daemon: every command that waits for it gives up within its
# bound (10 s of silence, then the daemon seen stopped; `wait` at its own
# timeout plus 5 s) with exit 3 and one line.
# They run side by side so the test takes one bound, not nine.
kill -STOP "$DPID"
at_exit "kill -CONT $DPID 2>/dev/null"
T0=$(now_ms)
i=0
for cmd in "start web" "stop web" "restart web" "delete web" "save" "resurrect" \
	"signal USR1 web" "flush web" "wait web --timeout 2s"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	( psup $cmd > "$TMPD/frozen.$i.out" 2> "$TMPD/frozen.$i.err"
	  echo "$? $(now_ms)" > "$TMPD/frozen.$i.rc" ) &
	track_pid $!
done
i=0
for cmd in "start web" "stop web" "restart web" "delete web" "save" "resurrect" \
	"signal USR1 web" "flush web" "wait web --timeout 2s"; do
	i=$((i + 1))
	bound=15000
	[ "$cmd" != "wait web --timeout 2s" ] || bound=9000
	wait_for -t 40 test -s "$TMPD/frozen.$i.rc"
	set -- $(cat "$TMPD/frozen.$i.rc" 2>/dev/null) "" ""
	is "$1" 3 "frozen daemon: $cmd: exit 3"
	cmp_ok "$(($2 - T0))" -lt "$bound" "frozen daemon: $cmd: gave up within its bound ($(($2 - T0)) ms)"
	is "$(count_lines "$(cat "$TMPD/frozen.$i.err")")" 1 "frozen daemon: $cmd: one line"
done
like "$(cat "$TMPD/frozen.2.err")" "^psup: stop web: no reply from the daemon \(pid $DPID\) in 10 s: it is stopped \(SIGSTOP; kill -CONT $DPID resumes it\)$" \
	"the line says what was asked, of which daemon, and why psup gave up"
like "$(cat "$TMPD/frozen.9.err")" "^psup: wait web: no reply from the daemon \(pid $DPID\) within 7 s" \
	"wait: at its own timeout plus 5 s"
# Its queue full of connections it never accepts: even connecting is
# bounded (10 s), then exit 3 and one line.
python3 - "$PSUP_HOME/psup.sock" "$TMPD/queue.ready" <<'EOF' &
import socket, sys, time
conns = []
for i in range(300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except OSError:
        s.close()
        break
    conns.append(s)
open(sys.argv[2], "w").write("%d\n" % len(conns))
time.sleep(60)
EOF
QUEUE=$!
track_pid "$QUEUE"
wait_for -t 20 test -s "$TMPD/queue.ready"
T0=$(now_ms)
timeout 60 "$PSUP_BIN/psup" status > /dev/null 2> "$TMPD/queue.err"
is "$?" 3 "a full queue ($(cat "$TMPD/queue.ready") connections): status exits 3"
cmp_ok "$(($(now_ms) - T0))" -lt 15000 "within 15 s ($(($(now_ms) - T0)) ms)"
like "$(cat "$TMPD/queue.err")" "^psup: cannot connect to .*: no room in its queue within 10 s" "and says why in one line"
kill "$QUEUE"
kill -CONT "$DPID"
ok "thawed, the daemon answers again" wait_for -t 10 pingq

# 600 idle connections from one process, past the daemon's 512 clients:
# the idle ones give way, and the owner's ping is answered at once.
python3 - "$PSUP_HOME/psup.sock" "$TMPD/flood.ready" <<'EOF' &
import socket, sys, time
conns = []
for i in range(600):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    conns.append(s)
open(sys.argv[2], "w").write("ready\n")
time.sleep(60)
EOF
FLOOD=$!
track_pid "$FLOOD"
ok "the flood is connected" wait_for -t 20 test -s "$TMPD/flood.ready"
T0=$(now_ms)
ok "600 idle connections: ping answers" pingq
cmp_ok "$(($(now_ms) - T0))" -lt 5000 "within 5 s ($(($(now_ms) - T0)) ms)"
kill "$FLOOD"

# 300 apps in one start: exit 0 once they run, and one summary line, not a
# list of 300 names.
cat > "$TMPD/many.yaml" <<EOF
apps:
  - name: many
    script: $H/sleeper
    instances: 300
EOF
psup start "$TMPD/many.yaml" > "$TMPD/many.out" 2> "$TMPD/many.err"
is "$?" 0 "300 apps: start exits 0"
is "$(cat "$TMPD/many.out")" "300 started" "and says so in one line"
is "$(psup jlist | jq '[.[] | select(.group == "many" and .pid > 0)] | length')" 300 "all 300 run"
psup delete many > /dev/null 2>&1
is "$?" 0 "and delete them all: exit 0"

# A long env value (near the kernel's 128 KiB for one variable) is shown cut
# in describe: a line of a cell's width, not 100 KB per row.
python3 - "$H/sleeper" > "$TMPD/long.yaml" <<'EOF'
import sys
print("apps:\n  - name: long\n    script: %s\n    env:\n      LONG: %s\n      SHORT: x" % (sys.argv[1], "y" * 100000))
EOF
psup start "$TMPD/long.yaml" > /dev/null 2>&1
is "$?" 0 "an app with a 100 KB env value starts"
psup describe long > "$TMPD/long.out" 2>&1
cmp_ok "$(wc -c < "$TMPD/long.out")" -lt 20000 "describe prints less than 20 KB"
like "$(grep 'LONG=' "$TMPD/long.out")" "LONG=y+… │$" "the value is cut with an ellipsis"
