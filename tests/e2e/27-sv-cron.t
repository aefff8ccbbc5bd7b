#!/bin/sh
# cron_restart as pm2 users write it: a running app restarts at each cron
# time, a job that exited (autorestart: false) runs again, an app the user
# stopped (or loaded stopped, until started) stays stopped; pid_file holds
# the pid while the app runs.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 15

cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: tick
    script: $H/sleeper
    cron_restart: "*/2 * * * * *"
    pid_file: run/tick.pid
  - name: job
    script: /bin/sh
    args: ["-c", "echo ran"]
    autorestart: false
    cron: "* * * * * *"
  - name: lazy
    script: $H/sleeper
    autostart: false
    cron_restart: "* * * * * *"
EOF
mkdir -p "$TMPD/run"
psup start "$TMPD/eco.yaml" > /dev/null 2> "$TMPD/err"
is "$?" 0 "start a file with cron_restart"
diag_file "$TMPD/err"
ok "tick runs" wait_for -t 10 state_is tick online
# A cron time may restart tick between any two reads: compare the file
# with the pid listed at each try.
pidfile_current() {
	p=$(jl tick .pid)
	[ -n "$p" ] && [ "$p" -gt 0 ] && grep -qx "$p" "$TMPD/run/tick.pid"
}
ok "pid_file holds its pid" wait_for -t 10 pidfile_current
P0=$(jl tick .pid)
ok "a cron time restarts it" wait_for -t 6 pid_changed tick "$P0"
P1=$(jl tick .pid)
ok "and the next one again" wait_for -t 6 pid_changed tick "$P1"
ok "restarts are counted" field_ge tick .restarts 2
ok "pid_file follows the new pid" wait_for -t 10 pidfile_current
ok "the log says why" grep -q "cron_restart (\*/2 \* \* \* \* \*): restarting tick" "$TMPD/logs/tick-out.log"

ok "a job that exited runs again at each cron time" wait_for -t 8 lines_ge 3 "$TMPD/logs/job-out.log" '^ran$'

ok "autostart: false: cron does not start it" state_is lazy stopped
psup start lazy > /dev/null 2>&1
ok "once started, it runs" wait_for -t 5 field_ge lazy .pid 1
L0=$(jl lazy .pid)
ok "cron restarts it" wait_for -t 4 pid_changed lazy "$L0"

psup stop tick > /dev/null 2>&1
ok "stopped" state_is tick stopped
ok "pid_file removed on stop" test ! -e "$TMPD/run/tick.pid"
# two cron times pass: a stopped app is not started by cron
ok "cron does not start an app the user stopped" not wait_for -t 4.5 state_is tick online
