#!/bin/sh
# Clients that misbehave or meet a daemon that cannot answer: a client that
# leaves before its reply never crashes the daemon.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
require_cmd python3
plan 4

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
