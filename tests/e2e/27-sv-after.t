#!/bin/sh
# `after:` pipelines: an app waits (state waiting, reason "waiting for X")
# until its dependencies completed, or are online for a long-running one;
# starts strictly after them; is never started when a dependency errors
# (state errored, reason says which), and waits again once that one is
# started again. `psup wait` blocks until apps finish.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
require_cmd python3
plan 28

# gate FILE CODE: exits CODE once FILE exists (the test decides when)
cat > "$TMPD/gate.sh" <<'EOF'
#!/bin/sh
while [ ! -e "$1" ]; do sleep 0.02; done
exit "$2"
EOF
chmod +x "$TMPD/gate.sh"
# mend.sh: exits as $TMPD/mend-code says, once $TMPD/go-mended exists
cat > "$TMPD/mend.sh" <<EOF
#!/bin/sh
while [ ! -e "$TMPD/go-mended" ]; do sleep 0.02; done
exit \$(cat "$TMPD/mend-code")
EOF
chmod +x "$TMPD/mend.sh"
echo 4 > "$TMPD/mend-code"
cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: load
    script: $TMPD/gate.sh
    args: [$TMPD/go-load, 0]
    autorestart: on-failure
  - name: chunk
    script: $H/crasher
    args: [0, 300]
    instances: 2
    autorestart: on-failure
    after: [load]
  - name: combine
    script: $H/crasher
    args: [0, 50]
    autorestart: on-failure
    after: [chunk]
  - name: svc
    script: $H/sleeper
  - name: user
    script: $H/sleeper
    after: [svc]
  - name: broken
    script: $TMPD/gate.sh
    args: [$TMPD/go-broken, 3]
    autorestart: false
  - name: blocked
    script: $H/sleeper
    after: [broken]
  - name: mended
    script: $TMPD/mend.sh
    autorestart: false
  - name: follow
    script: $H/sleeper
    after: [mended]
EOF

psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start: exit 0"
is "$(jl chunk-1 .state)" waiting "chunk-1 waits"
is "$(jl chunk-1 .reason)" "waiting for load" "and says for what"
is "$(jl chunk-1 .pid)" 0 "it does not run"
is "$(jl combine .reason)" "waiting for chunk-1, chunk-2" "combine waits for the whole group"
is "$(jl blocked .state)" waiting "blocked waits for broken"
touch "$TMPD/go-load"

psup wait combine --timeout 20s > "$TMPD/w" 2>&1
is "$?" 0 "wait combine: it completed"
is "$(psup jlist | jq -r '[.[] | select(.name | test("^(load|chunk-.|combine)$")) | .state] | join(",")')" \
	"completed,completed,completed,completed" "the pipeline completed"

# ordering, from the exits: start = exit time - runtime
D=$TMPD/d.json
describe_json "$D"
cmp_ok "$(start_at "$D" chunk-1)" -ge "$(exit_at "$D" load)" "chunk-1 started after load ended"
cmp_ok "$(start_at "$D" chunk-2)" -ge "$(exit_at "$D" load)" "chunk-2 started after load ended"
LAST=$(exit_at "$D" chunk-1); [ "$(exit_at "$D" chunk-2)" -gt "$LAST" ] && LAST=$(exit_at "$D" chunk-2)
cmp_ok "$(start_at "$D" combine)" -ge "$LAST" "combine started after both chunks ended"

# a long-running dependency: online is enough
ok "user starts once svc is online" wait_for -t 10 state_is user online
cmp_ok "$(jl user .pid)" -gt 0 "user runs"

# an errored dependency
touch "$TMPD/go-broken"
ok "broken errors" wait_for -t 10 state_is broken errored
ok "blocked is then errored, never started" wait_for -t 5 state_is blocked errored
is "$(jl blocked .reason)" "not started: broken errored" "its reason names the dependency"
is "$(jl blocked .restarts)/$(jl blocked .pid)" "0/0" "it never ran"
is "$(app_procs blocked)" "" "no process of blocked"
psup wait blocked --timeout 5s > /dev/null 2>&1
is "$?" 1 "wait on it: not completed"

# wait --timeout on a service
t0=$(now_ms)
psup wait svc --timeout 300ms > /dev/null 2>&1
isnt "$?" 0 "wait --timeout on a service fails"
cmp_ok $(($(now_ms) - t0)) -lt 3000 "and returns promptly"

# an errored dependency mended and started again: its dependent follows
touch "$TMPD/go-mended"
ok "mended errors" wait_for -t 10 state_is mended errored
ok "follow is errored, never started" wait_for -t 5 state_is follow errored
echo 0 > "$TMPD/mend-code"
rm "$TMPD/go-mended"
psup restart mended > /dev/null 2>&1
ok "mended started again: follow waits for it" wait_for -t 10 state_is follow waiting
is "$(jl follow .reason)" "waiting for mended" "and says so"
is "$(jl follow .pid)" 0 "it does not run yet"
touch "$TMPD/go-mended"
ok "mended completes" wait_for -t 10 state_is mended completed
ok "follow then starts" wait_for -t 10 state_is follow online
