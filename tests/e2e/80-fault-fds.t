#!/bin/sh
# Descriptor shortage. A daemon started from a shell with a low soft limit
# raises it to the hard one (keepers get the original back), so 60 apps
# start. With a hard limit of 40 it cannot reach every keeper: those are
# "cannot tell", never dead: no app shows errored or is relaunched, every
# keeper and app runs on, `start` says what it could not confirm with a
# non-zero exit, and `delete all` and `kill` still stop every keeper and
# app (checked by pid).
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 21

N=60
cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: f
    script: $H/sleeper
    instances: $N
    kill_timeout: 1s
EOF

# count_is FN N: FN prints N lines (for wait_for)
count_is() { [ "$(count_lines "$($1)")" -eq "$2" ]; }
# soft_limit PID / hard_limit PID: its "Max open files"
soft_limit() { awk '/^Max open files/ { print $4 }' "/proc/$1/limits"; }
hard_limit() { awk '/^Max open files/ { print $5 }' "/proc/$1/limits"; }
in_state() { psup jlist | jq --arg s "$1" '[.[] | select(.state == $s)] | length'; }
all_online() { [ "$(in_state online)" -eq "$N" ]; }
fkeepers() { home_keepers; }
fapps() { home_apps_like 'f-'; }

# ---- a low soft limit is raised ----
(ulimit -Sn 40 && psup start "$TMPD/eco.yaml") > "$TMPD/start1.out" 2>&1
is "$?" 0 "soft limit 40: start of $N apps exits 0"
D=$(daemon_pid)
is "$(soft_limit "$D")" "$(hard_limit "$D")" "the auto-started daemon raised its soft limit to the hard one"
ok "all $N apps online" wait_for -t 20 all_online
K1=$(home_keepers | head -n 1)
is "$(soft_limit "$K1")" 40 "keepers get the soft limit the daemon was started with"
psup kill > /dev/null 2>&1
is "$?" 0 "kill"
ok "no keeper and no app is left" wait_for -t 10 no_home_procs

# ---- a hard limit of 40: not every keeper can be reached ----
(ulimit -n 40 && psup start "$TMPD/eco.yaml") > "$TMPD/start2.out" 2>&1
isnt "$?" 0 "hard limit 40: start exits non-zero"
like "$(cat "$TMPD/start2.out")" "f-[0-9]+: cannot reach its keeper: the daemon is short of descriptors" "and names apps it could not reach, and why"
D=$(daemon_pid)
is "$(soft_limit "$D")" 40 "the daemon runs with 40 descriptors"
ok "every keeper runs" wait_for -t 20 count_is fkeepers $N
ok "every app runs" wait_for -t 20 count_is fapps $N
is "$(in_state errored)" 0 "no app shows errored: an unreachable keeper is not taken for dead"
ok "each shows online, from its keeper's status file" wait_for -t 10 all_online
is "$(psup jlist | jq '[.[] | select(.pid > 0)] | length')" $N "with its pid"
K=$(home_keepers | tr '\n' ' ')
A=$(fapps | tr '\n' ' ')
is "$(count_lines "$(home_keepers)")" $N "no keeper was relaunched (still $N)"
ok "the daemon still answers" pingq
psup delete all > "$TMPD/delete.out" 2>&1
is "$?" 0 "delete all exits 0"
ok "delete all leaves no keeper and no app (by pid)" wait_for -t 15 pids_gone $K $A
[ -z "$(pids_alive_list $K $A)" ] || diag "left: $(pids_alive_list $K $A)"

(ulimit -n 40 && psup start "$TMPD/eco.yaml") > /dev/null 2>&1
ok "started again under the hard limit" wait_for -t 20 count_is fapps $N
K=$(home_keepers | tr '\n' ' ')
A=$(fapps | tr '\n' ' ')
D=$(daemon_pid)
psup kill > "$TMPD/kill.out" 2>&1
is "$?" 0 "kill exits 0"
ok "kill leaves no keeper, no app and no daemon (by pid)" wait_for -t 15 pids_gone $K $A $D
