#!/bin/sh
# `after:` and `psup wait`, beyond 27-sv-after.t and 51-cli-daemon.t:
# - a cycle and an unknown name in `after:` through `psup start`: exit 4,
#   FILE:LINE:COL, and nothing already running is touched;
# - a failing dependency that is one instance of a group, and a chain behind
#   it: each dependent is errored, never started, its reason says why;
# - a dependency in a crash loop (autorestart: true, never online for long):
#   the dependent is never started;
# - `psup wait --timeout 1s` on a long-running app: exits non-zero after about
#   1 s (not before) with the summary;
# - `psup wait` (all) exit 0 when all completed, 1 when one errored, and a
#   wait on a chain that is errored returns at once.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 41

# A service that is running throughout: a bad file must not touch it.
cat > "$TMPD/svc.yaml" <<EOF
apps:
  - name: keep
    script: $H/sleeper
EOF
psup start "$TMPD/svc.yaml" > /dev/null 2>&1
is "$?" 0 "start a service"
ok "it is online" wait_for -t 10 state_is keep online
KEEP_PID=$(jl keep .pid)

# --- load errors -----------------------------------------------------------
cat > "$TMPD/cycle.yaml" <<EOF
apps:
  - name: x
    script: $H/sleeper
    after: [z]
  - name: y
    script: $H/sleeper
    after: [x]
  - name: z
    script: $H/sleeper
    after: [y]
EOF
psup start "$TMPD/cycle.yaml" > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 4 "a cycle in after: is a bad file (exit 4)"
like "$(cat "$TMPD/err")" "cycle\.yaml:[0-9]+:[0-9]+: after: cycle: (x -> z -> y -> x|y -> x -> z -> y|z -> y -> x -> z)" \
	"the error is FILE:LINE:COL: after: cycle: with the loop" || diag_file "$TMPD/err"
like "$(grep -m1 'cycle:' "$TMPD/err")" "cycle\.yaml:(4|7|10):(12|13):" "the position is one of the after: lines"

cat > "$TMPD/unknown.yaml" <<EOF
apps:
  - name: fine
    script: $H/sleeper
  - name: needy
    script: $H/sleeper
    after: [fine, nosuch]
EOF
psup start "$TMPD/unknown.yaml" > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 4 "an unknown name in after: is a bad file (exit 4)"
like "$(cat "$TMPD/err")" "unknown\.yaml:6:[0-9]+: after: .*'nosuch'" \
	"the error is FILE:6:COL and names the unknown app" || diag_file "$TMPD/err"
is "$(psup jlist | jq -r '[.[].name] | join(" ")')" "keep" "neither bad file added an app"
is "$(jl keep .pid)/$(jl keep .restarts)" "$KEEP_PID/0" "the running service was not touched"

# --- a failing dependency: one instance of a group, and a chain behind it --
cat > "$TMPD/fail.yaml" <<EOF
apps:
  - name: part
    script: $H/crasher
    args: [0, 200]
    instances: 3
    autorestart: on-failure
    env:
      X: "1"
  - name: bad
    script: $TMPD/bad.sh
    autorestart: false
  - name: merge
    script: $H/crasher
    args: [0]
    autorestart: on-failure
    after: [part, bad]
  - name: publish
    script: $H/crasher
    args: [0]
    autorestart: on-failure
    after: [merge]
  - name: flappy
    script: $H/crasher
    args: [1, 0]
    autorestart: true
    max_restarts: 3
  - name: client
    script: $H/sleeper
    after: [flappy]
EOF
# bad fails only once the test has seen its dependents wait (no race with a
# slow machine): it exits 5 when $TMPD/go appears.
printf '#!/bin/sh\nwhile [ ! -e "%s/go" ]; do sleep 0.05; done\nexit 5\n' "$TMPD" > "$TMPD/bad.sh"
chmod +x "$TMPD/bad.sh"
psup start "$TMPD/fail.yaml" > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "start a file whose dependencies fail" || diag_file "$TMPD/err"
# (the parts finish on their own after 200 ms: any of them may be done)
like "$(jl merge .reason)" "^waiting for (part-[1-3], )*bad$" \
	"merge waits for its dependencies"
