#!/bin/sh
# Rewrites the README's option tables from the programs' own tables: the
# ecosystem options from `psup help options --markdown`, the job file options
# from `psup-worker help job --markdown`. tests/e2e/70-readme.t checks they
# agree.
set -eu
cd "$(dirname "$0")/.."
bin=${PSUP_BIN:-bin}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# replace MARK TABLE: the lines between <!-- MARK:begin --> and
# <!-- MARK:end --> become TABLE.
replace() {
	awk -v table="$2" -v begin="<!-- $1:begin -->" -v end="<!-- $1:end -->" '
		$0 == begin { print; print table; skip = 1; next }
		$0 == end { skip = 0 }
		!skip { print }
	' README.md > "$tmp"
	cat "$tmp" > README.md
}

replace options "$("$bin/psup" help options --markdown)"
replace job-options "$("$bin/psup-worker" help job --markdown)"
