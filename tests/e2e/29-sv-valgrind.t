#!/bin/sh
# The daemon under valgrind through a day in its life (start a file with
# after:, list, describe, wait, stop, restart, signal, flush, save, bad
# requests, a keeper killed, delete, a bad file, kill), then again when it
# re-attaches to keepers it did not start: no error, no leak.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
require_cmd valgrind python3
ldd "$PSUP_BIN/psup" 2>/dev/null | grep -q libasan && plan_skip_all "a sanitizer build cannot run under valgrind"
plan 12

export PSUP_KEEPER="$PSUP_BIN/psup-keeper"
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99"

cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: web
    script: $H/sleeper
    env: { API_KEY: x }
  - name: w
    script: $H/sleeper
    instances: 2
  - name: job
    script: $H/progress
    args: [10, 20]
    autorestart: on-failure
  - name: next
    script: $H/crasher
    args: [0]
    autorestart: on-failure
    after: [job]
EOF

vg_daemon() { # LOG: runs the daemon in the foreground under valgrind
	$VG --log-file="$1" "$PSUP_BIN/psup" daemon > "$TMPD/daemon.out" 2>&1 &
	VGPID=$!
	track_pid "$VGPID"
	PSUP_NO_AUTOSTART=1 wait_for -t 60 pingq
}

ok "the daemon starts under valgrind" vg_daemon "$TMPD/vg1.log"
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start"
psup jlist > /dev/null && psup describe web > /dev/null && psup wait next --timeout 30s > /dev/null
is "$?" 0 "list, describe, wait"
psup stop web > /dev/null && psup restart w > /dev/null && psup signal SIGUSR2 w-1 > /dev/null &&
	psup flush > /dev/null && psup save > /dev/null
is "$?" 0 "stop, restart, signal, flush, save"
printf 'garbage\n' | sv_raw > /dev/null
printf '{"v":1,"cmd":"list"' | sv_raw > /dev/null
K=$(jl w-2 .keeper_pid)
kill -9 "$K"
wait_for -t 20 field_isnt w-2 .keeper_pid "$K"
psup delete w-1 > /dev/null
printf 'apps:\n  - name: [bad\n' > "$TMPD/bad.yaml"
psup start "$TMPD/bad.yaml" > /dev/null 2>&1
psup kill > /dev/null 2>&1
is "$?" 0 "kill"
wait_exit "$VGPID" 60
is "$WAIT_STATUS" 0 "valgrind found no error and no leak"
is "$(cat "$TMPD/vg1.log")" "" "its report is empty"

# re-attach: keepers started by another daemon
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start with a plain daemon"
kill -9 "$(daemon_pid)"
ok "a daemon under valgrind re-attaches" vg_daemon "$TMPD/vg2.log"
cmp_ok "$(jl web .pid)" -gt 0 "it sees the apps running"
psup restart all > /dev/null 2>&1
psup kill > /dev/null 2>&1
wait_exit "$VGPID" 60
is "$WAIT_STATUS" 0 "valgrind found no error and no leak"
is "$(cat "$TMPD/vg2.log")" "" "its report is empty"
