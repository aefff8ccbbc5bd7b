#!/bin/sh
# A fleet of 250 apps: start, stop all, restart all, delete all each exit 0
# with a one-line count, the daemon answers jlist while they run, and
# nothing is left; then a daemon started under a low descriptor limit says
# why it cannot reach every keeper instead of timing out, and `kill` still
# ends everything.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 21
N=250

cat > "$TMPD/fleet.yaml" <<EOF
apps:
  - name: fleet
    script: $H/sleeper
    instances: $N
    kill_timeout: 5s
EOF

running() { [ "$(psup jlist | jq '[.[] | select(.state == "online" and .pid > 0)] | length')" = "$1" ]; }
stopped() { [ "$(psup jlist | jq '[.[] | select(.state == "stopped")] | length')" = "$1" ]; }

# fleet CMD: runs `psup CMD` in the background while jlist is asked every
# 100 ms; sets RC, OUT, JL_OK (jlists answered, with all N apps) and JL_BAD.
fleet() {
	psup "$@" > "$TMPD/fleet.out" 2>&1 &
	_fp=$!
	track_pid "$_fp"
	JL_OK=0 JL_BAD=0
	while pid_alive "$_fp"; do
		if [ "$(psup jlist 2>/dev/null | jq length 2>/dev/null)" = "$N" ]; then
			JL_OK=$((JL_OK + 1))
		else
			JL_BAD=$((JL_BAD + 1))
		fi
		sleep 0.1
	done
	wait_exit "$_fp" 60
	RC=$WAIT_STATUS
	OUT=$(cat "$TMPD/fleet.out")
}

fleet start "$TMPD/fleet.yaml"
is "$RC" 0 "start: exit 0"
is "$OUT" "$N started" "start: one line"
ok "all $N run" wait_for -t 30 running "$N"
describe_json "$TMPD/d.json" fleet-1
like "$(jq -r '.apps[0].processes_by' "$TMPD/d.json")" "^(cgroup|keeper subtree|/proc scan)$" \
	"describe says how an app's processes are found"

fleet stop all
is "$RC" 0 "stop all: exit 0"
is "$OUT" "$N stopped" "stop all: one line"
ok "all $N are stopped at once" stopped "$N"
is "$JL_BAD" 0 "jlist answered with every app while they stopped ($JL_OK times)"
is "$(home_procs | wc -l)" "$(( $(home_keepers | wc -l) + 1 ))" "no app process is left, keepers and daemon remain"

fleet restart all
is "$RC" 0 "restart all: exit 0"
is "$OUT" "$N restarted" "restart all: one line"
ok "all $N run again" wait_for -t 30 running "$N"
is "$JL_BAD" 0 "jlist answered with every app while they started ($JL_OK times)"

fleet delete all
is "$RC" 0 "delete all: exit 0"
is "$OUT" "$N deleted" "delete all: one line"
is "$(psup jlist | jq length)" 0 "none is left in the list"
# only the daemon is left (home_procs is a function of this shell: no sh -c)
daemon_alone() { [ "$(home_procs | wc -l)" -eq 1 ]; }
ok "and nothing of them runs" wait_for -t 10 daemon_alone
psup kill > /dev/null 2>&1
ok "the daemon is gone" wait_for -t 10 no_home_procs

# A hard limit of 128 descriptors: the daemon reaches about 110 keepers.
# The start says so for the others in one line, promptly; they run all the
# same, and `kill` ends them.
( ulimit -n 128 && psup ping > /dev/null )
psup start "$TMPD/fleet.yaml" > "$TMPD/low.out" 2> "$TMPD/low.err"
is "$?" 1 "start past the descriptor limit: exit 1"
like "$(cat "$TMPD/low.err")" "^psup: fleet-[0-9]+: cannot reach its keeper: the daemon is short of descriptors \(it may hold 128; .*\(.* of $N apps\)$" \
	"and says why, in one line"
psup kill > /dev/null 2>&1
ok "kill ends every app, reached or not" wait_for -t 30 no_home_procs
