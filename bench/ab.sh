#!/bin/bash
# Two builds of psup side by side, interleaved on the same machine and load
# (a loaded machine drifts too much between separate runs):
#   bench/ab.sh BEFORE AFTER [N] [ROUNDS]
# BEFORE and AFTER are trees with bin/psup and bin/psup-keeper (build the
# older one from `git archive COMMIT | tar -x -C DIR && make -C DIR all`).
# Each round runs BEFORE then AFTER: N stampapps (default 100) started with
# the daemon up until the last one exec'd; `jlist` 5 times 0.6 s apart
# (past the 250 ms cache), median; PSS of daemon and keepers; `kill`. Prints
# one line per run, then the medians. Everything in a mktemp -d directory,
# stopped with `psup kill`, deleted when the script ends.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
STAMPAPP=$BENCH_DIR/.tools/bin/stampapp
[ -x "$STAMPAPP" ] || make -C "$BENCH_DIR" tools >/dev/null || exit 1
[ $# -ge 2 ] || { sed -n '2,11p' "$0"; exit 2; }
BEFORE=$1 AFTER=$2 N=${3:-100} ROUNDS=${4:-3}

now_ns() { date +%s%N; }

# one_run TREE: prints "start_ms jlist_ms pss_kib kill_ms"
one_run() {
	local b=$1/bin w last t0 t1 js pss p v
	w=$(mktemp -d /tmp/psup-ab.XXXXXX)
	mkdir -p "$w/home" "$w/logs" "$w/stamps"
	chmod 700 "$w/home"
	{ echo "log_dir: $w/logs"; echo "apps:"
	  for i in $(seq 1 "$N"); do
		printf '  - name: app%d\n    script: %s\n    args: "%s"\n' "$i" "$STAMPAPP" "$w/stamps/app$i"
	  done; } >"$w/eco.yaml"
	export PSUP_HOME=$w/home
	"$b/psup" ping >/dev/null
	sleep 0.5
	t0=$(now_ns)
	"$b/psup" start "$w/eco.yaml" >/dev/null
	for _ in $(seq 1 3000); do
		[ "$(cat "$w"/stamps/* 2>/dev/null | wc -l)" -ge "$N" ] && break
		sleep 0.02
	done
	last=$(cat "$w"/stamps/* | awk '{ print $1 }' | sort -n | tail -1)
	sleep 1.5
	js=$(for _ in 1 2 3 4 5; do
		t1=$(now_ns); "$b/psup" jlist >/dev/null
		echo "$(( ($(now_ns) - t1) / 1000 ))"; sleep 0.6
	     done | sort -n | sed -n 3p)
	pss=0
	for p in $(cat "$w/home/psup.pid") $(sed -n 's/.*keeper_pid=\([0-9]*\).*/\1/p' "$w"/home/run/*/status "$w"/home/apps/*/status 2>/dev/null); do
		v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
		pss=$((pss + ${v:-0}))
	done
	t1=$(now_ns)
	"$b/psup" kill >/dev/null
	echo "$(( (last - t0) / 1000000 )) $((js / 1000)).$(( (js % 1000) / 100 )) $pss $(( ($(now_ns) - t1) / 1000000 ))"
	# deleted at the end: files freed now would make the next run's file
	# creations dearer (see discard in lib.sh)
	mv "$w" "$TRASH/"
}

: >/tmp/psup-ab.$$.before
: >/tmp/psup-ab.$$.after
TRASH=$(mktemp -d /tmp/psup-ab-trash.XXXXXX)
trap 'rm -rf /tmp/psup-ab.$$.before /tmp/psup-ab.$$.after "$TRASH"' EXIT
for r in $(seq 1 "$ROUNDS"); do
	for side in before after; do
		tree=$BEFORE
		[ "$side" = after ] && tree=$AFTER
		res=$(one_run "$tree")
		echo "$res" >>"/tmp/psup-ab.$$.$side"
		echo "round $r $side: start $(echo "$res" | cut -d' ' -f1) ms, jlist $(echo "$res" |
		    cut -d' ' -f2) ms, PSS $(echo "$res" | cut -d' ' -f3) KiB, kill $(echo "$res" |
		    cut -d' ' -f4) ms, load $(cut -d' ' -f1 /proc/loadavg)"
	done
done
for side in before after; do
	awk -v side="$side" -v n="$N" '
	{ for (i = 1; i <= 4; i++) v[i, NR] = $i }
	END {
		for (i = 1; i <= 4; i++) {
			for (a = 1; a <= NR; a++) s[a] = v[i, a]
			for (a = 1; a <= NR; a++) for (b = a + 1; b <= NR; b++)
				if (s[b] + 0 < s[a] + 0) { t = s[a]; s[a] = s[b]; s[b] = t }
			m[i] = NR % 2 ? s[(NR + 1) / 2] : (s[NR / 2] + s[NR / 2 + 1]) / 2
		}
		printf "%s, %d apps, medians: start %s ms, jlist %s ms, PSS %.1f MiB, kill %s ms\n",
		    side, n, m[1], m[2], m[3] / 1024, m[4]
	}' "/tmp/psup-ab.$$.$side"
done
