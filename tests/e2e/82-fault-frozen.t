#!/bin/sh
# `psup kill` against a frozen daemon (SIGSTOP): after its bound (the
# longest kill_timeout plus 15 s) it kills the daemon, proven to be this
# home's by its lock, and a fresh daemon stops every keeper keeper.pid
# names: nothing of the home is left running, checked by pid.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 10

cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: w
    script: $H/sleeper
    instances: 3
    kill_timeout: 1s
  - name: stubborn
    script: $H/ignore_term
    kill_timeout: 2s
EOF
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start"
ok "every app online" wait_for -t 10 all_state online w-1 w-2 w-3 stubborn
D=$(daemon_pid)
K=$(home_keepers | tr '\n' ' ')
A=$(home_apps_like '' | tr '\n' ' ')
is "$(count_lines "$(home_keepers)")" 4 "four keepers"
cmp_ok "$(count_lines "$(home_apps_like '')")" -ge 4 "and their apps"

kill -STOP "$D"
T0=$(now_ms)
timeout 60 "$PSUP_BIN/psup" kill > "$TMPD/kill.out" 2> "$TMPD/kill.err"
RC=$?
T=$(($(now_ms) - T0))
is "$RC" 0 "kill against a frozen daemon exits 0"
# its bound: the longest kill_timeout (2 s) + 15 s, then a fresh daemon's
# own kill (2 s + its margin)
cmp_ok "$T" -lt 30000 "and returns within its bound ($T ms)"
like "$(cat "$TMPD/kill.err")" "does not answer: killing it" "it says it killed the daemon"
ok "the frozen daemon is gone" wait_for -t 5 pid_gone "$D"
ok "no keeper and no app is left (by pid)" wait_for -t 10 pids_gone $K $A
ok "nothing of the home runs" wait_for -t 5 no_home_procs
