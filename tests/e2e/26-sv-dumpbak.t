#!/bin/sh
# save keeps the previous dump as dump.json.bak, and resurrect falls back to
# it when dump.json cannot be read, saying so.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 8

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
