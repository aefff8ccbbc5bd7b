#!/bin/sh
# reloadLogs as logrotate's postrotate runs it: after the log files are
# moved away, the keepers reopen them and new lines go to new files, none
# lost; a selector picks apps; an unknown one fails.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 8

cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: tick
    script: /bin/sh
    args: ["-c", "i=0; while true; do i=\$((i+1)); echo line \$i; sleep 0.05; done"]
  - name: quiet
    script: $H/sleeper
EOF
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start"
ok "tick logs" wait_for -t 10 lines_ge 5 "$TMPD/logs/tick-out.log" '^line '
# what logrotate does: rename, then postrotate
mv "$TMPD/logs/tick-out.log" "$TMPD/logs/tick-out.log.1"
mv "$TMPD/logs/tick-combined.log" "$TMPD/logs/tick-combined.log.1"
out=$(psup reloadLogs 2>&1)
is "$?" 0 "psup reloadLogs"
like "$out" "reopened the logs of: .*tick" "names the apps"
ok "new lines go to a new file" wait_for -t 5 lines_ge 3 "$TMPD/logs/tick-out.log" '^line '
# no line lost across the move: the numbers run on from one file to the next
last=$(tail -n 1 "$TMPD/logs/tick-out.log.1" | cut -d' ' -f2)
first=$(head -n 1 "$TMPD/logs/tick-out.log" | cut -d' ' -f2)
is "$first" "$((last + 1))" "no line lost or doubled at the switch"
psup reload-logs quiet > /dev/null 2>&1
is "$?" 0 "reload-logs NAME"
psup reloadLogs nosuch > /dev/null 2>&1
is "$?" 1 "an unknown app fails"
