#!/bin/sh
# The keeper on its own: spawn, restart, crash loop, exec failure, stop
# escalation with grandchildren, no line lost on exit, tails, progress,
# control socket abuse, and a keeper killed -9 being replaced.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-keeper
set -u
HELP=$PSUP_TESTBIN/helpers
KEEPER=$PSUP_BIN/psup-keeper
mk_tmpdir HOME_DIR
GRANDCHILDREN=""

# Keepers are tracked (SIGTERM at exit: each stops its app); then whatever
# app group a failed test left (only ours: read from our status files) and
# the grandchildren that ignore SIGTERM are SIGKILLed.
keeper_leftovers() {
	for s in "$HOME_DIR"/apps/*/status; do
		[ -f "$s" ] || continue
		g=$(sed -n 's/.* pgid=\([0-9]*\).*/\1/p' "$s")
		[ -n "$g" ] && [ "$g" != 0 ] && kill -9 -- "-$g" 2>/dev/null
	done
	for p in $GRANDCHILDREN; do kill -9 "$p" 2>/dev/null; done
}
at_exit keeper_leftovers

# field APP KEY: a value from the app's status file
# (the first one: exits are listed newest first)
field() { tr ' ' '\n' 2>/dev/null < "$HOME_DIR/apps/$1/status" | sed -n "s/^$2=//p" | head -1; }
restarts_ge() { r=$(field "$1" restarts); [ "${r:-0}" -ge "$2" ]; }
state_is() { [ "$(field "$1" state)" = "$2" ]; }
# online_not APP PID: online with an app pid other than PID (and 0).
online_not() { state_is "$1" online && [ "$(field "$1" pid)" != "$2" ] && [ "$(field "$1" pid)" != 0 ]; }

