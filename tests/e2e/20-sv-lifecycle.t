#!/bin/sh
# Supervisor basics through bin/psup: start a file (ids, PSUP_* env,
# instances, no leaked fds), stop/restart/delete answering once done, start
# FILE again (unchanged, changed, new), describe masking secrets, one daemon
# per home, a private home and socket.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 54

# eco COLOR NAME [LINE]: the file: web (its COLOR), w (2 instances) and a
# third app NAME, with LINE added to it.
eco() {
	cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: web
    script: $H/sleeper
    env:
      API_TOKEN: s3cret
      COLOR: $1
  - name: w
    script: $H/sleeper
    instances: 2
  - name: $2
    script: $H/sleeper
${3:-}
EOF
}
eco blue lazy "    autostart: false"

t0=$(now_ms)
psup start "$TMPD/eco.yaml" > "$TMPD/out" 2>&1
is "$?" 0 "start: exit 0"
like "$(cat "$TMPD/out")" "started: web, w-1, w-2" "start names what it started"
cmp_ok $(($(now_ms) - t0)) -lt 5000 "start returned promptly, autostart: false included"
is "$(psup jlist | jq -r 'map("\(.id):\(.name):\(.group)") | join(" ")')" "0:web:web 1:w-1:w 2:w-2:w 3:lazy:lazy" \
	"ids in file order, instances expanded into a group"
is "$(jl lazy .state)/$(jl lazy .pid)" "stopped/0" "autostart: false loads the app stopped"
psup start lazy > /dev/null 2>&1
cmp_ok "$(jl lazy .pid)" -gt 0 "start NAME starts it"

# an idle daemon makes no wake-ups (1.5 s is the measuring window)
ok "all online" wait_for -t 10 all_state online web w-1 w-2 lazy
ctx() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$(daemon_pid)/status"; }
sleep 0.3   # let the daemon see the last client leave; then measure
c0=$(ctx)
sleep 1.5
is "$(ctx)" "$c0" "an idle daemon does not wake up"
is "$(stat -c %a "$PSUP_HOME")/$(stat -c %a "$PSUP_HOME/psup.sock")" "700/600" "private home and socket"
ok "psup.pid names the daemon" pid_alive "$(daemon_pid)"

WEB=$(jl web .pid)
cmp_ok "$WEB" -gt 0 "web has a pid once start returned"
is "$(app_procs web)" "$WEB" "exactly that process runs for web"
W2=$(jl w-2 .pid)
env2=$(tr '\0' '\n' < "/proc/$W2/environ")
like "$env2" "^PSUP_APP_NAME=w-2$" "PSUP_APP_NAME"
like "$env2" "^PSUP_INSTANCE=2$" "PSUP_INSTANCE"
like "$env2" "^PSUP_INSTANCES=2$" "PSUP_INSTANCES"
like "$env2" "^PSUP_HOME=$PSUP_HOME$" "PSUP_HOME"
OUT=$(jl web .log_files.out)
ok "web logged its start" wait_for grep -q "sleeper $WEB" "$OUT"
like "$(cat "$OUT")" "leaked_fds 0" "no psup descriptor leaked into the app"

# one daemon per home
timeout 10 "$PSUP_BIN/psup" daemon > "$TMPD/second" 2>&1
isnt "$?" 0 "a second daemon for the same home refuses"
like "$(cat "$TMPD/second")" "already runs.*pid $(daemon_pid)" "and says which one runs"
ok "the first daemon is unharmed" pingq

# describe masks secrets
psup describe web > /dev/null 2>&1
is "$?" 0 "describe: exit 0"
describe_json "$TMPD/desc" web 2>/dev/null || true
if command -v python3 > /dev/null; then
	is "$(jq -r '.apps[0].config.env.API_TOKEN' "$TMPD/desc")" "****" "describe masks API_TOKEN"
	is "$(jq -r '.apps[0].config.env.COLOR' "$TMPD/desc")" "blue" "describe shows COLOR"
else
	skip "python3 missing" 2
fi

# stop: answered once stopped
psup stop web > /dev/null 2>&1
is "$?" 0 "stop web: exit 0"
is "$(jl web .state)" stopped "stopped as soon as stop returned"
is "$(jl web .pid)" 0 "a stopped app has pid 0"
ok "its process is gone" pid_gone "$WEB"

# restart: a new process
psup restart web > /dev/null 2>&1
is "$?" 0 "restart web: exit 0"
WEB2=$(jl web .pid)
cmp_ok "$WEB2" -gt 0 "restarted web has a pid"
isnt "$WEB2" "$WEB" "and it is a new one"

# a group
psup stop w > /dev/null 2>&1
is "$(psup jlist | jq -r '[.[] | select(.group == "w") | .state] | join(",")')" "stopped,stopped" \
	"stop of a group stops every instance"
psup start w > /dev/null 2>&1
is "$(psup jlist | jq -r '[.[] | select(.group == "w") | (.pid > 0)] | join(",")')" "true,true" \
	"start of a group starts them again"
W1=$(jl w-1 .pid)

# start FILE again: nothing changes, nothing is duplicated
psup start "$TMPD/eco.yaml" > "$TMPD/out" 2>&1
like "$(cat "$TMPD/out")" "unchanged: web, w-1, w-2" "start FILE again: all unchanged"
is "$(jl web .pid)/$(jl w-1 .pid)" "$WEB2/$W1" "same processes"
is "$(count_lines "$(app_procs web)")" 1 "no duplicate of web"

# changed and new apps
eco red extra
psup start "$TMPD/eco.yaml" > "$TMPD/out" 2>&1
like "$(cat "$TMPD/out")" "started: extra" "a new app starts"
like "$(cat "$TMPD/out")" "restarted: web" "a changed app restarts"
WEB3=$(jl web .pid)
isnt "$WEB3" "$WEB2" "the changed app runs a new process"
like "$(tr '\0' '\n' < "/proc/$WEB3/environ")" "^COLOR=red$" "with its new settings"
is "$(jl w-1 .pid)" "$W1" "an unchanged app is left alone"
is "$(jl extra .id)" 4 "the new app gets the next id (ids are never reused)"

# delete
psup delete w-1 > /dev/null 2>&1
is "$?" 0 "delete w-1: exit 0"
is "$(jl w-1 .name)" "" "w-1 is no longer listed"
ok "its process is gone" pid_gone "$W1"
ok "its directory is gone" test ! -e "$PSUP_HOME/apps/w-1"
ok "its runtime folder is gone" test ! -e "$(dirname "$(run_file w-1 status)")"
is "$(jl w-2 .id)" 2 "other ids do not move"
psup delete all > /dev/null 2>&1
is "$(psup jlist | jq length)" 0 "delete all: nothing listed"

# homes: created private with their parents, refused when not private
(PSUP_HOME=$TMPD/deep/er/home; export PSUP_HOME; psup ping > /dev/null 2>&1 && psup kill > /dev/null 2>&1)
is "$(stat -c %a "$TMPD/deep/er/home")" 700 "a missing home is created 0700, parents included"
mkdir -m 770 "$TMPD/shared"
chmod 770 "$TMPD/shared"
PSUP_HOME=$TMPD/shared "$PSUP_BIN/psup" ping > "$TMPD/out" 2>&1
isnt "$?" 0 "a group-writable home is refused"
like "$(cat "$TMPD/out")" "writable by group" "and says why"
ok "no socket was made there" test ! -e "$TMPD/shared/psup.sock"
ok "no app process is left" wait_for -t 5 pid_gone "$WEB3"
