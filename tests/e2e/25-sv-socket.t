#!/bin/sh
# The control socket cannot be abused: garbage, binary, oversized and
# truncated requests get an error reply and a closed connection; a bad
# version or command an error on a connection that stays usable; a client
# that never reads is dropped; running out of descriptors pauses accepting
# until clients leave. After each, the daemon answers as before.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
require_cmd python3
plan 27

cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: web
    script: $H/sleeper
EOF
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start: exit 0"
DPID=$(daemon_pid)
WEB=$(jl web .pid)

r=$(printf 'hello daemon\n' | sv_raw)
is "$(printf '%s' "$r" | jq -r .error)" "request is not valid JSON" "garbage: an error reply"
is "$(count_lines "$r")" 1 "garbage: one reply, then the connection is closed"

r=$(printf '\000\377\376binary\001\n' | sv_raw)
is "$(printf '%s' "$r" | jq -r .ok)" false "binary: an error reply"
like "$(printf '%s' "$r" | jq -r .error)" "UTF-8" "binary: says it is not text"

r=$(python3 -c 'import sys; sys.stdout.write("{\"v\":1,\"cmd\":\"ping\",\"pad\":\"" + "x" * 70000 + "\"}\n")' | sv_raw)
like "$(printf '%s' "$r" | jq -r .error)" "longer than 65536" "oversized: refused"

r=$(printf '{"v":1,"cmd":"list"' | sv_raw)
like "$(printf '%s' "$r" | jq -r .error)" "truncated" "truncated: refused"

r=$(printf '[1,2,3]\n' | sv_raw)
like "$(printf '%s' "$r" | jq -r .error)" "not a JSON object" "not an object: refused"

r=$(printf '{"v":9,"cmd":"ping"}\n{"v":1,"cmd":"nope"}\n{"v":1,"cmd":"stop","target":[true]}\n{"v":1,"cmd":"stop","target":"ghost"}\n{"v":1,"cmd":"ping"}\n' | sv_raw)
is "$(count_lines "$r")" 5 "request errors keep the connection: five replies"
like "$(printf '%s\n' "$r" | sed -n 1p | jq -r .error)" "version" "a bad version"
like "$(printf '%s\n' "$r" | sed -n 2p | jq -r .error)" "unknown command" "an unknown command"
like "$(printf '%s\n' "$r" | sed -n 3p | jq -r .error)" "must be a string" "a wrongly typed argument"
like "$(printf '%s\n' "$r" | sed -n 4p | jq -r .error)" "ghost" "an unknown app"
is "$(printf '%s\n' "$r" | sed -n 5p | jq -r .pid)" "$DPID" "and then a good request on the same connection"

# random bytes, many times
python3 - "$PSUP_HOME/psup.sock" <<'EOF'
import os, random, socket, sys
random.seed(7)
for i in range(200):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    try:
        s.sendall(os.urandom(random.randint(1, 3000)) + (b"\n" if i % 2 else b""))
        if i % 3 == 0:
            s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    s.close()
EOF
ok "200 connections of random bytes: the daemon still answers" pingq
is "$(daemon_pid)" "$DPID" "the same daemon"

# a client that sends requests and never reads its replies is dropped
python3 - "$PSUP_HOME/psup.sock" > "$TMPD/slow" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.setblocking(False)
one = b'{"v":1,"cmd":"ping"}\n'
buf = one * 4096
off = 0
sent = 0
end = time.time() + 20
closed = False
while time.time() < end and not closed:
    try:
        n = s.send(buf[off:])
        off += n
        if off == len(buf):
            off = 0
        sent += n
    except BlockingIOError:
        time.sleep(0.005)
    except OSError:
        closed = True
print(sent // len(one), 1 if closed else 0)
EOF
read sent closed < "$TMPD/slow"
is "$closed" 1 "a client that does not read its replies is dropped (after $sent requests)"
ok "the daemon answers others meanwhile" pingq
is "$(jl web .pid)" "$WEB" "the app was not touched by any of this"

# a stop that arrives while its app's keeper is still starting
cat > "$TMPD/eco2.yaml" <<EOF
apps:
  - name: racer
    script: $H/sleeper
EOF
python3 - "$PSUP_HOME/psup.sock" "$TMPD/eco2.yaml" > "$TMPD/race" <<'EOF'
import json, socket, sys, time
a = socket.socket(socket.AF_UNIX); a.connect(sys.argv[1])
b = socket.socket(socket.AF_UNIX); b.connect(sys.argv[1])
a.sendall(json.dumps({"v": 1, "cmd": "start", "file": sys.argv[2]}).encode() + b"\n")
time.sleep(0.002)
b.sendall(b'{"v":1,"cmd":"stop","target":"racer"}\n')
a.settimeout(10); b.settimeout(10)
ra = json.loads(a.makefile().readline())
rb = json.loads(b.makefile().readline())
print(ra.get("ok"), rb.get("ok"))
EOF
is "$(cat "$TMPD/race")" "True True" "start and an immediate stop both answer"
ok "the app ends stopped" wait_for -t 5 state_is racer stopped
is "$(app_procs racer)" "" "and nothing of it runs"

# out of descriptors: accept pauses, then resumes when clients leave
psup kill > /dev/null 2>&1
ok "kill: the daemon is gone" wait_for -t 10 pid_gone "$DPID"
(ulimit -n 24; exec "$PSUP_BIN/psup" daemon) > "$TMPD/fg.log" 2>&1 &
FG=$!
track_pid "$FG"
# pinged only once it holds the home: a ping before would start a daemon
# of its own, and the foreground one would find the home taken
fg_answers() { [ "$(cat "$PSUP_HOME/psup.pid" 2>/dev/null)" = "$FG" ] && pingq; }
ok "a foreground daemon with 24 descriptors answers" wait_for -t 10 fg_answers
python3 - "$PSUP_HOME/psup.sock" > "$TMPD/emfile" <<'EOF'
import select, socket, sys, time
socks = []
for i in range(40):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.sendall(b'{"v":1,"cmd":"ping"}\n')
    socks.append(s)
answered = set()
end = time.time() + 1.0
while time.time() < end and len(answered) < len(socks):
    r, _, _ = select.select([s for s in socks if s not in answered], [], [], 0.1)
    for s in r:
        if s.recv(4096):
            answered.add(s)
for s in socks:
    s.close()
print(len(answered))
EOF
read answered < "$TMPD/emfile"
cmp_ok "$answered" -lt 40 "with descriptors exhausted some clients wait ($answered of 40 answered)"
ok "once they leave, the daemon accepts again" wait_for -t 5 pingq
like "$(cat "$TMPD/fg.log")" "pausing new connections" "it said it paused accepting"
