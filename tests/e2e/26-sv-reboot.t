#!/bin/sh
# An app the user stopped stays stopped across a reboot, as in pm2: after
# everything of the home is killed and its runtime directory emptied (what
# a reboot does), the next daemon starts the other apps again and loads
# that one stopped, until it is started. A save records it stopped too, so
# a resurrect into an empty home loads it stopped, and one into a home that
# holds it leaves it so; `start FILE` starts it, as pm2's does. A one-shot
# app that completed is not run again by a reboot either (pm2 keeps it
# stopped), nor a cron job before its next time; one that watch ran again
# since is started by the next reboot, as pm2 resurrects what was online.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 38

sleeper_eco "$TMPD/eco.yaml" a b c
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start a, b and c"
ok "all online" wait_for -t 10 all_state online a b c
psup stop b > /dev/null 2>&1
is "$?" 0 "stop b"

# reboot: every process of the home dies, the runtime directory goes. The
# daemon is waited for by its pid: a process on its way out has no
# environment left to be found by, while it still holds its socket.
reboot() {
	_dp=$(daemon_pid)
	_procs="$(home_procs) $_dp"
	kill -9 $_procs 2>/dev/null
	wait_for -t 10 no_home_procs || return 1
	[ -z "$_dp" ] || wait_for -t 10 pid_gone "$_dp" || return 1
	_run=$(readlink "$PSUP_HOME/run")
	[ -n "$_run" ] && rm -rf "$_run"
	return 0
}
# boot: the first command after it starts a daemon. Should a process of
# the killed home still be on its way out (which a real reboot does not
# leave), the first try's words go to the diagnosis and the next tries
# wait for it.
boot() {
	psup jlist > /dev/null 2> "$TMPD/boot.err" && return 0
	diag "the first command after the reboot failed: $(cat "$TMPD/boot.err")"
	wait_for -t 15 pingq
}
ok "reboot" reboot
ok "the next command starts a daemon" boot
ok "a and c run again" wait_for -t 15 all_state online a c
is "$(jl b .state)" stopped "b is loaded stopped"
is "$(count_lines "$(app_procs b)")" 0 "and does not run"
like "$(psup describe b)" "stopped" "describe shows it stopped"

psup start b > /dev/null 2>&1
ok "started, b runs" wait_for -t 10 state_is b online
ok "reboot again" reboot
ok "after it a daemon starts" boot
ok "now all three run again" wait_for -t 15 all_state online a b c

# a save with b stopped, then a home emptied by kill
psup stop b > /dev/null 2>&1
psup save > /dev/null 2>&1
is "$?" 0 "save with b stopped"
psup kill > /dev/null 2>&1
psup resurrect > "$TMPD/out" 2>&1
is "$?" 0 "resurrect into an empty home"
ok "a and c run" wait_for -t 15 all_state online a c
ok "b is loaded stopped" wait_for -t 10 state_is b stopped
is "$(count_lines "$(app_procs b)")" 0 "and does not run"

# resurrect again: b, stopped in the save and here, stays stopped
psup resurrect > "$TMPD/out" 2>&1
is "$?" 0 "resurrect with the apps there"
is "$(jl b .state)" stopped "b stays stopped"

# a one-shot that completed is not run again after a reboot
cat > "$TMPD/once.sh" <<EOF
#!/bin/sh
echo run >> "$TMPD/once.runs"
EOF
chmod +x "$TMPD/once.sh"
cat > "$TMPD/once.yaml" <<EOF
apps:
  - name: once
    script: $TMPD/once.sh
    autorestart: false
EOF
psup start "$TMPD/once.yaml" > /dev/null 2>&1
ok "once completes" wait_for -t 10 state_is once completed
ok "reboot with once completed" reboot
ok "after it a daemon starts" boot
ok "after it the others run" wait_for -t 15 all_state online a c
is "$(jl once .state)" stopped "once is loaded stopped"
is "$(wc -l < "$TMPD/once.runs" | tr -d ' ')" 1 "and ran once only"

# a one-shot that watch runs again (no command) is no longer done
mkdir "$TMPD/wsrc"
cat > "$TMPD/wonce.sh" <<EOF
#!/bin/sh
[ -e "$TMPD/wsrc/flag" ] && exec sleep 1000
exit 0
EOF
chmod +x "$TMPD/wonce.sh"
cat > "$TMPD/wonce.yaml" <<EOF
apps:
  - name: wonce
    script: $TMPD/wonce.sh
    autorestart: false
    watch: [$TMPD/wsrc]
EOF
psup start "$TMPD/wonce.yaml" > /dev/null 2>&1
ok "wonce completes" wait_for -t 10 state_is wonce completed
touch "$TMPD/wsrc/flag"
ok "a change under its folder runs it again, and it stays up" wait_for -t 10 state_is wonce online
ok "reboot with wonce online" reboot
ok "after it a daemon starts" boot
ok "wonce runs again" wait_for -t 15 state_is wonce online

# a cron job that completed waits for its time after a reboot
cat > "$TMPD/tick.sh" <<EOF
#!/bin/sh
echo "run"
EOF
chmod +x "$TMPD/tick.sh"
cat > "$TMPD/tick.yaml" <<EOF
apps:
  - name: tick
    script: $TMPD/tick.sh
    autorestart: false
    cron_restart: "*/5 * * * * *"
EOF
psup start "$TMPD/tick.yaml" > /dev/null 2>&1
TICK_LOG=$(jl tick .log_files.out)
ok "the cron job runs and completes" wait_for -t 10 state_is tick completed
ok "reboot with it completed" reboot
K=$(wc -l < "$TICK_LOG")
ok "after it a daemon starts" boot
ok "after it, the cron job runs again" wait_for -t 20 sh -c "tail -n +$((K + 1)) '$TICK_LOG' | grep -qx run" ||
    diag "daemon $(daemon_pid) (was $_dp); tick: $(jl tick '[.state, .pid, .keeper_pid] | @text')"
like "$(tail -n +$((K + 1)) "$TICK_LOG" | head -n 1)" "^psup: cron_restart \\(\\*/5 \\* \\* \\* \\* \\*\\): restarting tick" \
    "at its time, not when loaded"

# start FILE starts a stopped app of the file
psup start "$TMPD/eco.yaml" > "$TMPD/out" 2>&1
like "$(cat "$TMPD/out")" "started: b" "start FILE starts b"
ok "b runs" wait_for -t 10 state_is b online
