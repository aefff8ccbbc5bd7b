#!/bin/sh
# The README documents what the programs do: its ecosystem options table is
# exactly `psup help options --markdown`, its job file options table exactly
# `psup-worker help job --markdown`, and every command psup lists in its
# usage has a row in the README's command table.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup psup-worker
plan 3

readme=$PSUP_SRC/README.md

# section MARK: the README's lines between <!-- MARK:begin --> and <!-- MARK:end -->
section() {
	awk -v begin="<!-- $1:begin -->" -v end="<!-- $1:end -->" '
		$0 == end { p = 0 } p { print } $0 == begin { p = 1 }' "$readme"
}

want=$("$PSUP_BIN/psup" help options --markdown)
if [ "$(section options)" = "$want" ]; then pass "README options table matches psup help options"
else fail "README options table matches psup help options (run scripts/readme-options.sh)"; fi

want=$("$PSUP_BIN/psup-worker" help job --markdown)
if [ -n "$want" ] && [ "$(section job-options)" = "$want" ]; then
	pass "README job file table matches psup-worker help job"
else
	fail "README job file table matches psup-worker help job (run scripts/readme-options.sh)"
fi

missing=""
for cmd in $("$PSUP_BIN/psup" --help | awk '/^commands:/ { p = 1; next } /^$/ { p = 0 } p && /^  [a-z]/ { print $1 }'); do
	grep -q "^| \`psup $cmd" "$readme" || missing="$missing $cmd"
done
is "$missing" "" "every psup command has a row in the README"
