#!/bin/sh
# An idle psup makes no wake-ups: once its apps are up and past min_uptime,
# neither the daemon nor a keeper runs at all until something happens. A
# process that never wakes gains no context switch in /proc/PID/status, so
# the check does not depend on how loaded the machine is.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 6

cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: idle
    script: $H/sleeper
    instances: 3
    min_uptime: 200ms
EOF

psup start "$TMPD/eco.yaml" > "$TMPD/out" 2>&1
is "$?" 0 "start: exit 0"
ok "three apps online" wait_for -t 20 all_state online idle-1 idle-2 idle-3

DPID=$(daemon_pid)
KPIDS=$(psup jlist | jq -r '.[].keeper_pid')
is "$(echo "$KPIDS" | grep -c '^[1-9][0-9]*$')" 3 "three keepers known"

# switches PID...: the context switches of each, on one line.
switches() {
	for _p in "$@"; do
		awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { printf "%s ", s }' \
			"/proc/$_p/status" 2>/dev/null || printf 'gone '
	done
}

# settled: a second passes without any of them running (start-up work and
# the min_uptime deadline are over).
settled() {
	_a=$(switches $DPID $KPIDS)
	sleep 1
	[ "$_a" = "$(switches $DPID $KPIDS)" ]
}
ok "daemon and keepers settle" wait_for -t 30 settled

# The window itself: no command may talk to the daemon during it.
before=$(switches $DPID $KPIDS)
sleep 3
after=$(switches $DPID $KPIDS)
is "$after" "$before" "no wake-up in 3 s (daemon, then each keeper)"

# and they still answer afterwards
ok "the daemon answers after the idle window" pingq
