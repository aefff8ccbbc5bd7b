#!/bin/bash
# Runs pm2's own end-to-end test scripts (test/e2e of pm2's repository)
# with `pm2` meaning psup, and reports which pass: how far a pm2 user's
# habits carry over, measured by tests nobody here wrote. A measurement,
# not a test: CI does not run it (it needs pm2's sources from GitHub).
#
#   bench/pm2-suite.sh                 # every script of the folders below
#   bench/pm2-suite.sh cli/reset.sh    # some scripts
#   PM2_SRC=DIR bench/pm2-suite.sh     # a pm2 checkout already here
#
# pm2's scripts find their `pm2` as bin/pm2 under the directory they run
# from: here a two-line wrapper that runs psup with a private PSUP_HOME
# (and HOME, which some scripts write under). Each script runs once (pm2's
# own runner retries a failed one), bounded at PM2_SUITE_BOUND seconds
# (400: internals/infinite-loop.sh waits six minutes by itself).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
PM2_TAG=${PM2_TAG:-v7.0.3}
bound=${PM2_SUITE_BOUND:-400}
src=${PM2_SRC:-$here/.tools/pm2-src}
psup=$root/bin/psup
[ -x "$psup" ] || { echo "pm2-suite: build psup first (make)" >&2; exit 1; }

if [ ! -d "$src/test/e2e" ]; then
	echo "pm2-suite: fetching pm2 $PM2_TAG into $src" >&2
	git clone -q --depth 1 --branch "$PM2_TAG" https://github.com/Unitech/pm2 "$src" ||
		{ echo "pm2-suite: cannot fetch pm2's sources (set PM2_SRC)" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/pm2-suite.XXXXXX)
mkdir -p "$work/bin" "$work/home" "$work/logs" "$work/psup-home"
chmod 700 "$work/psup-home"
cp -r "$src/test" "$work/test"
cat > "$work/bin/pm2" <<EOF
#!/bin/sh
exec "$psup" "\$@"
EOF
chmod +x "$work/bin/pm2"
export PSUP_HOME="$work/psup-home" HOME="$work/home"

if [ $# -gt 0 ]; then
	scripts=("$@")
else
	scripts=()
	for d in cli process-file logs misc internals; do
		for f in "$work/test/e2e/$d"/*.sh; do
			scripts+=("$d/$(basename "$f")")
		done
	done
fi

stamp=$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p "$here/results"
report="$here/results/pm2-suite-$stamp.md"
pass=0 fail=0
{
	echo "# pm2's end-to-end scripts with psup as pm2 ($stamp)"
	echo
	echo "pm2 $PM2_TAG ($src); $("$psup" --version 2>/dev/null)."
	echo
	echo "| script | result | checks passed | first failed check |"
	echo "|---|---|---|---|"
} > "$report"
for s in "${scripts[@]}"; do
	log="$work/logs/${s//\//_}.log"
	# a session of its own (setsid, not a group leader here, does not
	# fork: $! is the session's id), so that what the script leaves
	# running (pm2's log-namespace.sh leaves two `pm2 logs` following)
	# is stopped with it; apps run in their keepers' groups, stopped by
	# psup kill
	(cd "$work" && exec setsid timeout "$bound" bash "test/e2e/$s") > "$log" 2>&1 &
	sid=$!
	wait "$sid"
	rc=$?
	kill -- "-$sid" 2>/dev/null
	"$psup" kill > /dev/null 2>&1
	checks=$(grep -c '✔' "$log")
	first=$(grep -m1 '✘' "$log" | sed 's/^#* *✘ *//; s/|/\\|/g')
	if [ "$rc" -eq 0 ]; then
		result=pass; pass=$((pass + 1))
	else
		result=fail; fail=$((fail + 1))
		[ "$rc" -eq 124 ] && first="timed out after $bound s${first:+; $first}"
	fi
	echo "| $s | $result | $checks | $first |" >> "$report"
	printf '%-36s %s\n' "$s" "$result"
done
echo >> "$report"
echo "$pass of $((pass + fail)) scripts pass." >> "$report"
echo "pm2-suite: $pass of $((pass + fail)) pass; report $report; logs $work/logs" >&2
