#!/bin/sh
# Runtime files (keeper.pid, status, control.sock) live in a private
# directory on tmpfs that $PSUP_HOME/run links to, specs and logs in the
# home. A home of the layout before (runtime files beside each spec, as
# PSUP_RUNDIR=off still makes it) is re-attached after an upgrade: its
# keepers run on with the same pids, and an app's next fresh keeper moves
# to the runtime directory. A home from before the spec file (a folder and
# a spec per app) is converted into one on load; a keeper from before reads
# its changed spec where it did. A spec file cut short keeps its whole
# records. `psup kill` removes the runtime directory, and, with no apps,
# what a daemon killed left: socket, pid file and runtime directory.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
require_cmd stat readlink
plan 34

sleeper_eco "$TMPD/eco.yaml" a b

# the layout before: everything in apps/NAME
PSUP_RUNDIR=off psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start with the runtime files in the home"
ok "a and b online" wait_for -t 10 all_state online a b
ok "a's status is beside its spec" test -f "$PSUP_HOME/apps/a/status"
ok "and no runtime directory is linked" test ! -e "$PSUP_HOME/run"
KA=$(jl a .keeper_pid) PA=$(jl a .pid) KB=$(jl b .keeper_pid)

# an upgrade: the daemon goes, keepers stay, a daemon of this layout comes;
# the old daemon kept each spec in apps/NAME/spec and no spec file
D=$(daemon_pid)
kill -9 "$D"
ok "the old daemon is gone" wait_for -t 5 pid_gone "$D"
ok "a spec in each app's folder" test -f "$PSUP_HOME/apps/a/spec" -a -f "$PSUP_HOME/apps/b/spec"
rm "$PSUP_HOME/specs"
psup jlist > /dev/null 2>&1
is "$?" 0 "a command starts a new daemon"
ok "a and b online again" wait_for -t 10 all_state online a b
is "$(jl a .keeper_pid) $(jl a .pid) $(jl b .keeper_pid)" "$KA $PA $KB" \
    "re-attached to the same keepers and app"
is "$(grep -c '^P ' "$PSUP_HOME/specs")" 2 "the folders' specs are now in the spec file"
RUN=$(readlink "$PSUP_HOME/run")
ok "the new daemon links a runtime directory" test -d "$RUN"
is "$(stat -c '%a %u' "$RUN")" "700 $(id -u)" "private and ours"

# a's keeper dies: the fresh one runs in the runtime directory
kill -9 "$KA"
ok "a gets a fresh keeper" wait_for -t 10 sh -c "[ \"\$(psup jlist | jq -r '.[] | select(.name == \"a\") | .keeper_pid')\" != $KA ] && [ \"\$(psup jlist | jq -r '.[] | select(.name == \"a\") | .state')\" = online ]"
ok "its status is in the runtime directory" test -f "$RUN/a/status"
ok "none is left beside its spec" test ! -e "$PSUP_HOME/apps/a/status"
is "$(jl a .restarts)" 1 "its history moved with it"
is "$(jl b .keeper_pid)" "$KB" "b's keeper stays where it was"
like "$(psup describe a)" "runtime files .*$RUN/a" "describe shows where a's runtime files are"
like "$(psup describe b)" "runtime files .*$PSUP_HOME/apps/b" "and b's"

# b's keeper, from before, reads a changed spec from its folder
FROM_CLI=b1 psup restart b --update-env > /dev/null 2>&1
ok "b restarts with the caller's environment" wait_for -t 10 sh -c \
    "tr '\\0' '\\n' < /proc/\$(psup jlist | jq -r '.[] | select(.name == \"b\") | .pid')/environ | grep -qx FROM_CLI=b1"
is "$(jl b .keeper_pid)" "$KB" "by the same keeper"

# a new app makes no folder in the home: its spec goes in the spec file
psup start "$H/sleeper" --name c > /dev/null 2>&1
ok "c online" wait_for -t 10 all_state online c
ok "no folder for c in the home" test ! -e "$PSUP_HOME/apps/c"
ok "its keeper's copy of the spec is in its runtime folder" test -f "$RUN/c/spec"

# a crash or a full disk cuts the last record: the whole ones load
D=$(daemon_pid)
kill -9 "$D"
wait_for -t 5 pid_gone "$D"
printf 'P 1 5 0123456789abcdef\nd' >> "$PSUP_HOME/specs"
psup jlist > /dev/null 2>&1
is "$(psup jlist | jq -r '[.[].name] | sort | join(" ")')" "a b c" "a cut record: the apps before it load"
like "$(cat "$PSUP_HOME/daemon.log")" "specs: the 24 bytes from byte [0-9]* are no whole record" \
    "and the daemon's log says what was dropped"
psup delete c > /dev/null 2>&1
D=$(daemon_pid)
kill -9 "$D"
wait_for -t 5 pid_gone "$D"
is "$(psup jlist | jq -r '[.[].name] | sort | join(" ")')" "a b" "records after the cut are read back"

psup kill > /dev/null 2>&1
ok "kill removes the runtime directory" test ! -e "$RUN"
ok "and the link" test ! -L "$PSUP_HOME/run"

# a daemon killed with no apps: kill tidies what it left
psup jlist > /dev/null 2>&1
RUN=$(readlink "$PSUP_HOME/run")
ok "a daemon of no apps links a runtime directory" test -d "$RUN"
D=$(daemon_pid)
kill -9 "$D"
wait_for -t 5 pid_gone "$D"
is "$(psup kill 2>&1)" "daemon not running" "kill after it died: nothing to stop"
ok "its runtime directory is gone" test ! -e "$RUN"
ok "and the link" test ! -L "$PSUP_HOME/run"
ok "and its socket and pid file" test ! -e "$PSUP_HOME/psup.sock" -a ! -e "$PSUP_HOME/psup.pid"
