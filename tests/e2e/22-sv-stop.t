#!/bin/sh
# Stopping what does not want to stop: an app that ignores SIGTERM and has a
# grandchild that ignores it too is SIGKILLed, grandchild included, after
# kill_timeout; `psup stop` answers only then. A grandchild that left the
# process group (setsid) dies too. `psup delete` of such an app, and
# restart, leave nothing behind.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 17

cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: stubborn
    script: $H/ignore_term
    kill_timeout: 700ms
  - name: escaper
    script: $H/ignore_term
    args: [--setsid]
    kill_timeout: 300ms
EOF

psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start: exit 0"
LOG=$(jl stubborn .log_files.out)
ok "stubborn forked its grandchild" wait_for -t 10 grep -q '^child ' "$LOG"
P=$(sed -n 's/^parent //p' "$LOG" | head -1)
C=$(sed -n 's/^child //p' "$LOG" | head -1)
is "$(jl stubborn .pid)" "$P" "the app's pid is the parent"
ok "both run" kill -0 "$P" "$C"

t0=$(now_ms)
psup stop stubborn > /dev/null 2>&1
is "$?" 0 "stop: exit 0"
t1=$(now_ms)
cmp_ok $((t1 - t0)) -ge 600 "stop waited for kill_timeout ($((t1 - t0)) ms)"
cmp_ok $((t1 - t0)) -lt 5000 "but not much longer"
ok "the parent is gone when stop returns" pid_gone "$P"
ok "the grandchild is gone when stop returns" pid_gone "$C"
is "$(jl stubborn .state)" stopped "state stopped"

# a grandchild in its own session
LOG2=$(jl escaper .log_files.out)
ok "escaper forked its grandchild" wait_for -t 10 grep -q '^child ' "$LOG2"
C2=$(sed -n 's/^child //p' "$LOG2" | head -1)
psup stop escaper > /dev/null 2>&1
is "$?" 0 "stop escaper: exit 0"
ok "the grandchild that left the group is gone too" wait_for -t 5 pid_gone "$C2"

# restart and delete leave nothing behind
psup restart stubborn > /dev/null 2>&1
is "$?" 0 "restart stubborn: exit 0"
ok "a new grandchild" wait_for -t 10 lines_ge 2 "$LOG" '^child ' 
psup delete all > /dev/null 2>&1
is "$?" 0 "delete all: exit 0"
is "$(app_procs stubborn)$(app_procs escaper)" "" "no process of either app is left"
