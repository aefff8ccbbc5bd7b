#!/bin/sh
# The README documents what the programs do: its ecosystem options table is
# exactly `psup help options --markdown`, and every command psup lists in its
# usage has a row in the README's command table.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup
plan 2

readme=$PSUP_SRC/README.md
want=$("$PSUP_BIN/psup" help options --markdown)
got=$(awk '/<!-- options:end -->/ { p = 0 } p { print } /<!-- options:begin -->/ { p = 1 }' "$readme")
if [ "$got" = "$want" ]; then pass "README options table matches psup help options"
else fail "README options table matches psup help options (run scripts/readme-options.sh)"; fi

missing=""
for cmd in $("$PSUP_BIN/psup" --help | awk '/^commands:/ { p = 1; next } /^$/ { p = 0 } p && /^  [a-z]/ { print $1 }'); do
	grep -q "^| \`psup $cmd" "$readme" || missing="$missing $cmd"
done
is "$missing" "" "every psup command has a row in the README"
