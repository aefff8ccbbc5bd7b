#!/bin/sh
# Stale state after everything was killed (OOM, reboot, container restart):
# a pid recorded in a status file or keeper.pid may now be a stranger's.
# A new daemon (and a fresh keeper) acts on a recorded process group only
# when its start time proves it is the app's, and takes a process for an
# app's keeper only when it is a keeper of this home's app: decoys survive,
# the apps are restarted by fresh keepers.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
require_cmd setsid bash
plan 17

cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: w
    script: $H/sleeper
    instances: 3
EOF
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start"
ok "w-1..3 online" wait_for -t 10 all_state online w-1 w-2 w-3
for i in 1 2 3; do
	eval "K$i=\$(jl w-$i .keeper_pid) P$i=\$(jl w-$i .pid)"
done
like "$(cat "$(run_file w-1 status)")" "pgid_start=[1-9]" "the status records the group's start time"

# decoy process groups (setsid: a group and session of their own) and a
# decoy titled like a keeper of w-3 that lives in another home
setsid sleep 1000 &
DG1=$!
setsid sleep 1000 &
DG2=$!
mkdir -p "$TMPD/other/apps/w-3"
(cd "$TMPD/other/apps/w-3" && exec bash -c 'exec -a "psup: keep w-3" sleep 1000') &
DK=$!
track_pid "$DG1" "$DG2" "$DK"
pgid_of() { awk '{ print $5 }' "/proc/$1/stat" 2>/dev/null; }
ok "the decoys lead their own groups" wait_for -t 5 sh -c "[ \"\$(awk '{print \$5}' /proc/$DG1/stat)\" = $DG1 ] && [ \"\$(awk '{print \$5}' /proc/$DG2/stat)\" = $DG2 ]"
ok "the keeper decoy is titled like a keeper" wait_for -t 5 sh -c "head -c 11 /proc/$DK/cmdline | grep -q '^psup: keep'"

# everything of the home dies at once
D=$(daemon_pid)
kill -9 "$D" $K1 $K2 $K3 $P1 $P2 $P3
ok "daemon, keepers and apps are gone" wait_for -t 5 pids_gone "$D" $K1 $K2 $K3 $P1 $P2 $P3

# the pids they recorded are now the decoys'
st() { run_file "$1" status; }
sed -i "s/ pid=[0-9]* pgid=[0-9]* / pid=$DG1 pgid=$DG1 /" "$(st w-1)"
sed -i "s/ pid=[0-9]* pgid=[0-9]* / pid=$DG2 pgid=$DG2 /; s/ keeper_start=[0-9]* pgid_start=[0-9]*//" "$(st w-2)"
sed -i "s/ keeper_pid=[0-9]* / keeper_pid=$DK /" "$(st w-3)"
echo "$DK" > "$(run_file w-3 keeper.pid)"
like "$(cat "$(st w-1)")" "pgid=$DG1 " "w-1's status names decoy group $DG1 (with w-1's start time)"
unlike "$(cat "$(st w-2)")" "pgid_start" "w-2's names decoy group $DG2 without a start time"
is "$(cat "$(run_file w-3 keeper.pid)")" "$DK" "w-3's keeper.pid names the keeper decoy"

# the next command starts a daemon that re-attaches
psup jlist > /dev/null 2>&1
is "$?" 0 "a command starts a new daemon"
ok "fresh keepers restart w-1..3" wait_for -t 15 all_state online w-1 w-2 w-3
ok "decoy group $DG1 (start time differs) survives" pid_alive "$DG1"
ok "decoy group $DG2 (no start time recorded) survives" pid_alive "$DG2"
ok "the keeper decoy of another home survives" pid_alive "$DK"
isnt "$(jl w-3 .keeper_pid)" "$DK" "and is not taken for w-3's keeper"
is "$(count_lines "$(app_procs w-3)")" 1 "w-3 runs once"
grep -E "kill.*group ($DG1|$DG2)\b" "$PSUP_HOME/daemon.log" "$PSUP_HOME/keeper.log" > "$TMPD/hits" 2>/dev/null
is "$(cat "$TMPD/hits")" "" "no log line says a decoy was killed"
