#!/bin/sh
# save keeps the previous dump as dump.json.bak, and resurrect falls back to
# it when dump.json cannot be read, saying so. As pm2's, a save of no apps
# keeps the last one unless forced.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 14

cat > "$TMPD/a.yaml" <<EOF
apps:
  - name: first
    script: $H/sleeper
EOF
cat > "$TMPD/b.yaml" <<EOF
apps:
  - name: second
    script: $H/sleeper
EOF
psup start "$TMPD/a.yaml" > /dev/null 2>&1
psup save > /dev/null 2>&1
is "$?" 0 "save"
ok "no backup yet: there was no previous dump" test ! -e "$PSUP_HOME/dump.json.bak"
psup start "$TMPD/b.yaml" > /dev/null 2>&1
psup save > /dev/null 2>&1
ok "the previous dump is kept as dump.json.bak" grep -q first "$PSUP_HOME/dump.json.bak"
unlike "$(cat "$PSUP_HOME/dump.json.bak")" "second" "as it was"

psup kill > /dev/null 2>&1
rm -rf "$PSUP_HOME/apps"
printf '{"files": tru' > "$PSUP_HOME/dump.json"
psup resurrect > "$TMPD/out" 2> "$TMPD/err"
is "$?" 0 "resurrect with a torn dump.json"
like "$(cat "$TMPD/err")" "dump.json is not a psup dump; resurrected from the previous save, .*dump.json.bak" "says so"
ok "the apps of the previous save run" wait_for -t 10 state_is first online
is "$(jl second .name)" "" "and only those"

psup delete all > /dev/null 2>&1
cp "$PSUP_HOME/dump.json" "$TMPD/before"
psup save > "$TMPD/out" 2> "$TMPD/err"
is "$?" 0 "save with no apps"
like "$(cat "$TMPD/err")" "no apps: nothing saved, the last save is kept \\(psup save --force" "says it kept the last save"
ok "dump.json is as it was" cmp -s "$TMPD/before" "$PSUP_HOME/dump.json"
psup save --force > "$TMPD/out" 2>&1
is "$?" 0 "save --force"
like "$(cat "$TMPD/out")" "saved 0 apps" "saves the empty list"
is "$(jq '.apps | length' "$PSUP_HOME/dump.json")" 0 "dump.json holds no app"