# new_app NAME [key=value...]: writes a spec (defaults: logs under $HOME_DIR/logs)
new_app() {
	local name dir
	name=$1; shift
	dir=$HOME_DIR/apps/$name
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

# start_keeper APP: a keeper for APP in a session of its own; sets LAST_KEEPER.
start_keeper() {
	setsid "$KEEPER" "$HOME_DIR/apps/$1" 2>>"$HOME_DIR/keeper-$1.err" < /dev/null &
	LAST_KEEPER=$!
	track_pid "$LAST_KEEPER"
}

# ctl APP REQUEST...: requests on APP's control socket; ctlq: output dropped.
ctl() { _app=$1; shift; "$HELP/ctlsend" "$HOME_DIR/apps/$_app/control.sock" "$@"; }
ctlq() { ctl "$@" > /dev/null; }

# quit APP: the keeper of APP (LAST_KEEPER) quits and is gone.
quit() { ctlq "$1" quit; wait_for -t 5 pid_gone "$LAST_KEEPER"; }

plan 65

# --- spawn -----------------------------------------------------------------
new_app sl "argv=$HELP/sleeper" "min_uptime_ms=100" "env=GREETING=hi there"
start_keeper sl
KS=$LAST_KEEPER
ok "sleeper goes online" wait_for -t 5 state_is sl online
pid=$(field sl pid)
ok "its stdout reaches the out log" wait_for -t 5 grep -q "sleeper $pid" "$HOME_DIR/logs/sl-out.log"
line=$(grep "sleeper $pid" "$HOME_DIR/logs/sl-out.log")
is "$(echo "$line" | awk '{print $4, $6}')" "$pid $pid" "app has its own process group and session"
is "$(echo "$line" | awk '{print $8}')" "0" "no keeper descriptor leaks into the app"
is "$(echo "$line" | awk '{print $10}')" "sl" "PSUP_APP_NAME is set"
is "$(tr '\0' ' ' < /proc/$KS/cmdline | sed 's/ *$//')" "psup: keep sl" "ps shows 'psup: keep sl'"
is "$(stat -c %a "$HOME_DIR/apps/sl/control.sock")" "600" "control socket is 0600"
is "$(cat "$HOME_DIR/apps/sl/keeper.pid")" "$KS" "keeper.pid holds the keeper's pid"
out=$(ctl sl status)
like "$out" "^status state=online .*pid=$pid" "status over the socket"

# a second keeper for the same app refuses to start
timeout 5 "$KEEPER" "$HOME_DIR/apps/sl" 2>"$HOME_DIR/second.err" </dev/null
is "$?" "1" "a second keeper for the same app exits 1"
like "$(cat "$HOME_DIR/second.err")" "another keeper" "and says why"

# garbage on the socket: the bad client is closed, the keeper goes on
head -c 10000 /dev/zero | tr '\0' 'a' | timeout 5 "$HELP/ctlsend" "$HOME_DIR/apps/sl/control.sock" "$(head -c 5000 /dev/zero | tr '\0' 'b')" > "$HOME_DIR/garbage.out" 2>&1
like "$(cat "$HOME_DIR/garbage.out")" "err request too long" "an oversized request gets an error"
out=$(ctl sl "bogus" status 2>&1)
like "$out" "^err unknown request" "an unknown request gets an error"
like "$out" "^ok$" "the same client is still served afterwards"

# stop: SIGTERM to the group, stopped once it is gone
ctlq sl stop
ok "stop: stopped" wait_for -t 5 state_is sl stopped
ok "stop: the app is gone" wait_for -t 5 pid_gone "$pid"
is "$(field sl pid)" "0" "stopped app has pid 0"
ctlq sl start
ok "start again: online" wait_for -t 5 state_is sl online
pid2=$(field sl pid)
ok "with a new pid ($pid2)" test "$pid2" != "$pid" -a "$pid2" != 0

# signal: delivered to the app (SIGUSR1 ends the sleeper), which restarts
ctlq sl "signal 10"
ok "signal 10 reached the app, which was restarted" wait_for -t 5 restarts_ge sl 1
like "$(field sl exit)" '^[0-9]*,-1,10,[0-9]*$' "the exit records signal 10"
wait_for -t 5 state_is sl online
pid2=$(field sl pid)
# flush empties the logs
ctlq sl flush
is "$(stat -c %s "$HOME_DIR/logs/sl-out.log")" "0" "flush empties the out log"

# keeper killed -9: the app lives on; a new keeper kills that group first
{ kill -9 "$KS"; wait "$KS"; } 2>/dev/null
ok "app survives its keeper's kill -9" pid_alive "$pid2"
start_keeper sl
KS=$LAST_KEEPER
ok "a new keeper kills the app group it finds" wait_for -t 5 pid_gone "$pid2"
# The dead keeper's status file says online too, until the new one writes.
ok "and starts the app again, with a new pid" wait_for -t 5 online_not sl "$pid2"
pid3=$(field sl pid)

# SIGTERM to the keeper: stop the app, then exit 0
kill -TERM "$KS"
wait "$KS"; is "$?" "0" "SIGTERM: keeper exits 0"
ok "SIGTERM: the app was stopped first" pid_gone "$pid3"
ok "socket removed on exit" test ! -e "$HOME_DIR/apps/sl/control.sock"

# --- crash restarts, crash loop, exec failure ---------------------------------
new_app cr "argv=$HELP/crasher" "argv=3" "argv=300" "min_uptime_ms=100" "max_restarts=50"
start_keeper cr
ok "a crashing app is restarted" wait_for -t 10 restarts_ge cr 2
like "$(field cr exit)" '^[0-9]*,3,0,[0-9]*$' "its exit code 3 is recorded"
quit cr

new_app loop "argv=$HELP/crasher" "argv=1" "min_uptime_ms=1000" "max_restarts=3"
start_keeper loop
ok "a crash loop ends errored" wait_for -t 10 state_is loop errored
is "$(field loop restarts)" "3" "after max_restarts restarts"
like "$(field loop reason)" "crash%20loop" "reason says crash loop"
quit loop

new_app nox "argv=$HOME_DIR/does-not-exist"
start_keeper nox
ok "a missing script goes errored" wait_for -t 5 state_is nox errored
is "$(field nox restarts)" "0" "without a restart loop"
like "$(field nox reason)" "cannot%20exec" "reason names the exec failure"
ok "the error log says it too" wait_for -t 5 grep -q "cannot exec $HOME_DIR/does-not-exist: No such file" "$HOME_DIR/logs/nox-error.log"
quit nox

# --- stop escalation: SIGTERM ignored, grandchildren in and out of the group ---
for mode in group setsid; do
	if [ $mode = setsid ]; then extra="argv=--setsid"; else extra="argv=--"; fi
	new_app it$mode "argv=$HELP/ignore_term" "$extra" "kill_timeout_ms=300"
	start_keeper it$mode
	wait_for -t 5 grep -qs '^child' "$HOME_DIR/logs/it$mode-out.log"
	wait_for -t 5 grep -qs '^parent' "$HOME_DIR/logs/it$mode-out.log"
	par=$(awk '/^parent/{print $2}' "$HOME_DIR/logs/it$mode-out.log")
	chi=$(awk '/^child/{print $2}' "$HOME_DIR/logs/it$mode-out.log")
	GRANDCHILDREN="$GRANDCHILDREN $chi"
	t0=$(now_ms)
	ctlq it$mode stop
	wait_for -t 5 state_is it$mode stopped
	ms=$(($(now_ms) - t0))
	ok "stop ($mode): parent $par and grandchild $chi are gone" pids_gone "$par" "$chi"
	in_range "$ms" 280 1499 "stop ($mode) escalated at kill_timeout (${ms}ms)"
	quit it$mode
done

# --- logs: nothing lost when the app exits right after writing -----------------
new_app sp "argv=$HELP/spew" "argv=100000" "argv=100" "argv=both" "autorestart=never"
start_keeper sp
ok "spew completes" wait_for -t 10 state_is sp completed
wait_for -t 5 lines_ge 200000 "$HOME_DIR/logs/sp-combined.log"
is "$(wc -l < "$HOME_DIR/logs/sp-out.log")" "100000" "every out line written"
is "$(awk '$1 != "out" || $2 != NR || length($0) != 99 {bad++} END {print bad+0}' "$HOME_DIR/logs/sp-out.log")" "0" "out lines whole and in order"
is "$(wc -l < "$HOME_DIR/logs/sp-combined.log")" "200000" "combined has both streams"
quit sp

# --- unterminated tails and split writes ---------------------------------------
new_app nl "argv=$HELP/nonl" "autorestart=never"
start_keeper nl
ok "nonl completes" wait_for -t 5 state_is nl completed
ok "a final unterminated line is written at EOF" wait_for -t 5 grep -q "^tail without newline$" "$HOME_DIR/logs/nl-out.log"
is "$(head -1 "$HOME_DIR/logs/nl-out.log")" "first half joined" "pieces of a line written apart are joined"
is "$(cat "$HOME_DIR/logs/nl-error.log")" "$(printf 'err piece and rest\nerr tail')" "stderr too"
is "$(grep -c . "$HOME_DIR/logs/nl-combined.log")" "4" "combined holds the 4 whole lines"
quit nl

# --- progress ---------------------------------------------------------------------
new_app pg "argv=$HELP/progress" "argv=10" "argv=5" "autorestart=on-failure"
start_keeper pg
ok "progress app completes" wait_for -t 5 state_is pg completed
ok "latest progress kept" wait_for -t 5 grep -q ' progress=7,10,10,0,0 ' "$HOME_DIR/apps/pg/status" ||
	diag "progress=$(field pg progress)"
is "$(field pg progress_bad)" "1" "the bad progress line is counted"
quit pg

# --- restart gap with delay 0 ---------------------------------------------------------
new_app gap "argv=$HELP/crasher" "argv=0" "argv=150" "min_uptime_ms=0"
start_keeper gap
wait_for -t 5 restarts_ge gap 2
wait_for -t 5 state_is gap online
started=$(field gap started)
last_exit=$(field gap exit | cut -d, -f1)
gapms=$((started - last_exit))
note "restart gap: ${gapms} ms (exit seen to next exec)"
in_range "$gapms" 0 20 "restart with delay 0 is immediate (${gapms} ms)"
quit gap

# --- max_memory_restart: sampled once a second, restart through a stop -------------
new_app mem "argv=$HELP/sleeper" "max_memory_restart=4096" "min_uptime_ms=0"
start_keeper mem
ok "an app over max_memory_restart is restarted" wait_for -t 5 restarts_ge mem 1
like "$(field mem exit)" '^[0-9]*,-1,15,[0-9]*$' "by its stop signal"
quit mem

# --- reload: a new spec applies from the next start ----------------------------------
new_app rl "argv=$HELP/sleeper" "min_uptime_ms=0"
start_keeper rl
wait_for -t 5 state_is rl online
new_app rl "argv=$HELP/crasher" "argv=7" "autorestart=never"
ok "reload accepted" ctlq rl reload
ok "the running app is left alone" state_is rl online
ctlq rl restart
ok "after a restart the new spec runs" wait_for -t 5 state_is rl errored
like "$(field rl exit)" '^[0-9]*,7,0,[0-9]*$' "(the crasher's exit code 7)"
echo "nmae=x" >> "$HOME_DIR/apps/rl/spec"
like "$(ctl rl reload 2>&1)" "^err .*unknown key" "a bad spec is refused on reload"
quit rl

# --- the daemon that started the keeper dies: its stderr pipe breaks ------------
new_app orph "argv=$HOME_DIR/nope"
# the reader takes one byte (of the first warning) and goes away
setsid "$KEEPER" "$HOME_DIR/apps/orph" 2>&1 < /dev/null | head -c 1 > /dev/null &
reader=$!
wait_for -t 5 state_is orph errored
ok "the keeper's stderr reader is gone" wait_for -t 5 pid_gone "$reader"
KO=$(cat "$HOME_DIR/apps/orph/keeper.pid")
track_pid "$KO"
ctl orph start > /dev/null 2>&1   # fails again: a warning into the broken pipe
wait_for -t 5 state_is orph errored
ok "a keeper whose stderr broke still answers (SIGPIPE ignored)" ctlq orph status 2>/dev/null
ok "and runs" pid_alive "$KO"
ctlq orph quit; wait_for -t 5 pid_gone "$KO"

# every keeper ran clean (sanitizer builds report here)
is "$(grep -l "runtime error\|Sanitizer" "$HOME_DIR"/keeper-*.err)" "" "no sanitizer report from any keeper"
