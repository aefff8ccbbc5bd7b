#!/bin/sh
# Rewrites the README's ecosystem options table from `psup help options
# --markdown` (the loader's own table). tests/e2e/70-readme.t checks they agree.
set -eu
cd "$(dirname "$0")/.."
psup=${PSUP_BIN:-bin}/psup
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk -v table="$("$psup" help options --markdown)" '
	/<!-- options:begin -->/ { print; print table; skip = 1; next }
	/<!-- options:end -->/ { skip = 0 }
	!skip { print }
' README.md > "$tmp"
cat "$tmp" > README.md