is "$(jl publish .reason)" "waiting for merge" "publish waits for merge"

touch "$TMPD/go"
t0=$(now_ms)
psup wait publish --timeout 20s > "$TMPD/w" 2> "$TMPD/err"; rc=$?
t1=$(now_ms)
is "$rc" 1 "wait publish: exit 1, it will never complete"
like "$(cat "$TMPD/w")" "^wait: 1 errored \(publish\)" "wait names the errored app" || diag_file "$TMPD/w"
cmp_ok $((t1 - t0)) -lt 10000 "wait returned once the chain failed, not at its timeout"
is "$(jl bad .state)/$(jl bad .exit_code)" "errored/5" "bad errored with its code"
# (the parts run on their own: the chain may fail before they are done)
ok "the other dependencies complete" wait_for -t 20 all_state completed part-1 part-2 part-3
is "$(jl merge .state)" errored "merge is errored"
is "$(jl merge .reason)" "not started: bad errored" "merge's reason names the failed dependency"
is "$(jl publish .state)" errored "publish, behind merge, is errored too"
is "$(jl publish .reason)" "not started: merge errored" "publish's reason names merge"
is "$(jl merge .restarts)/$(jl merge .pid)/$(jl publish .restarts)/$(jl publish .pid)" "0/0/0/0" \
	"neither ever ran"
ok "merge has no log line: it never ran" not grep -qs crasher "$(jl merge .log_files.combined)"
NO_COLOR=1 psup describe merge > "$TMPD/d" 2>&1
like "$(cat "$TMPD/d")" "not started: bad errored" "describe shows why"

ok "the crash-looping dependency ends errored" wait_for -t 15 state_is flappy errored
ok "its dependent is errored" wait_for -t 5 state_is client errored
is "$(jl client .reason)" "not started: flappy errored" "and says why"
is "$(app_procs client)" "" "no process of client ever ran"

# --- wait: all, timeout ----------------------------------------------------
psup wait part --timeout 5s > "$TMPD/w" 2>&1; rc=$?
is "$rc" 0 "wait on a completed group: exit 0"
like "$(cat "$TMPD/w")" "^wait: 3 completed" "its summary counts them"
psup stop keep > /dev/null 2>&1
psup wait all --timeout 5s > "$TMPD/w" 2>&1; rc=$?
is "$rc" 1 "wait all with errored apps: exit 1"
like "$(cat "$TMPD/w")" "^wait: 3 completed, 5 errored \((bad|merge|publish|flappy|client)(, (bad|merge|publish|flappy|client|…))*\), 1 stopped \(keep\)" \
	"its summary counts each kind" || diag_file "$TMPD/w"
psup delete bad > /dev/null 2>&1
psup delete merge > /dev/null 2>&1
psup delete publish > /dev/null 2>&1
psup delete flappy > /dev/null 2>&1
psup delete client > /dev/null 2>&1
psup delete keep > /dev/null 2>&1
psup wait all --timeout 5s > "$TMPD/w" 2>&1; rc=$?
is "$rc" 0 "wait all once only completed apps are left: exit 0"
like "$(cat "$TMPD/w")" "^wait: 3 completed \(" "a one-line summary with the time taken"

psup start keep > /dev/null 2>&1 || psup start "$TMPD/svc.yaml" > /dev/null 2>&1
ok "the service runs again" wait_for -t 10 state_is keep online
t0=$(now_ms)
psup wait keep --timeout 1s > "$TMPD/w" 2> "$TMPD/err"; rc=$?
t1=$(now_ms)
isnt "$rc" 0 "wait --timeout 1s on a long-running app: non-zero"
cmp_ok $((t1 - t0)) -ge 950 "it waited the second ($((t1 - t0)) ms)"
cmp_ok $((t1 - t0)) -lt 3000 "and returned promptly after it"
like "$(cat "$TMPD/w")" "^wait: timed out after 1\.[0-9]s: 1 running \(keep\)" "the summary says what still runs" ||
	diag_file "$TMPD/w"
is "$(wc -l < "$TMPD/err" | tr -d ' ')" 1 "and one line on stderr"
ok "the app still runs after the timeout" state_is keep online
