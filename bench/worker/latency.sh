# The job stores with an API that takes a fixed time to answer, sourced by
# worker/stores.sh (which gives S, WORKER, QUICK, SPIDS, emit, fresh and
# items). Against nginx's /ok one worker and nginx already keep a small
# machine's CPUs busy, so adding workers there measures CPU; a real API
# answers in 0.3-30 s, and workers are added because each one's
# concurrency is bounded while the API is the wait. Here psup-testapi
# holds every answer LAT_DELAY_MS (suspended, no thread held), so K
# workers of concurrency LAT_CONC do at most K x LAT_CONC / delay items a
# second: what falls short of that is the workers' and the store's doing.
#   lat_start        starts psup-testapi (LAT_API_PID, for the caller's
#                    cleanup) and writes the job file; fails when it cannot
#   lat_scale KIND   1, 2, 4 and 8 workers on one job in a store of KIND
#   lat_job KIND     4 workers on a fresh job, start to end (below)
# One job, its workers added in steps (1, then 2, 4, 8): each step's rate
# is the items committed over LAT_MEASURE_S seconds once the step's new
# workers have settled. A job's own start and end are left out on purpose:
# a first run's slow start takes about 0.7 s at this delay, and a worker
# claims seconds of its pace at a time, so at a job's end one worker can
# hold what the others could have shared (bench/README.md). Those are
# costs of a job, the same whatever the store; this measures whether the
# store lets K workers keep up.
LAT_DELAY_MS=${LAT_DELAY_MS:-200} LAT_CONC=${LAT_CONC:-64}
# lat_job's job: this many seconds of 4 workers' ideal pace.
LAT_JOB_S=5
[ "$QUICK" != 1 ] || LAT_JOB_S=3
# A worker's answers come back in bursts (its whole window, one delay
# after the last), so a window timed by the clock of its reads swung by a
# burst (+-7 % over 1.5 s): it runs from the newest commit seen at its start
# to the newest at its end (lat_done), about LAT_PERIODS delays apart.
LAT_SETTLE_S=0.6 LAT_PERIODS=8
[ "$QUICK" != 1 ] || LAT_PERIODS=5
LAT_MEASURE_S=$(echo "$LAT_PERIODS $LAT_DELAY_MS" | awk '{ printf "%.3f", $1 * $2 / 1000 }')
# The first step waits out the slow start of the job's first worker too.
LAT_FIRST_SETTLE_S=1.5
LAT_IDEAL1=$((LAT_CONC * 1000 / LAT_DELAY_MS))
# Enough items that the job never runs dry: the four steps (15 workers'
# worth of steps) and, at the end, 5 s of pace claimed by each of the 8.
LAT_ITEMS=$(echo "$LAT_IDEAL1 $LAT_SETTLE_S $LAT_MEASURE_S $LAT_FIRST_SETTLE_S" |
    awk '{ printf "%d", $1 * (15 * ($2 + $3 + 0.5) + $4 + 8 * 5) }')
LAT_API_PID=

lat_start() {
	local api=${PSUP_TESTAPI:-$ROOT/bin/psup-testapi}
	[ -x "$api" ] || { log "worker: $api is not built (make bin/psup-testapi): no latency rows"; return 1; }
	"$api" --port 0 --port-file "$S/lat.port" --threads 2 \
	    --delay-ms "$LAT_DELAY_MS" --max-records 0 --max-seconds 3600 >"$S/lat.out" 2>&1 &
	LAT_API_PID=$!
	poll_until 10000 test -s "$S/lat.port" || { log "worker: psup-testapi did not start: no latency rows"; return 1; }
	sed "s|^  url: .*|  url: http://127.0.0.1:$(cat "$S/lat.port")/v1/chat/completions|; s|^  concurrency: .*|  concurrency: $LAT_CONC|" \
	    "$S/ok.yaml" >"$S/lat.yaml"
	items "$LAT_ITEMS" "$S/lat.jsonl"
	mkdir -p "$S/lathome" && chmod 700 "$S/lathome"
}

# lat_done STORE: the job's items done and the newest one's finish (ms,
# the commit's clock): the window runs from commit to commit, so how long
# a `status` call takes does not move it.
lat_done() {
	"$WORKER" status --job "$1" --json 2>/dev/null | jq -r '"\(.done) \(.last_finish_ms)"'
}

