#!/bin/bash
# Worker scenarios: psup-worker and plain clients against a private
# nginx on 127.0.0.1. Called by bench/run.sh as
#   worker/run.sh RAWFILE REPS QUICK [STORE_REPS]
# (STORE_REPS: repetitions of worker/stores.sh; default REPS)
# and appends "worker<TAB>client<TAB>rep<TAB>metric<TAB>value" lines. The
# psup-worker column is named "psup" so the report gives its ratios.
set -u
BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$BENCH_DIR/lib.sh"
. "$BENCH_DIR/worker/nginx.sh"
RAW=$1 REPS=$2 QUICK=$3 STORE_REPS=${4:-$2}
WORKER=${PSUP_WORKER:-$ROOT/bin/psup-worker}

if [ "$QUICK" = 1 ]; then
	WRK_S=3 XARGS_N=1000 PAR_N=500 OK_ITEMS=5000 OK_RUNS=3 LIM_S=10 CRASH_ITEMS=1000 CM_N=30000
else
	WRK_S=10 XARGS_N=3000 PAR_N=1000 OK_ITEMS=20000 OK_RUNS=5 LIM_S=30 CRASH_ITEMS=2000 CM_N=100000
fi
# GNU time for CPU figures (not bash's keyword); none: those rows are left out.
GNU_TIME=$(command -v /usr/bin/time || true)

