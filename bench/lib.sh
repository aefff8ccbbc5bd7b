# Shared helpers for bench scripts (sourced). Plain sh + /proc; no pkill.

BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "$0")" && pwd)}
TOOLS=$BENCH_DIR/.tools/bin
ROOT=$(dirname "$BENCH_DIR")

now_ns() { date +%s%N; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# discard DIR: a scenario's folder, done with. On ext4 without a journal
# (this benchmark's machines) a new inode skips every inode freed in the
# last 1-6 minutes, reading each one's dtime: deleting a scenario's
# thousands of files made the next scenario's file creations several
# times dearer for every supervisor (seen in profiles: 82 % of a start in
# recently_deleted). So a folder goes to $BENCH_TRASH, deleted when the
# run ends; only its big files (logs) go at once, which frees blocks and
# few inodes. Without BENCH_TRASH, it is deleted.
discard() {
	[ -d "$1" ] || return 0
	if [ -n "${BENCH_TRASH:-}" ] && [ -d "$BENCH_TRASH" ]; then
		find "$1" -xdev -type f -size +1M -delete 2>/dev/null
		mv "$1" "$BENCH_TRASH/" 2>/dev/null && return 0
	fi
	rm -rf "$1"
}

# stamps_reset: an empty $STAMPS for the next step, the old stamps (up to
# one file per app) discarded, not deleted, for the same reason.
stamps_reset() {
	_sr=$STAMPS.old.$$.$(now_ns)
	if [ -d "$STAMPS" ] && mv "$STAMPS" "$_sr"; then discard "$_sr"; fi
	mkdir -p "$STAMPS"
}

# poll_until DEADLINE_MS CMD...: runs CMD every 10 ms until it succeeds or
# DEADLINE_MS milliseconds pass. Returns CMD's last status.
poll_until() {
	_pu_end=$(( $(now_ms) + $1 )); shift
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -ge "$_pu_end" ] && return 1
		sleep 0.01
	done
}

# bounded SECONDS CMD...: runs CMD (a function too) in the background and
# waits for it at most SECONDS; past that kills it and what it started, by
# pid, and returns 124 (as timeout(1) does). Else returns CMD's status.
bounded() {
	_bd_s=$1; shift
	"$@" &
	_bd_p=$!
	if poll_until "$((_bd_s * 1000))" eval '! alive $_bd_p'; then
		wait "$_bd_p"
		return
	fi
	kill_pids $_bd_p $(descendants $_bd_p)
	wait "$_bd_p" 2>/dev/null
	return 124
}

alive() { [ -n "$1" ] && [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# descendants PID...: every descendant (not the pids themselves).
descendants() {
	# cat, not awk on the files: a process that exits mid-scan must not
	# abort the scan (mawk stops at a file it cannot open).
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v roots="$*" '
	BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1 }
	{ pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " "); parent[pid] = f[2] }
	END {
		changed = 1
		while (changed) { changed = 0
			for (p in parent) if (!(p in want) && (parent[p] in want)) { want[p] = 1; out[p] = 1; changed = 1 } }
		for (p in out) print p
	}'
}
ppid_of() { awk '{ sub(/^.*\) /, ""); print $2 }' "/proc/$1/stat" 2>/dev/null; }

# pss_kib PID...: summed proportional set size in KiB.
pss_kib() {
	_t=0
	for _p in "$@"; do
		_v=$(awk '/^Pss:/ { print $2 }' "/proc/$_p/smaps_rollup" 2>/dev/null)
		_t=$(( _t + ${_v:-0} ))
	done
	echo "$_t"
}
# hwm_kib PID...: summed peak RSS (VmHWM) in KiB.
hwm_kib() {
	_t=0
	for _p in "$@"; do
		_v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$_p/status" 2>/dev/null)
		_t=$(( _t + ${_v:-0} ))
	done
	echo "$_t"
}
# cpu_ns PID...: CPU time used so far by every thread of the pids, in ns
# (schedstat: finer than the 10 ms ticks of /proc/PID/stat).
cpu_ns() {
	for _p in "$@"; do cat /proc/"$_p"/task/*/schedstat 2>/dev/null; done |
	awk '{ t += $1 } END { printf "%.0f\n", t }'
}

# wakeups PID...: context switches so far of every thread (each one a wake-up
# or a preemption): an idle event loop adds none.
wakeups() {
	for _p in "$@"; do cat /proc/"$_p"/task/*/status 2>/dev/null; done |
	awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ { t += $2 } END { printf "%d\n", t }'
}

# kill_pids PID...: SIGTERM, wait up to 2 s, then SIGKILL what is left.
kill_pids() {
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null
	_kp_end=$(( $(now_ms) + 2000 ))
	while [ "$(now_ms)" -lt "$_kp_end" ]; do
		_left=
		for _p in "$@"; do alive "$_p" && _left="$_left $_p"; done
		[ -z "$_left" ] && return 0
		sleep 0.05
	done
	for _p in "$@"; do alive "$_p" && kill -KILL "$_p" 2>/dev/null; done
	return 0
}

# The pids apps recorded (stampapp/termignore files under a stamp dir).
stamped_pids() {
	cat "$1"/* 2>/dev/null | awk '{ print $NF }' | sort -u
}

# Statistics over numbers on stdin: "median min max" (%.*f with $1 digits).
stats() {
	sort -g | awk -v d="${1:-1}" '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a n/a n/a"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.*f %.*f %.*f\n", d, m, d, v[1], d, v[NR] }'
}

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
