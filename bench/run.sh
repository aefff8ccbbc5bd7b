#!/bin/bash
# Runs every benchmark in one go and writes bench/results/<date>.md.
#   bench/run.sh [--quick] [--only SCENARIO[,SCENARIO]] [--sv LIST] [--reps N]
#                [--fleet-reps N] [--worker-reps N] [--idle SECONDS]
# Scenarios: idle start restart logs control stop survival fleet (supervisors),
#            worker (psup-worker against a private nginx, and the job stores);
#            limits (the provider x rpm matrix against psup-testapi, ~40 min)
#            runs only when named in --only.
# Supervisors: pm2 supervisord runit psup (psup is skipped when bin/psup is
# missing or does not run). Repetitions are interleaved (rep 1 of every
# supervisor, then rep 2, ...) so machine drift hits all of them alike. The
# fleet (1,000 apps) runs --fleet-reps times (default 1): it takes about 9
# minutes a repetition, pm2's steps running into their 60 s bound. The worker's runs against nginx run
# --worker-reps times (default 1: they are paced by nginx's limits), its
# job-store runs --reps times.
set -u
# Everything is in main(), read whole before it runs: editing this file
# during a run cannot change the run.
main() {
ARGS="$*"
BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "$0")" && pwd)}
export BENCH_DIR
. "$BENCH_DIR/lib.sh"

# A full run must fit in about half an hour on a 2-vCPU machine with four
# supervisors: the restart windows are 10 s; the idle window stays 30 s
# (pm2's daemon does its periodic work every 30 s: a shorter window may
# miss it) and logs stay at 200 MB (a smaller file would be written in
# less than ten 20 ms polls by the fastest supervisors).
REPS=3 IDLE_S=30 LOG_LINES=2000000 RESTART_WINDOW_S=10 GUARD_WINDOW_S=10 FLEET_DEF=1000
ONLY="idle,start,restart,logs,control,stop,survival,fleet,worker"
FLEET_REPS=1 WORKER_REPS=1
SVS="pm2 supervisord runit psup"
QUICK=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1; REPS=1; IDLE_S=5; LOG_LINES=500000; RESTART_WINDOW_S=5; GUARD_WINDOW_S=8; FLEET_DEF=200 ;;
	--only) ONLY=$2; shift ;;
	--sv) SVS=$2; shift ;;
	--reps) REPS=$2; shift ;;
	--fleet-reps) FLEET_REPS=$2; shift ;;
	--worker-reps) WORKER_REPS=$2; shift ;;
	--idle) IDLE_S=$2; shift ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
FLEET_N=${FLEET_N:-$FLEET_DEF}   # the environment may set the fleet size
export IDLE_S LOG_LINES RESTART_WINDOW_S GUARD_WINDOW_S FLEET_N

for t in stampapp logwriter logcheck termignore; do
	[ -x "$TOOLS/$t" ] || make -C "$BENCH_DIR" tools >/dev/null || exit 1
done
avail=
for sv in $SVS; do
	case $sv in
	pm2) [ -x "$BENCH_DIR/.tools/node_modules/.bin/pm2" ] ;;
	supervisord) command -v supervisord >/dev/null ;;
	runit) command -v runsvdir >/dev/null ;;
	psup) [ -x "${PSUP_BIN:-$ROOT/bin}/psup" ] && "${PSUP_BIN:-$ROOT/bin}/psup" --version >/dev/null 2>&1 ;;
	esac && avail="$avail $sv" || log "skipping $sv: not installed or not built (bench/setup.sh)"
done

# scenario folders are deleted at the end (lib.sh, discard)
BENCH_TRASH=$(mktemp -d /tmp/psup-bench-trash.XXXXXX)
export BENCH_TRASH
trap 'rm -rf "$BENCH_TRASH"' EXIT

mkdir -p "$BENCH_DIR/results"
stamp=$(date -u +%Y-%m-%dT%H%M%S)
RAW=$BENCH_DIR/results/$stamp.raw
OUT=$BENCH_DIR/results/$stamp.md
: >"$RAW"