W=$(mktemp -d /tmp/psup-bench-worker.XXXXXX)
WPIDS=
cleanup() { kill_pids $WPIDS; nginx_stop; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
nginx_start "$W/nginx" || { log "worker: nginx did not start (bench/setup.sh)"; exit 0; }
URL=http://127.0.0.1:$NGX_PORT
emit() { printf 'worker\t%s\t%s\t%s\t%s\n' "$1" "$rep" "$2" "$3" >>"$RAW"; }
note() { printf 'worker\t%s\t%s\tnote\t%s\n' "$1" "$rep" "$2" >>"$RAW"; }

# The access log has one {"msec":T,"uri":"/path?query","status":S} per request
# ($request_uri: try_files rewrites $uri).
# count PATH STATUS: requests in the access log (flushed first).
count() { nginx_flush; grep -c "\"uri\":\"$1[?\"].*\"status\":$2}" "$W/nginx/access.log"; }
# span_s PATH: seconds between the first and last request to PATH.
span_s() {
	awk -F'[:,]' -v u="\"$1" 'index($4, u) == 1 { if (!f) f = $2; l = $2 } END { printf "%.3f\n", l - f }' "$W/nginx/access.log"
}
reset_log() { nginx_flush; : >"$W/nginx/access.log"; }

# ---- baselines: what a user would reach for ---------------------------------
baseline() {
	local r
	if [ -n "$GNU_TIME" ]; then
		r=$($GNU_TIME -f "%U %S" -o "$W/wrk.time" wrk -t1 -c64 -d"${WRK_S}s" "$URL/ok" 2>/dev/null |
		    awk '/ requests in / { print $1 } /Requests\/sec/ { printf "%.0f\n", $2 }')
		emit wrk cpu_us_per_item "$(echo "$r" | head -1 | awk -v f="$W/wrk.time" '{ getline t < f; split(t, c, " "); printf "%.1f", (c[1] + c[2]) * 1e6 / $1 }')"
		r=$(echo "$r" | tail -1)
	else
		r=$(wrk -t1 -c64 -d"${WRK_S}s" "$URL/ok" 2>/dev/null | awk '/Requests\/sec/ { printf "%.0f", $2 }')
	fi
	emit wrk rps_ok "$r"
	# The ceiling of a libcurl client: bench/tools/curlmulti, 64 at a time
	# over kept-alive connections, nothing done with the answers.
	local cm=$BENCH_DIR/.tools/bin/curlmulti out
	if [ -x "$cm" ]; then
		if [ -n "$GNU_TIME" ]; then
			out=$($GNU_TIME -f "%U %S" -o "$W/cm.time" "$cm" "$URL/ok" "$CM_N" 64 2>"$W/cm.err")
		else
			out=$("$cm" "$URL/ok" "$CM_N" 64 2>"$W/cm.err")
		fi
		if [ $? = 0 ]; then
			emit libcurl-multi rps_ok "$(echo "$out" | awk '{ printf "%.0f", $1 / $3 }')"
			[ -n "$GNU_TIME" ] && emit libcurl-multi cpu_us_per_item \
			    "$(awk -v n="$CM_N" '{ printf "%.1f", ($1 + $2) * 1e6 / n }' "$W/cm.time")"
		else
			note libcurl-multi "curlmulti failed: $(head -1 "$W/cm.err")"
		fi
	fi
	t0=$(now_ns)
	seq "$XARGS_N" | xargs -P 16 -I{} curl -s -m 10 -o /dev/null "$URL/ok?i={}"
	t1=$(now_ns)
	emit xargs-curl rps_ok "$(echo "$XARGS_N $t0 $t1" | awk '{ printf "%.0f", $1 / (($3 - $2) / 1e9) }')"
	# No pacing against the limit: curl's parallel mode, 20 at a time.
	reset_log
	seq "$PAR_N" | awk -v u="$URL/limited" '{ print "url = \"" u "?i=" $1 "\"\noutput = \"/dev/null\"" }' >"$W/curl.cfg"
	curl -s -m 60 -Z --parallel-max 20 -K "$W/curl.cfg" 2>/dev/null
	a=$(count /limited 200); t=$(count /limited 429)
	emit curl-parallel p429_pct "$(echo "$a $t" | awk '{ printf "%.1f", 100 * $2 / ($1 + $2) }')"
	emit curl-parallel accepted "$a"
}

# ---- psup-worker ---------------------------------------------------------------
items() { seq "$1" | awk '{ printf "{\"id\":\"i%d\",\"text\":\"item %d\"}\n", $1, $1 }' >"$2"; }
# jobfile FILE PATH RPM CONCURRENCY [SHARED] [LEASE]
jobfile() {
	{
		echo "request:"
		echo "  method: GET"
		echo "  url: $URL$2"
		echo "  timeout: 60s"
		echo "response:"
		echo "  extract: /choices/0/message/content"
		echo "limits:"
		echo "  concurrency: $4"
		[ "$3" != 0 ] && echo "  rpm: $3"
		[ -n "${5:-}" ] && echo "  shared: $5"
		echo "retry:"
		echo "  max_attempts: 20"
		echo "  base_delay: 100ms"
		echo "  max_delay: 5s"
		echo "lease: ${6:-5m}"
	} >"$1"
}
# new_job NAME N: a fresh SQLite job with N items; prints the store path.
new_job() {
	items "$2" "$W/$1.jsonl"
	rm -f "$W/$1.db"*
	"$WORKER" init --job "$W/$1.db" --input "$W/$1.jsonl" >/dev/null 2>"$W/$1.init.err" || {
		log "worker: init failed: $(head -3 "$W/$1.init.err")"; return 1; }
	echo "$W/$1.db"
}
# run_workers K STORE CONFIG: K workers at once; waits; prints wall ms.
# With TIME_OUT set (and K 1), the worker's CPU seconds go there as "user sys".
run_workers() {
	local k=$1 store=$2 cfg=$3 i pids= t0 t1 timed=()
	[ -n "${TIME_OUT:-}" ] && timed=("$GNU_TIME" -f "%U %S" -o "$TIME_OUT")
	t0=$(now_ns)
	for i in $(seq "$k"); do
		PSUP_HOME=$W/home timeout -s KILL 600 "${timed[@]}" \
		    "$WORKER" run --job "$store" --config "$cfg" --name "w$i" >"$W/w$i.out" 2>"$W/w$i.err" &
		pids="$pids $!"
	done
	WPIDS="$WPIDS $pids"
	for i in $pids; do wait "$i"; done   # each bounded by timeout(1)
	t1=$(now_ns)
	echo $(( (t1 - t0) / 1000000 ))
}
done_count() { "$WORKER" export --job "$1" 2>/dev/null | grep -c '"status":"ok"'; }

worker_scenarios() {
	mkdir -p "$W/home"; chmod 700 "$W/home"
	# 1. Goodput under the limit: 3 workers share rpm just under 50 r/s.
	local rate=$NGX_RATE rpm n store cfg ms a t
	rpm=$(( rate * 60 * 98 / 100 ))
	n=$(( rate * LIM_S ))
	store=$(new_job lim "$n") || return
	jobfile "$W/lim.yaml" /limited "$rpm" 16 "bench$$a"
	reset_log
	ms=$(run_workers 3 "$store" "$W/lim.yaml")
	a=$(count /limited 200); t=$(count /limited 429)
	emit psup goodput_pct "$(echo "$a $(span_s /limited) $rpm" | awk '{ printf "%.1f", 100 * ($1 / $2) / ($3 / 60) }')"
	emit psup p429_pct "$(echo "$a $t" | awk '{ printf "%.2f", 100 * $2 / ($1 + $2) }')"
	emit psup items_done_lim "$(done_count "$store")"
	# Above the limit (rpm = 2x, no rate-limit header, Retry-After: 1 on each
	# 429): how near the learner comes to the real rate, and its 429s.
	store=$(new_job over "$n") || return
	jobfile "$W/over.yaml" /limited $(( rate * 120 )) 16 "bench$$b"
	reset_log
	run_workers 3 "$store" "$W/over.yaml" >/dev/null
	nginx_flush
	awk -F'[:,]' 'index($4, "\"/limited") == 1 { s = int($2); if (!f) f = s; b = s - f; n[b]++; if ($6 + 0 == 429) r[b]++; if (b > m) m = b }
	    END { for (i = 0; i <= m; i++) printf "%d %d %d\n", i, n[i], r[i] }' "$W/nginx/access.log" >"$W/over.per_s"
	emit psup over_p429_first5s_pct "$(awk '$1 < 5 { n += $2; r += $3 } END { printf "%.1f", n ? 100 * r / n : 0 }' "$W/over.per_s")"
	emit psup over_p429_last5s_pct "$(awk -v m="$(tail -1 "$W/over.per_s" | cut -d' ' -f1)" '$1 > m - 5 { n += $2; r += $3 } END { printf "%.1f", n ? 100 * r / n : 0 }' "$W/over.per_s")"
	emit psup over_accepted_rps "$(echo "$(count /limited 200) $(span_s /limited)" | awk '{ printf "%.1f", $1 / $2 }')"

	# 2. Throughput without a limit: one worker against /ok, OK_RUNS fresh
	# jobs (each learns the endpoint's pace from its slow start, as a
	# user's first run does); each run is a value, so the report's cell is
	# their median with the range. CPU per item: the worker's user+system
	# time (GNU time) over the items, beside wrk's per request.
	local i cpu
	jobfile "$W/ok.yaml" /ok 0 64
	for i in $(seq "$OK_RUNS"); do
		store=$(new_job "ok$i" "$OK_ITEMS") || return
		if [ -n "$GNU_TIME" ]; then
			ms=$(TIME_OUT=$W/ok.time run_workers 1 "$store" "$W/ok.yaml")
			cpu=$(awk -v n="$OK_ITEMS" '{ printf "%.1f", ($1 + $2) * 1e6 / n }' "$W/ok.time")
			emit psup cpu_us_per_item "$cpu"
		else
			ms=$(run_workers 1 "$store" "$W/ok.yaml")
		fi
		emit psup rps_ok "$(echo "$OK_ITEMS $ms" | awk '{ printf "%.0f", $1 / ($2 / 1000) }')"
		emit psup items_done_ok "$(done_count "$store")"
	done

	# 3. Scaling (1, 2, 4, 8 workers on one job, SQLite and PostgreSQL)
	# and init/status of a big job: worker/stores.sh, after the reps.
	# Memory with 1,000 requests in flight (nginx holds them in its queue).
	store=$(new_job slow 1500) || return
	jobfile "$W/slow.yaml" /slow 0 1000
	PSUP_HOME=$W/home "$WORKER" run --job "$store" --config "$W/slow.yaml" --name slow >/dev/null 2>"$W/slow.err" &
	local sp=$!
	WPIDS="$WPIDS $sp"
	sleep 4
	emit psup rss_mib_1000_inflight "$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' /proc/$sp/status 2>/dev/null)"
	kill_pids "$sp"

	# 4. Crash cost: one worker through /queue (nginx queues requests at
	# 100 r/s, so ~16 are in flight at any time); kill -9 it half-way and
	# start a new one at once (what a supervisor does); lease 3 s so the dead
	# worker's items come back. Redone = arrivals (any status: a killed
	# request shows as 499) - items.
	for kind in clean kill; do
		store=$(new_job "crash$kind" "$CRASH_ITEMS") || return
		jobfile "$W/crash.yaml" /queue 0 16 "" 3s
		reset_log
		t0=$(now_ns)
		PSUP_HOME=$W/home timeout -s KILL 600 "$WORKER" run --job "$store" --config "$W/crash.yaml" --name c1 >/dev/null 2>&1 &
		local cp=$!
		WPIDS="$WPIDS $cp"
		if [ "$kind" = kill ]; then
			sleep $(( CRASH_ITEMS / 100 / 2 ))
			kill -KILL $(descendants "$cp"); wait "$cp" 2>/dev/null   # the worker, not timeout(1)
			PSUP_HOME=$W/home timeout -s KILL 600 "$WORKER" run --job "$store" --config "$W/crash.yaml" --name c2 >/dev/null 2>&1 &
			cp=$!; WPIDS="$WPIDS $cp"
		fi
		wait "$cp"
		t1=$(now_ns)
		emit psup "crash_${kind}_s" "$(echo "$t0 $t1" | awk '{ printf "%.2f", ($2 - $1) / 1e9 }')"
		if [ "$kind" = kill ]; then
			nginx_flush
			emit psup crash_redone "$(( $(grep -c '"uri":"/queue' "$W/nginx/access.log") - CRASH_ITEMS ))"
			emit psup crash_done "$(done_count "$store")"
		fi
	done
}

for rep in $(seq 1 "$REPS"); do
	log "worker: baselines (rep $rep/$REPS)"
	baseline
	if [ -x "$WORKER" ]; then
		log "worker: psup-worker (rep $rep/$REPS)"
		worker_scenarios
	elif [ "$rep" = 1 ]; then
		note psup "bin/psup-worker is not built: psup-worker figures are missing"
	fi
done
"$BENCH_DIR/worker/stores.sh" "$RAW" "$STORE_REPS" "$QUICK" "$URL/ok"
