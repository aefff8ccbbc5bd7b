#!/bin/sh
# psup update, as pm2 update after an upgrade: the running daemon exits and
# the installed one takes over its keepers; the apps run on, untouched, in
# the state they were in, and obey the new daemon. With no daemon running
# it starts one. A daemon run in the foreground (psup daemon: a service's
# or a container's program) is left to what started it. Once the installed
# keeper is a new file (the upgrade), restarting an app replaces its
# keeper with one of the installed program; an app not restarted keeps its
# keeper, and a keeper of the installed program is only told to restart.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 30

psup update > "$TMPD/out" 2>&1
is "$?" 0 "update with no daemon running"
like "$(cat "$TMPD/out")" "no daemon was running: started pid [0-9]+" "starts one, and says so"

sleeper_eco "$TMPD/eco.yaml" a b
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
ok "a and b online" wait_for -t 10 all_state online a b
psup stop b > /dev/null 2>&1
D1=$(daemon_pid) PA=$(jl a .pid) KA=$(jl a .keeper_pid) KB=$(jl b .keeper_pid)

psup update > "$TMPD/out" 2>&1
is "$?" 0 "update"
like "$(cat "$TMPD/out")" "daemon pid $D1 \\(psup [^)]*\\) replaced by pid [0-9]+ \\(psup [^)]*\\); 2 apps kept running" \
    "says which daemon replaced which"
ok "the old daemon is gone" wait_for -t 10 pid_gone "$D1"
D2=$(daemon_pid)
ok "a new one answers" sh -c "[ -n '$D2' ] && [ '$D2' != '$D1' ] && kill -0 '$D2'"
is "$(jl a .pid)" "$PA" "a runs on in the same process"
is "$(jl a .state)" online "a is online"
is "$(jl b .state)" stopped "b is still stopped"
is "$(jl a .keeper_pid) $(jl b .keeper_pid)" "$KA $KB" "the keepers are the same"

psup restart a > /dev/null 2>&1
is "$?" 0 "the new daemon restarts a"
ok "a runs in a new process" wait_for -t 10 pid_changed a "$PA"
psup start b > /dev/null 2>&1
ok "and starts b" wait_for -t 10 state_is b online

# a daemon in the foreground, in a home of its own
H2=$TMPD/fg
mkdir -m 700 "$H2"
PSUP_HOME=$H2 "$PSUP_BIN/psup" daemon > "$TMPD/fg.log" 2>&1 &
FG=$!
track_pid "$FG"
ok "a foreground daemon answers" wait_for -t 10 sh -c "PSUP_HOME='$H2' '$PSUP_BIN/psup' ping > /dev/null 2>&1"
PSUP_HOME=$H2 "$PSUP_BIN/psup" update > "$TMPD/out" 2>&1
is "$?" 1 "update refuses a foreground daemon"
like "$(cat "$TMPD/out")" "runs in the foreground \\(psup daemon\\): restart it as it was started" "says why"
ok "which runs on" pid_alive "$FG"
kill "$FG"
wait "$FG" 2>/dev/null

# the keeper upgraded under running apps (in a home of its own, whose
# daemon takes its keeper from a file the test replaces)
H3=$TMPD/renew
mkdir -m 700 "$H3" "$TMPD/kbin"
cp "$PSUP_BIN/psup-keeper" "$TMPD/kbin/psup-keeper"
p3() { PSUP_HOME=$H3 PSUP_KEEPER=$TMPD/kbin/psup-keeper "$PSUP_BIN/psup" "$@"; }
j3() { p3 jlist 2>/dev/null | jq -r --arg n "$1" ".[] | select(.name == \$n) | $2"; }
up3() { [ "$(j3 "$1" .state)" = online ] && [ "$(j3 "$1" .pid)" != "$2" ]; }
exe_of() { readlink "/proc/$1/exe"; }
at_exit "PSUP_HOME='$H3' '$PSUP_BIN/psup' kill > /dev/null 2>&1"
p3 start "$TMPD/eco.yaml" > /dev/null 2>&1
ok "a and b run, their keepers from the file" wait_for -t 10 up3 a 0 && wait_for -t 10 up3 b 0
KA=$(j3 a .keeper_pid) KB=$(j3 b .keeper_pid) PB=$(j3 b .pid)
p3 restart b > /dev/null 2>&1
ok "a restart before the upgrade" wait_for -t 10 up3 b "$PB"
is "$(j3 b .keeper_pid)" "$KB" "keeps the keeper: it runs the installed program"
cp "$TMPD/kbin/psup-keeper" "$TMPD/kbin/psup-keeper.new"
mv -f "$TMPD/kbin/psup-keeper.new" "$TMPD/kbin/psup-keeper"
like "$(exe_of "$KA")" "\\(deleted\\)\$" "the upgrade: a's keeper now runs a file replaced"
p3 update > "$TMPD/out" 2>&1
is "$?" 0 "update after it"
like "$(cat "$TMPD/out")" "2 apps run under a keeper of the replaced psup: each gets one of the installed psup when it restarts \\(psup reload all" \
	"says which apps still run the old keeper, and how to renew them"
PA=$(j3 a .pid)
p3 restart a > "$TMPD/out" 2>&1
is "$?" 0 "restart a after the upgrade"
ok "a runs in a new process" wait_for -t 10 up3 a "$PA"
isnt "$(j3 a .keeper_pid)" "$KA" "under a fresh keeper"
is "$(exe_of "$(j3 a .keeper_pid)")" "$TMPD/kbin/psup-keeper" "of the installed program"
like "$(exe_of "$KB")" "\\(deleted\\)\$" "b, not restarted, keeps its keeper"
like "$(cat "$H3/daemon.log")" "a: keeper $KA runs an older psup-keeper than $TMPD/kbin/psup-keeper: replaced as the app restarts" \
	"the daemon's log says why a's keeper was replaced"
p3 kill > /dev/null 2>&1
