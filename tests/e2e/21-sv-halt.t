#!/bin/sh
# An app that reports "halt" (the progress protocol) before it fails is
# not restarted: it is errored with the text as its reason, whatever
# autorestart says. A halt taken back (null) restarts as usual, a clean
# exit and a stop_exit_code keep their meaning, and starting the file
# again runs a halted app again, as pm2's start FILE restarts it.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 21

# halter.sh CODE: reports a halt and exits CODE while $TMPD/broken exists,
# else runs; the halt's text has a quote, a tab and a non-ASCII character
cat > "$TMPD/halter.sh" <<'EOF'
if [ -f "$1/broken" ]; then
	printf '{"done":0,"total":5,"halt":"config.ini says \\"x\\":\\tfix it, then restart \\u2014 now"}\n' >&3
	exit "$2"
fi
echo running
exec sleep 600
EOF
# taken back: a halt, then a report without one, then a failure
cat > "$TMPD/unhalt.sh" <<'EOF'
echo '{"done":0,"halt":"wait"}' >&3
echo '{"done":1,"halt":null}' >&3
exit 1
EOF
touch "$TMPD/broken"
cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: halter
    script: $TMPD/halter.sh
    interpreter: sh
    args: [$TMPD, 2]
  - name: unhalt
    script: $TMPD/unhalt.sh
    interpreter: sh
    max_restarts: 2
    crash_backoff: 0
  - name: clean
    script: $TMPD/halter.sh
    interpreter: sh
    args: [$TMPD, 0]
    autorestart: on-failure
  - name: stopcode
    script: $TMPD/halter.sh
    interpreter: sh
    args: [$TMPD, 7]
    autorestart: on-failure
    stop_exit_codes: [7]
EOF

psup start "$TMPD/eco.yaml" > "$TMPD/out" 2>&1
is "$?" 0 "start: exit 0" || diag_file "$TMPD/out"

ok "a halted failure is errored" wait_for -t 15 state_is halter errored
is "$(jl halter .restarts)" 0 "under autorestart: true, without a restart"
is "$(jl halter .exit_code)" 2 "its exit code is kept"
reason='exited with code 2: config.ini says "x": fix it, then restart — now'
is "$(jl halter .reason)" "$reason" "the reason is the app's halt (a tab a space)"
like "$(psup status 2>&1)" "halter errored: exited with code 2: config.ini says \"x\"" \
	"status says why under the table"
like "$(psup describe halter 2>&1)" "fix it, then restart" "describe shows it"
is "$(jl halter '.progress.done')" 0 "the report's counts are kept as any report's"

ok "a halt taken back restarts as usual" wait_for -t 15 state_is unhalt errored
is "$(jl unhalt .restarts)" 2 "... until max_restarts"
like "$(jl unhalt .reason)" "crash loop" "... a crash loop's reason"

ok "a clean exit with a halt completes" wait_for -t 15 state_is clean completed
is "$(jl clean .reason)" "" "... with no reason"
ok "a stop_exit_code with a halt completes" wait_for -t 15 state_is stopcode completed
like "$(jl stopcode .reason)" "stop_exit_code" "... as a stop_exit_code"

# mended: starting the file again runs it again (an errored app is not
# "unchanged"); the others of the file stay as they are
rm "$TMPD/broken"
psup start "$TMPD/eco.yaml" --only halter > "$TMPD/out" 2>&1
is "$?" 0 "start FILE --only halter: exit 0" || diag_file "$TMPD/out"
like "$(cat "$TMPD/out")" "started: halter" "it says so"
is "$(jl unhalt .state) $(jl unhalt .restarts)" "errored 2" "the file's other apps are left as they were"
ok "it runs again" wait_for -t 15 state_is halter online
is "$(jl halter .reason)" "" "the reason is gone"
psup stop halter > /dev/null 2>&1
ok "and stops" wait_for -t 15 state_is halter stopped