lat_scale() {
	local kind=$1 store k i pids="" have=0 d0 d1 t0 t1 c0 c1 a0 a1 wp rate one="" four="" left
	store=$(fresh "$kind")
	"$WORKER" init --job "$store" --input "$S/lat.jsonl" >/dev/null 2>&1 || { log "worker: init failed ($kind)"; return; }
	emit lat_delay_ms "$LAT_DELAY_MS"
	emit lat_conc "$LAT_CONC"
	for k in 1 2 4 8; do
		for i in $(seq $((have + 1)) "$k"); do
			PSUP_HOME=$S/lathome timeout -s KILL 600 "$WORKER" run --job "$store" --config "$S/lat.yaml" \
			    --name "l$i" >"$S/l$i.out" 2>"$S/l$i.err" &
			pids="$pids $!"
			SPIDS="$SPIDS $!"
		done
		have=$k
		if [ "$k" = 1 ]; then sleep "$LAT_FIRST_SETTLE_S"; else sleep "$LAT_SETTLE_S"; fi
		wp=$(descendants $pids)   # the workers, under timeout(1)
		read -r d0 t0 <<<"$(lat_done "$store")"
		c0=$(cpu_ns $wp) a0=$(cpu_ns "$LAT_API_PID")
		sleep "$LAT_MEASURE_S"
		read -r d1 t1 <<<"$(lat_done "$store")"
		c1=$(cpu_ns $wp) a1=$(cpu_ns "$LAT_API_PID")
		rate=$(echo "$d0 $d1 $t0 $t1" | awk '$4 > $3 { printf "%.0f", ($2 - $1) / (($4 - $3) / 1e3) }')
		[ -n "$rate" ] || { log "worker: nothing committed in a window ($kind, $k workers)"; break; }
		emit "lat_ideal_rps_$k" $((k * LAT_IDEAL1))
		emit "lat_rps_${k}_$kind" "$rate"
		emit "lat_pct_${k}_$kind" "$(echo "$rate $k $LAT_IDEAL1" | awk '{ printf "%.1f", 100 * $1 / ($2 * $3) }')"
		[ -n "$one" ] || one=$rate
		case $k in 2|4) emit "lat_x${k}_$kind" "$(echo "$rate $one" | awk '{ printf "%.2f", $1 / $2 }')" ;; esac
		[ "$k" = 4 ] && four=$rate
		[ "$k" = 8 ] && emit "lat_x8of4_$kind" "$(echo "$rate $four" | awk '{ printf "%.2f", $1 / $2 }')"
		# The workers' CPU per item (constant as K grows: no one spins on
		# the store) and the API's CPU as a share of one CPU (far from
		# 100 %: it is not what bounds the rate).
		[ "$d1" -le "$d0" ] || emit "lat_cpu_us_${k}_$kind" "$(echo "$c0 $c1 $d0 $d1" | awk '{ printf "%.1f", ($2 - $1) / 1e3 / ($4 - $3) }')"
		[ "$k" != 8 ] || emit "lat_api_cpu_pct_8_$kind" "$(echo "$a0 $a1 $t0 $t1" | awk '{ printf "%.1f", 100 * ($2 - $1) / 1e6 / ($4 - $3) }')"
	done
	kill_pids $pids
	for i in $pids; do wait "$i" 2>/dev/null; done
	left=$("$WORKER" status --job "$store" --json 2>/dev/null | jq .pending)
	[ "${left:-0}" -gt 0 ] || log "worker: the ${LAT_DELAY_MS} ms job on $kind ran dry: its last rates are low"
	[ "$kind" != sqlite ] || emit lat_busy_sqlite "$(cat "$S"/l*.err | grep -ci 'busy\|locked')"
}

# lat_job KIND: what lat_scale leaves out, as a user sees it: 4 workers
# started together on a fresh job of LAT_JOB_S seconds of their ideal
# pace, timed from their start to the last one's exit, with a home of
# its own (nothing learned of the API: the first run's slow start), and
# the end where the last claims are shared out.
lat_job() {
	local kind=$1 store n i pids="" t0 t1
	n=$((4 * LAT_IDEAL1 * LAT_JOB_S))
	store=$(fresh "$kind")
	head -n "$n" "$S/lat.jsonl" >"$S/latjob.jsonl"
	"$WORKER" init --job "$store" --input "$S/latjob.jsonl" >/dev/null 2>&1 || { log "worker: init failed ($kind)"; return; }
	rm -rf "$S/latjobhome" && mkdir -m 700 "$S/latjobhome"
	t0=$(now_ns)
	for i in 1 2 3 4; do
		PSUP_HOME=$S/latjobhome timeout -s KILL 600 "$WORKER" run --job "$store" --config "$S/lat.yaml" \
		    --name "j$i" >"$S/j$i.out" 2>"$S/j$i.err" &
		pids="$pids $!"
		SPIDS="$SPIDS $!"
	done
	for i in $pids; do wait "$i"; done   # each bounded by timeout(1)
	t1=$(now_ns)
	emit lat_job_ideal_s "$LAT_JOB_S"
	emit "lat_job_s_$kind" "$(echo "$t0 $t1" | awk '{ printf "%.2f", ($2 - $1) / 1e9 }')"
	[ "$("$WORKER" status --job "$store" --json 2>/dev/null | jq .done)" = "$n" ] ||
	    log "worker: the fresh $kind job of $n items did not finish"
}