# One scenario, one supervisor, one repetition, in a subshell of its own.
run_one() {
	local scn=$1 sv=$2 rep=$3
	log "$scn: $sv (rep $rep/$REPS)"
	(
		SV=$sv
		. "$BENCH_DIR/adapters/common.sh"
		[ "$sv" != file ] && . "$BENCH_DIR/adapters/$sv.sh"
		. "$BENCH_DIR/scenarios/supervisor.sh"
		W=$(mktemp -d /tmp/psup-bench.XXXXXX)
		STAMPS=$W/stamps
		mkdir -p "$STAMPS"
		trap 'discard "$W"' EXIT
		if [ "$sv" = file ]; then scn_logs_direct; else "scn_$scn"; fi
	) | while read -r metric value; do
		if [ "$metric" = note ]; then
			printf '%s\t%s\t%s\tnote\t%s\n' "$scn" "$sv" "$rep" "$value"
		else
			printf '%s\t%s\t%s\t%s\t%s\n' "$scn" "$sv" "$rep" "$metric" "$value"
		fi
	done >>"$RAW"
}

start_s=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
took=   # "scenario seconds, ..." for the header: where a run's time goes
for scn in idle start restart logs control stop survival fleet; do
	case ",$ONLY," in *",$scn,"*) ;; *) continue ;; esac
	t_scn=$(date +%s)
	reps=$REPS; [ "$scn" = fleet ] && reps=$FLEET_REPS
	for rep in $(seq 1 "$reps"); do
		# Every other repetition runs the supervisors in reverse order: one
		# that follows another pays for what the other left behind (a
		# keeper writing logs right after supervisord did was seen to spend
		# 3x the CPU per byte in the page cache), so no one always goes last.
		order=$avail
		[ $((rep % 2)) = 0 ] && order=$(printf '%s\n' $avail | tac | tr '\n' ' ')
		for sv in $order; do run_one "$scn" "$sv" "$rep"; done
		[ "$scn" = logs ] && run_one logs file "$rep"
	done
	took="$took${took:+, }$scn $(( $(date +%s) - t_scn )) s"
done
case ",$ONLY," in *",worker,"*)
	t_scn=$(date +%s)
	"$BENCH_DIR/worker/run.sh" "$RAW" "$WORKER_REPS" "$QUICK" "$REPS"
	took="$took${took:+, }worker $(( $(date +%s) - t_scn )) s" ;;
esac
LIMITS_MD=$BENCH_DIR/results/$stamp.limits.md
case ",$ONLY," in *",limits,"*)
	t_scn=$(date +%s)
	"$BENCH_DIR/worker/limits.sh" "$LIMITS_MD" "$QUICK"
	took="$took${took:+, }limits $(( $(date +%s) - t_scn )) s" ;;
esac

{
	echo "# psup benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)."
	echo "Versions: $(for sv in $avail; do ( . "$BENCH_DIR/adapters/common.sh"; . "$BENCH_DIR/adapters/$sv.sh"; printf '%s %s; ' "$sv" "$(sv_version)" ); done)"
	echo "Command: \`bench/run.sh $ARGS\` — $REPS repetition(s), idle window ${IDLE_S} s, log size $((LOG_LINES / 10000)) MB; took $(( $(date +%s) - start_s )) s ($took)."
	case ",$ONLY," in *",worker,"*)
		echo "Worker: $WORKER_REPS repetition(s) against nginx (\`--worker-reps\`), $REPS of the job stores." ;;
	esac
	case ",$ONLY," in *",fleet,"*)
		echo "Fleet (scenario 8): $FLEET_N apps, $FLEET_REPS repetition(s) for every supervisor (\`--fleet-reps\`): its steps take minutes with pm2, so its cells are a single run unless a range is shown." ;;
	esac
	echo "Load average (1/5/15 min) before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	python3 "$BENCH_DIR/report.py" "$RAW" "$avail"
	[ ! -s "$LIMITS_MD" ] || { echo; cat "$LIMITS_MD"; }
} >"$OUT"
log "wrote $OUT"
cat "$OUT"
}
main "$@"
