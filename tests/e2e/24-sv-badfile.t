#!/bin/sh
# Bad ecosystem files are a transaction: every error reported with
# FILE:LINE:COL, and nothing that runs is touched (no restart, no new app),
# even when the bad file also changes a running app or adds one.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 24

cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: web
    script: $H/sleeper
    env:
      COLOR: blue
EOF
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
is "$?" 0 "start the good file"
WEB=$(jl web .pid)
cmp_ok "$WEB" -gt 0 "web runs"

# unchanged runs, the rest is bad: a changed app, a new one, and two errors
cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: web
    script: $H/sleeper
    env:
      COLOR: red
  - name: new
    script: $H/sleeper
    autorestrat: true
  - name: nos
    args: [1]
EOF
psup start "$TMPD/eco.yaml" > "$TMPD/out" 2> "$TMPD/err"
is "$?" 4 "a bad file: exit 4"
like "$(cat "$TMPD/err")" "eco.yaml:[0-9]+:[0-9]+: .*autorestrat" "the unknown key with its position"
like "$(cat "$TMPD/err")" "eco.yaml:[0-9]+:[0-9]+: .*script" "the missing script too (every error)"
is "$(jl web .pid)" "$WEB" "the running app was not restarted"
like "$(tr '\0' '\n' < "/proc/$WEB/environ")" "^COLOR=blue$" "and keeps its settings"
is "$(jl new .name)" "" "the new app was not added"
is "$(psup jlist | jq length)" 1 "one app listed"
ok "no directory for the new app" test ! -e "$PSUP_HOME/apps/new"

# YAML syntax error
printf 'apps:\n  - name: web\n    script: [unclosed\n' > "$TMPD/eco.yaml"
psup start "$TMPD/eco.yaml" > /dev/null 2> "$TMPD/err"
is "$?" 4 "a YAML syntax error: exit 4"
like "$(cat "$TMPD/err")" "eco.yaml:[0-9]+:[0-9]+" "with its position"
is "$(jl web .pid)" "$WEB" "web untouched"

# a duplicate name
cat > "$TMPD/dup.yaml" <<EOF
apps:
  - name: x
    script: $H/sleeper
  - name: x
    script: $H/sleeper
EOF
psup start "$TMPD/dup.yaml" > /dev/null 2> "$TMPD/err"
is "$?" 4 "a duplicate name: exit 4"
like "$(cat "$TMPD/err")" "dup.yaml:[0-9]+:[0-9]+: .*x" "names the duplicate"

# another file naming a running app
cat > "$TMPD/other.yaml" <<EOF
apps:
  - name: web
    script: $H/sleeper
EOF
psup start "$TMPD/other.yaml" > /dev/null 2> "$TMPD/err"
isnt "$?" 0 "another file may not take over a running app"
like "$(cat "$TMPD/err")" "already started from .*eco.yaml" "and says from where it runs"
is "$(jl web .pid)" "$WEB" "web untouched"

# a file that does not exist
psup start "$TMPD/missing.yaml" > /dev/null 2> "$TMPD/err"
isnt "$?" 0 "a missing file fails"
is "$(count_lines "$(app_procs web)")" 1 "after all that, web runs once"

# restart FILE takes the app of that name over, as pm2 restarts by name
psup restart "$TMPD/other.yaml" > "$TMPD/out" 2> "$TMPD/err"
is "$?" 0 "restart of the other file: exit 0"
is "$(head -1 "$TMPD/out")" "restarted: web" "web restarted"
is "$(psup jlist | jq -r '.[] | select(.name == "web") | .source')" "$TMPD/other.yaml" \
	"and is the other file's now"
ok "it runs again" wait_for -t 10 pid_changed web "$WEB"
