#!/bin/sh
# Exits seen through the daemon: a crash loop ends errored with its restarts
# counted, slowing down as it goes (crash_backoff) unless told not to, a job
# completes, a signal death is reported, a script that cannot
# run is errored with a reason (no restart loop), and `wait` reports them.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 25

printf 'echo not executable\n' > "$TMPD/noexec.sh"
chmod 644 "$TMPD/noexec.sh"
cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: crash
    script: $H/crasher
    args: [3]
    max_restarts: 3
  - name: crash0
    script: $H/crasher
    args: [4]
    max_restarts: 3
    crash_backoff: 0
  - name: job
    script: $H/crasher
    args: [0, 100]
    autorestart: on-failure
  - name: killed
    script: $H/crasher
    args: [-9]
    autorestart: false
  - name: noexec
    script: $TMPD/noexec.sh
    interpreter: none
EOF

psup start "$TMPD/eco.yaml" > "$TMPD/out" 2>&1
is "$?" 1 "start: exit 1, an app cannot run"
like "$(cat "$TMPD/out")" "noexec: cannot exec" "naming it"

ok "the crash loop ends errored" wait_for -t 15 state_is crash errored
is "$(jl crash .restarts)" 3 "after max_restarts restarts"
is "$(jl crash .exit_code)" 3 "its last exit code"
is "$(jl crash .pid)" 0 "an errored app has no pid"
isnt "$(jl crash .reason)" "" "errored says why"
is "$(grep -c "crasher .* start" "$(jl crash .log_files.out)")" 4 "it ran 1 + 3 times"

ok "the job completes" wait_for -t 10 state_is job completed
is "$(jl job .exit_code)" 0 "with exit code 0"
is "$(jl job .restarts)" 0 "and no restart"

ok "the self-killed app stops" wait_for -t 10 field_is killed .exit_signal 9
is "$(jl killed .exit_code)" null "killed by a signal: no exit code"

ok "a script that cannot run is errored" wait_for -t 10 state_is noexec errored
is "$(jl noexec .restarts)" 0 "without a restart loop"
like "$(jl noexec .reason)" "ermission|xecut|exec" "the reason says it could not be run"

# describe: the last exits
psup describe crash > /dev/null 2>&1
is "$?" 0 "describe crash: exit 0"
# Between one run's exit and the next start: the crash loop's backoff,
# 100 ms doubling (lower bounds: a loaded machine only adds to them; 10 ms
# for the wall clock the exits are stamped with against the keeper's own).
describe_json "$TMPD/d.json" crash
gaps=$(jq -r '.apps[0].exits | reverse | [range(1; length) as $i |
	(.[$i].at - .[$i].runtime_ms) - .[$i - 1].at] | map(tostring) | join(" ")' "$TMPD/d.json")
backed_off() { [ "$#" -eq 3 ] && [ "$1" -ge 90 ] && [ "$2" -ge 190 ] && [ "$3" -ge 390 ]; }
# shellcheck disable=SC2086 # the gaps are words
ok "the crash loop waited 100, 200 and 400 ms before its restarts (gaps: $gaps ms)" backed_off $gaps
is "$(jq -r '.apps[0].config.crash_backoff_ms' "$TMPD/d.json")" 100 "crash_backoff's default: 100 ms"
ok "crash_backoff: 0 ends errored too" wait_for -t 15 state_is crash0 errored
is "$(jl crash0 .restarts)" 3 "after its max_restarts restarts"
describe_json "$TMPD/d0.json" crash0
is "$(jq -r '.apps[0].config.crash_backoff_ms' "$TMPD/d0.json")" 0 "its setting, as given"

# wait: a finished mix is not all completed
psup wait job > "$TMPD/w" 2>&1
is "$?" 0 "wait job: it completed"
psup wait all --timeout 5s > "$TMPD/w" 2>&1
is "$?" 1 "wait all: not everything completed"
like "$(cat "$TMPD/w")" "crash" "wait names an app that did not complete"
