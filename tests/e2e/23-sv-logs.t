#!/bin/sh
# Logs through the daemon: two apps writing fast on both streams, into their
# own files and into one shared combined file: every line whole, every line
# there, in order per stream. Rotation by size keeps log_retain files.
# `psup flush` empties an app's logs. Log files are created 0640 (they may
# hold API results and prompts).
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 17
umask 022

N=20000
cat > "$TMPD/eco.yaml" <<EOF
log_dir: $TMPD/logs
apps:
  - name: a
    script: $H/spew
    args: [$N, 100, both]
    log_file: $TMPD/shared.log
    autorestart: false
  - name: b
    script: $H/spew
    args: [$N, 100, both]
    log_file: $TMPD/shared.log
    autorestart: false
  - name: r
    script: $H/spew
    args: [2000, 100, out]
    autorestart: false
    log_max_size: 20K
    log_retain: 3
EOF

psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start: exit 0"
ok "a, b and r finish" wait_for -t 20 all_state completed a b r

# whole lines: "<stream> <i> xxx" of 99 characters, numbered 1..N in order
check_stream() { # FILE STREAM
	awk -v s="$2" -v n="$N" '
		length($0) != 99 || $1 != s || $2 != ++i || $3 !~ /^x+$/ { bad++ }
		END { exit !(bad == 0 && i == n) }' "$1"
}
ok "a's out log: every line whole, all there, in order" check_stream "$(jl a .log_files.out)" out
ok "a's error log: the same" check_stream "$(jl a .log_files.error)" err
ok "b's out log: the same" check_stream "$(jl b .log_files.out)" out
ok "b's error log: the same" check_stream "$(jl b .log_files.error)" err
is "$(stat -c %a "$(jl a .log_files.out)") $(stat -c %a "$TMPD/shared.log")" "640 640" \
	"log files are created 0640 under umask 022"
is "$(jl a .log_files.combined)" "$TMPD/shared.log" "log_file names the shared combined log"
is "$(wc -l < "$TMPD/shared.log" | tr -d ' ')" $((4 * N)) "the shared log has every line of both apps"
is "$(awk 'length($0) != 99 || ($1 != "out" && $1 != "err") || $3 !~ /^x+$/' "$TMPD/shared.log" | wc -l | tr -d ' ')" 0 \
	"no torn or mixed line in the shared log"
# per stream, each app's numbers appear in order: check a's out lines (the
# two apps' lines are told apart by their order, so count instead)
is "$(grep -c '^out ' "$TMPD/shared.log")" $((2 * N)) "both apps' out lines"
is "$(grep -c '^err ' "$TMPD/shared.log")" $((2 * N)) "both apps' err lines"

# rotation
R=$(jl r .log_files.out)
ok "r's log rotated" test -f "$R.1"
ok "at most log_retain rotated files" test ! -e "$R.4"
cmp_ok "$(stat -c %s "$R")" -le 20480 "the current file stays under log_max_size"
total=$(cat "$R.3" "$R.2" "$R.1" "$R" 2>/dev/null | awk 'length($0) == 99 && $1 == "out"' | wc -l | tr -d ' ')
cmp_ok "$total" -gt 0 "rotated files hold whole lines ($total kept)"

# flush
psup flush a > /dev/null 2>&1
is "$(stat -c %s "$(jl a .log_files.out)")" 0 "flush empties the app's log"
