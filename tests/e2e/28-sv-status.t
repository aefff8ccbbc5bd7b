#!/bin/sh
# What list and describe report: CPU and memory of the whole process group
# (a busy grandchild counts), progress with a rate and an ETA, a table
# that fits a narrow terminal, the last exits and log sizes, pm2's jlist
# keys; then save, kill and resurrect.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
require_cmd python3
plan 29

cat > "$TMPD/busy.sh" <<'EOF'
#!/bin/sh
sh -c 'while :; do :; done' &
exec sleep 1000
EOF
chmod +x "$TMPD/busy.sh"
cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: busy
    script: $TMPD/busy.sh
  - name: prog
    script: $H/progress
    args: [100, 50]
    autorestart: on-failure
  - name: once
    script: $H/crasher
    args: [4, 100]
    max_restarts: 1
EOF

psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start: exit 0"

# CPU of the group: the leader sleeps, its child spins
psup jlist > /dev/null    # a first sample
sleep 0.6                 # a window for the CPU figure, not a synchronisation
cpu=$(jl busy .cpu)
ok "a spinning child shows in the group's CPU ($cpu%)" awk -v c="$cpu" 'BEGIN { exit !(c > 5) }'
cmp_ok "$(jl busy .memory)" -gt 100000 "memory counts the group ($(jl busy .memory) bytes)"
is "$(jl prog .cpu | grep -c .)" 1 "every app has a cpu figure"

# progress: 100 items, one per 50 ms
ok "progress is reported" wait_for -t 10 field_ge prog .progress.done 40
P=$(psup jlist | jq -c '.[] | select(.name == "prog") | .progress')
is "$(printf '%s' "$P" | jq .total)" 100 "progress.total"
rate=$(printf '%s' "$P" | jq .rate)
ok "progress.rate is about 20/s ($rate)" awk -v r="$rate" 'BEGIN { exit !(r >= 8 && r <= 40) }'
eta=$(printf '%s' "$P" | jq .eta_s)
ok "progress.eta_s is about the time left ($eta s)" awk -v e="$eta" 'BEGIN { exit !(e >= 1 && e <= 8) }'
cmp_ok "$(printf '%s' "$P" | jq .at)" -gt 0 "progress.at"
ok "prog completes" wait_for -t 15 state_is prog completed
is "$(psup jlist | jq '.[] | select(.name == "prog") | .progress | "\(.done)/\(.total)/\(.eta_s)"' -r)" "100/100/0" \
	"the final report: all done, nothing left"

# a terminal of 60 columns: the table leaves columns out to fit it, as
# pm2's does; piped, it is whole
script -qec "stty cols 60 rows 40; NO_COLOR=1 '$PSUP_BIN/psup' status" /dev/null \
	> "$TMPD/narrow" 2>&1
like "$(sed -n 2p "$TMPD/narrow")" "^│ name +│ state +│ progress │" "a 60-column terminal: name, state, progress"
is "$(python3 -c 'import sys; print(max(len(l.rstrip("\r\n")) for l in open(sys.argv[1], encoding="utf-8") if l[0] in "┌│├└"))' "$TMPD/narrow")" \
	"$(sed -n 2p "$TMPD/narrow" | python3 -c 'import sys; print(len(sys.stdin.read().rstrip("\r\n")))')" \
	"every line of the table as wide as its head"
cmp_ok "$(sed -n 2p "$TMPD/narrow" | python3 -c 'import sys; print(len(sys.stdin.read().rstrip("\r\n")))')" -le 60 \
	"which fits the terminal"
like "$(psup status | sed -n 2p)" "^│ id +│ name +│ pid +│ state +│ uptime" "piped: every column"

# describe: exits and log sizes
ok "once errors after its restart" wait_for -t 10 state_is once errored
describe_json "$TMPD/d.json" once
is "$(jq '.apps[0].exits | length' "$TMPD/d.json")" 2 "describe lists both exits"
is "$(jq '.apps[0].exits[0].code' "$TMPD/d.json")" 4 "with their exit code"
cmp_ok "$(jq '.apps[0].exits[0].runtime_ms' "$TMPD/d.json")" -ge 90 "and runtime"
cmp_ok "$(jq '.apps[0].log_sizes.out' "$TMPD/d.json")" -gt 0 "and the log sizes"

# pm2's keys, for scripts written against pm2's jlist
is "$(psup jlist | jq -r '.[] | "\(.name) \(.pm_id == .id) \(.pm2_env.status) \(.pm2_env.restart_time) \(.pm2_env.exec_mode)"')" \
	"busy true online 0 fork_mode
prog true stopped 0 fork_mode
once true errored $(jl once .restarts) fork_mode" \
	"jlist has pm2's pm_id, pm2_env.status (a finished one-shot is stopped), restart_time, exec_mode"
is "$(psup jlist | jq -r --arg s "$TMPD/busy.sh" '.[] | select(.name == "busy") |
	[.monit.memory == .memory, .pm2_env.pm_exec_path == $s,
	(.pm2_env.exec_interpreter | test("/bash$")), .pm2_env.pm_cwd != null] | @tsv')" \
	"$(printf 'true\ttrue\ttrue\ttrue')" "monit.memory, pm_exec_path (the .sh script), exec_interpreter (bash), pm_cwd"
is "$(psup prettylist | grep -c "^      name: 'busy',\$")" 1 "prettylist has them too, as pm2 prints them"

# save, kill, resurrect
psup save > /dev/null 2>&1
is "$?" 0 "save: exit 0"
is "$(jq -r '.files[0].apps | join(",")' "$PSUP_HOME/dump.json")" "busy,prog,once" "dump.json names the apps"
psup kill > /dev/null 2>&1
ok "kill stops everything" wait_for -t 10 no_home_procs
psup resurrect > "$TMPD/r" 2>&1
is "$?" 0 "resurrect: exit 0"
is "$(psup jlist | jq -r 'map(.name) | join(",")')" "busy,prog,once" "the saved apps are back"
cmp_ok "$(jl busy .pid)" -gt 0 "and run"
