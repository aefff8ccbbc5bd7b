#!/bin/bash
# The keeper on its own: spawn, restart, crash loop, exec failure, stop
# escalation with grandchildren, no line lost on exit, tails, progress,
# control socket abuse, and a keeper killed -9 being replaced.
set -u
BIN=${PSUP_BIN:?}
HELP=${PSUP_TESTBIN:?}/helpers
KEEPER=$BIN/psup-keeper
HOME_DIR=$(mktemp -d)
KEEPERS=()
n=0
failed=0

cleanup() {
	for p in "${KEEPERS[@]}"; do kill "$p" 2>/dev/null; done
	# app groups that a test left (only ours: read from our status files)
	for s in "$HOME_DIR"/apps/*/status; do
		[ -f "$s" ] || continue
		g=$(sed -n 's/.* pgid=\([0-9]*\).*/\1/p' "$s")
		[ -n "$g" ] && [ "$g" != 0 ] && kill -9 -- "-$g" 2>/dev/null
	done
	for p in "${PIDS_TO_KILL[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
	rm -rf "$HOME_DIR"
}
PIDS_TO_KILL=()
trap cleanup EXIT

ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }
is() { n=$((n+1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got '$1', want '$2'"; failed=$((failed+1)); fi; }
diag() { echo "# $*"; }

# wait_for SECONDS CMD...: polls CMD every 20 ms until it succeeds
wait_for() {
	local limit=$1; shift
	local end=$(( $(date +%s%N) + limit * 1000000000 ))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.02
	done
	return 1
}

# field APP KEY: a value from the app's status file
# (the first one: exits are listed newest first)
field() { tr ' ' '\n' 2>/dev/null < "$HOME_DIR/apps/$1/status" | sed -n "s/^$2=//p" | head -1; }
restarts_ge() { local r; r=$(field "$1" restarts); [ "${r:-0}" -ge "$2" ]; }
state_is() { [ "$(field "$1" state)" = "$2" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# a pid counts as alive while it is not a zombie
alive() { [ -e /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; }
dead() { ! alive "$1"; }

# new_app NAME [key=value...]: writes a spec (defaults: logs under $HOME_DIR/logs)
new_app() {
	local name=$1; shift
	local dir=$HOME_DIR/apps/$name
	mkdir -p "$dir"
	{
		echo "name=$name"
		echo "group=$name"
		echo "cwd=$HOME_DIR"
		echo "out_file=$HOME_DIR/logs/$name-out.log"
		echo "err_file=$HOME_DIR/logs/$name-error.log"
		echo "combined_file=$HOME_DIR/logs/$name-combined.log"
		for kv in "$@"; do echo "$kv"; done
	} > "$dir/spec"
}

start_keeper() {
	setsid "$KEEPER" "$HOME_DIR/apps/$1" 2>>"$HOME_DIR/keeper-$1.err" < /dev/null &
	local kp=$!
	KEEPERS+=("$kp")
	LAST_KEEPER=$kp
}

ctl() { local app=$1; shift; "$HELP/ctlsend" "$HOME_DIR/apps/$app/control.sock" "$@"; }

echo "1..66"

# --- spawn -----------------------------------------------------------------
new_app sl "argv=$HELP/sleeper" "min_uptime_ms=100" "env=GREETING=hi there"
start_keeper sl
KS=$LAST_KEEPER
wait_for 5 state_is sl online; ok $? "sleeper goes online"
pid=$(field sl pid)
wait_for 5 grep -q "sleeper $pid" "$HOME_DIR/logs/sl-out.log"; ok $? "its stdout reaches the out log"
line=$(grep "sleeper $pid" "$HOME_DIR/logs/sl-out.log")
is "$(echo "$line" | awk '{print $4, $6}')" "$pid $pid" "app has its own process group and session"
is "$(echo "$line" | awk '{print $8}')" "0" "no keeper descriptor leaks into the app"
is "$(echo "$line" | awk '{print $10}')" "sl" "PSUP_APP_NAME is set"
is "$(tr '\0' ' ' < /proc/$KS/cmdline | sed 's/ *$//')" "psup: keep sl" "ps shows 'psup: keep sl'"
is "$(stat -c %a "$HOME_DIR/apps/sl/control.sock")" "600" "control socket is 0600"
is "$(cat "$HOME_DIR/apps/sl/keeper.pid")" "$KS" "keeper.pid holds the keeper's pid"
out=$(ctl sl status)
echo "$out" | grep -q "^status state=online .*pid=$pid" ; ok $? "status over the socket"

# a second keeper for the same app refuses to start
timeout 5 "$KEEPER" "$HOME_DIR/apps/sl" 2>"$HOME_DIR/second.err" </dev/null
is "$?" "1" "a second keeper for the same app exits 1"
grep -q "another keeper" "$HOME_DIR/second.err"; ok $? "and says why"

# garbage on the socket: the bad client is closed, the keeper goes on
head -c 10000 /dev/zero | tr '\0' 'a' | timeout 5 "$HELP/ctlsend" "$HOME_DIR/apps/sl/control.sock" "$(head -c 5000 /dev/zero | tr '\0' 'b')" > "$HOME_DIR/garbage.out" 2>&1
grep -q "err request too long" "$HOME_DIR/garbage.out"; ok $? "an oversized request gets an error"
out=$(ctl sl "bogus" status 2>&1)
echo "$out" | grep -q "^err unknown request"; ok $? "an unknown request gets an error"
echo "$out" | grep -q "^ok$"; ok $? "the same client is still served afterwards"

# stop: SIGTERM to the group, stopped once it is gone
ctl sl stop > /dev/null
wait_for 5 state_is sl stopped; ok $? "stop: stopped"
wait_for 5 dead "$pid"; ok $? "stop: the app is gone"
is "$(field sl pid)" "0" "stopped app has pid 0"
ctl sl start > /dev/null
wait_for 5 state_is sl online; ok $? "start again: online"
pid2=$(field sl pid)
[ "$pid2" != "$pid" ] && [ "$pid2" != 0 ]; ok $? "with a new pid"

# signal: delivered to the app (SIGUSR1 ends the sleeper), which restarts
ctl sl "signal 10" > /dev/null
wait_for 5 restarts_ge sl 1; ok $? "signal 10 reached the app, which was restarted"
field sl exit | grep -q '^[0-9]*,-1,10,[0-9]*$'; ok $? "the exit records signal 10"
wait_for 5 state_is sl online
pid2=$(field sl pid)
# flush empties the logs
ctl sl flush > /dev/null
is "$(stat -c %s "$HOME_DIR/logs/sl-out.log")" "0" "flush empties the out log"

# keeper killed -9: the app lives on; a new keeper kills that group first
{ kill -9 "$KS"; wait "$KS"; } 2>/dev/null
alive "$pid2"; ok $? "app survives its keeper's kill -9"
start_keeper sl
KS=$LAST_KEEPER
wait_for 5 dead "$pid2"; ok $? "a new keeper kills the app group it finds"
wait_for 5 state_is sl online; ok $? "and starts the app again"
pid3=$(field sl pid)
[ "$pid3" != "$pid2" ]; ok $? "with a new pid"

# SIGTERM to the keeper: stop the app, then exit 0
kill -TERM "$KS"
wait "$KS"; is "$?" "0" "SIGTERM: keeper exits 0"
dead "$pid3"; ok $? "SIGTERM: the app was stopped first"
[ ! -e "$HOME_DIR/apps/sl/control.sock" ]; ok $? "socket removed on exit"

# --- crash restarts, crash loop, exec failure ---------------------------------
new_app cr "argv=$HELP/crasher" "argv=3" "argv=300" "min_uptime_ms=100" "max_restarts=50"
start_keeper cr
wait_for 10 restarts_ge cr 2; ok $? "a crashing app is restarted"
field cr exit | grep -q '^[0-9]*,3,0,[0-9]*$'; ok $? "its exit code 3 is recorded"
ctl cr quit > /dev/null; wait_for 5 gone "$LAST_KEEPER"

new_app loop "argv=$HELP/crasher" "argv=1" "min_uptime_ms=1000" "max_restarts=3"
start_keeper loop
wait_for 10 state_is loop errored; ok $? "a crash loop ends errored"
is "$(field loop restarts)" "3" "after max_restarts restarts"
field loop reason | grep -q "crash%20loop"; ok $? "reason says crash loop"
ctl loop quit > /dev/null; wait_for 5 gone "$LAST_KEEPER"

new_app nox "argv=$HOME_DIR/does-not-exist"
start_keeper nox
wait_for 5 state_is nox errored; ok $? "a missing script goes errored"
is "$(field nox restarts)" "0" "without a restart loop"
field nox reason | grep -q "cannot%20exec"; ok $? "reason names the exec failure"
wait_for 5 grep -q "cannot exec $HOME_DIR/does-not-exist: No such file" "$HOME_DIR/logs/nox-error.log"; ok $? "the error log says it too"
ctl nox quit > /dev/null; wait_for 5 gone "$LAST_KEEPER"

# --- stop escalation: SIGTERM ignored, grandchildren in and out of the group ---
for mode in group setsid; do
	if [ $mode = setsid ]; then extra="argv=--setsid"; else extra="argv=--"; fi
	new_app it$mode "argv=$HELP/ignore_term" "$extra" "kill_timeout_ms=300"
	start_keeper it$mode
	wait_for 5 grep -qs '^child' "$HOME_DIR/logs/it$mode-out.log"
	wait_for 5 grep -qs '^parent' "$HOME_DIR/logs/it$mode-out.log"
	par=$(awk '/^parent/{print $2}' "$HOME_DIR/logs/it$mode-out.log")
	chi=$(awk '/^child/{print $2}' "$HOME_DIR/logs/it$mode-out.log")
	PIDS_TO_KILL+=("$chi")
	t0=$(date +%s%N)
	ctl it$mode stop > /dev/null
	wait_for 5 state_is it$mode stopped
	t1=$(date +%s%N)
	dead "$par" && dead "$chi"; ok $? "stop ($mode): parent $par and grandchild $chi are gone"
	ms=$(( (t1 - t0) / 1000000 ))
	[ $ms -ge 280 ] && [ $ms -lt 1500 ]; ok $? "stop ($mode) escalated at kill_timeout (${ms}ms)"
	ctl it$mode quit > /dev/null; wait_for 5 gone "$LAST_KEEPER"
done

# --- logs: nothing lost when the app exits right after writing -----------------
new_app sp "argv=$HELP/spew" "argv=100000" "argv=100" "argv=both" "autorestart=never"
start_keeper sp
wait_for 10 state_is sp completed; ok $? "spew completes"
wait_for 5 sh -c "[ \$(wc -l < '$HOME_DIR/logs/sp-combined.log') -ge 200000 ]"
is "$(wc -l < "$HOME_DIR/logs/sp-out.log")" "100000" "every out line written"
is "$(awk '$1 != "out" || $2 != NR || length($0) != 99 {bad++} END {print bad+0}' "$HOME_DIR/logs/sp-out.log")" "0" "out lines whole and in order"
is "$(wc -l < "$HOME_DIR/logs/sp-combined.log")" "200000" "combined has both streams"
ctl sp quit > /dev/null; wait_for 5 gone "$LAST_KEEPER"

# --- unterminated tails and split writes ---------------------------------------
new_app nl "argv=$HELP/nonl" "autorestart=never"
start_keeper nl
wait_for 5 state_is nl completed; ok $? "nonl completes"
wait_for 5 grep -q "^tail without newline$" "$HOME_DIR/logs/nl-out.log"; ok $? "a final unterminated line is written at EOF"
is "$(head -1 "$HOME_DIR/logs/nl-out.log")" "first half joined" "pieces of a line written apart are joined"
is "$(cat "$HOME_DIR/logs/nl-error.log")" "$(printf 'err piece and rest\nerr tail')" "stderr too"
is "$(grep -c . "$HOME_DIR/logs/nl-combined.log")" "4" "combined holds the 4 whole lines"
ctl nl quit > /dev/null; wait_for 5 gone "$LAST_KEEPER"

# --- progress ---------------------------------------------------------------------
new_app pg "argv=$HELP/progress" "argv=10" "argv=5" "autorestart=on-failure"
start_keeper pg
wait_for 5 state_is pg completed; ok $? "progress app completes"
wait_for 5 sh -c "grep -q ' progress=7,10,10,0,0 ' '$HOME_DIR/apps/pg/status'"; ok $? "latest progress kept: $(field pg progress)"
is "$(field pg progress_bad)" "1" "the bad progress line is counted"
ctl pg quit > /dev/null; wait_for 5 gone "$LAST_KEEPER"

# --- restart gap with delay 0 ---------------------------------------------------------
new_app gap "argv=$HELP/crasher" "argv=0" "argv=150" "min_uptime_ms=0"
start_keeper gap
wait_for 5 restarts_ge gap 2
wait_for 5 state_is gap online
started=$(field gap started)
last_exit=$(field gap exit | cut -d, -f1)
gapms=$((started - last_exit))
diag "restart gap: ${gapms} ms (exit seen to next exec)"
[ "$gapms" -ge 0 ] && [ "$gapms" -le 20 ]; ok $? "restart with delay 0 is immediate (${gapms} ms)"
ctl gap quit > /dev/null; wait_for 5 gone "$LAST_KEEPER"

# --- max_memory_restart: sampled once a second, restart through a stop -------------
new_app mem "argv=$HELP/sleeper" "max_memory_restart=4096" "min_uptime_ms=0"
start_keeper mem
wait_for 5 restarts_ge mem 1; ok $? "an app over max_memory_restart is restarted"
field mem exit | grep -q '^[0-9]*,-1,15,[0-9]*$'; ok $? "by its stop signal"
ctl mem quit > /dev/null; wait_for 5 gone "$LAST_KEEPER"

# --- reload: a new spec applies from the next start ----------------------------------
new_app rl "argv=$HELP/sleeper" "min_uptime_ms=0"
start_keeper rl
wait_for 5 state_is rl online
new_app rl "argv=$HELP/crasher" "argv=7" "autorestart=never"
ctl rl reload > /dev/null; ok $? "reload accepted"
state_is rl online; ok $? "the running app is left alone"
ctl rl restart > /dev/null
wait_for 5 state_is rl errored; ok $? "after a restart the new spec runs"
field rl exit | grep -q '^[0-9]*,7,0,[0-9]*$'; ok $? "(the crasher's exit code 7)"
echo "nmae=x" >> "$HOME_DIR/apps/rl/spec"
out=$(ctl rl reload 2>&1); echo "$out" | grep -q "^err .*unknown key"; ok $? "a bad spec is refused on reload"
ctl rl quit > /dev/null; wait_for 5 gone "$LAST_KEEPER"

# --- the daemon that started the keeper dies: its stderr pipe breaks ------------
new_app orph "argv=$HOME_DIR/nope"
# the reader takes one byte (of the first warning) and goes away
setsid "$KEEPER" "$HOME_DIR/apps/orph" 2>&1 < /dev/null | head -c 1 > /dev/null &
reader=$!
wait_for 5 state_is orph errored
wait_for 5 dead "$reader"; ok $? "the keeper's stderr reader is gone"
KO=$(cat "$HOME_DIR/apps/orph/keeper.pid")
KEEPERS+=("$KO")
ctl orph start > /dev/null 2>&1   # fails again: a warning into the broken pipe
wait_for 5 state_is orph errored
ctl orph status > /dev/null 2>&1; ok $? "a keeper whose stderr broke still answers (SIGPIPE ignored)"
alive "$KO"; ok $? "and runs"
ctl orph quit > /dev/null; wait_for 5 gone "$KO"

# every keeper ran clean (sanitizer builds report here)
! grep -l "runtime error\|Sanitizer" "$HOME_DIR"/keeper-*.err; ok $? "no sanitizer report from any keeper"

exit $((failed > 0))
