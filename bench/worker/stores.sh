#!/bin/bash
# Job-store scenarios: 1, 2, 4 and 8 psup-workers on one job, on SQLite and
# on PostgreSQL (a private server started here), against an endpoint that
# answers at once and (worker/latency.sh) against one that takes a fixed
# time; and `init` and `status` of 1,000,000 items on each. Called by
# worker/run.sh, or on its own:
#   worker/stores.sh RAWFILE REPS QUICK [URL]
# URL answers 200 with a small JSON body (worker/run.sh passes its nginx's
# /ok); without one, bin/psup-testapi (or $PSUP_TESTAPI) is started as the
# endpoint. STORES_PARTS (default "stores latency") names the parts to
# run: "latency" alone runs only the fixed-latency rows. Appends
# "worker<TAB>psup<TAB>rep<TAB>metric<TAB>value" lines; the ratios k
# workers ÷ 1 worker are taken within each repetition.
set -u
BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$BENCH_DIR/lib.sh"
. "$BENCH_DIR/worker/pg.sh"
RAW=$1 REPS=$2 QUICK=$3 URL=${4:-}
PARTS=" ${STORES_PARTS:-stores latency} "
WORKER=${PSUP_WORKER:-$ROOT/bin/psup-worker}
[ -x "$WORKER" ] || { log "worker: bin/psup-worker is not built"; exit 0; }
if [ "$QUICK" = 1 ]; then SCALE_ITEMS=8000 BIG_ITEMS=200000; else SCALE_ITEMS=20000 BIG_ITEMS=1000000; fi

S=$(mktemp -d /tmp/psup-bench-stores.XXXXXX)
API_PID= SPIDS=
. "$BENCH_DIR/worker/latency.sh"
cleanup() { kill_pids $SPIDS $API_PID $LAT_API_PID; pg_stop; rm -rf "$S"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
emit() { printf 'worker\tpsup\t%s\t%s\t%s\n' "$rep" "$1" "$2" >>"$RAW"; }

has() { case $PARTS in *" $1 "*) return 0 ;; esac; return 1; }
if [ -z "$URL" ] && has stores; then
	"${PSUP_TESTAPI:-$ROOT/bin/psup-testapi}" --port 0 --port-file "$S/api.port" --threads 2 \
	    --max-seconds 3600 >"$S/api.out" 2>&1 &
	API_PID=$!
	poll_until 10000 test -s "$S/api.port" || { log "worker: psup-testapi did not start"; exit 0; }
	URL=http://127.0.0.1:$(cat "$S/api.port")/v1/chat/completions
fi
pg_start "$S/pg" || true

cat >"$S/ok.yaml" <<EOF
request:
  url: $URL
  headers:
    Content-Type: application/json
  body: '{"model": "m", "messages": [{"role": "user", "content": {{item.text}}}]}'
  timeout: 60s
response:
  extract: /choices/0/message/content
limits:
  concurrency: 64
retry:
  max_attempts: 20
  base_delay: 100ms
  max_delay: 5s
EOF
items() { seq "$1" | awk '{ printf "{\"id\":\"i%d\",\"text\":\"item %d\"}\n", $1, $1 }' >"$2"; }
if has stores; then
	items "$SCALE_ITEMS" "$S/scale.jsonl"
	items "$BIG_ITEMS" "$S/big.jsonl"
fi
mkdir -p "$S/home" && chmod 700 "$S/home"

# fresh KIND: the store of a new, empty job of KIND (sqlite, pg).
fresh() {
	if [ "$1" = pg ]; then pg_reset; echo "$PG_URL"; else rm -f "$S/job.db"*; echo "$S/job.db"; fi
}
# run_k K STORE [CONFIG HOME]: K workers at once on STORE (with the job
# file CONFIG, default ok.yaml, and PSUP_HOME HOME); prints the wall ms.
run_k() {
	local k=$1 store=$2 cfg=${3:-$S/ok.yaml} home=${4:-$S/home} i pids= t0 t1
	rm -f "$S"/w*.out "$S"/w*.err   # a bigger run's files would be counted again
	t0=$(now_ns)
	for i in $(seq "$k"); do
		PSUP_HOME=$home timeout -s KILL 600 "$WORKER" run --job "$store" --config "$cfg" \
		    --name "w$i" >"$S/w$i.out" 2>"$S/w$i.err" &
		pids="$pids $!"
	done
	SPIDS="$SPIDS $pids"
	for i in $pids; do wait "$i"; done
	t1=$(now_ns)
	echo $(( (t1 - t0) / 1000000 ))
}
ms_of() { local t0 t1; t0=$(now_ns); "$@" >/dev/null 2>&1; t1=$(now_ns); echo $(( (t1 - t0) / 1000000 )); }

stores() {
	local kind store k ms one four rate ok busy t0
	emit big_items "$BIG_ITEMS"
	for kind in sqlite pg; do
		[ "$kind" = sqlite ] || [ -n "$PG_URL" ] || continue
		# init and status of a big job
		store=$(fresh "$kind")
		ms=$(ms_of "$WORKER" init --job "$store" --input "$S/big.jsonl")
		emit "init_big_s_$kind" "$(echo "$ms" | awk '{ printf "%.2f", $1 / 1000 }')"
		"$WORKER" status --job "$store" >/dev/null 2>&1   # the first open of a store may move its schema
		emit "status_big_ms_$kind" "$(ms_of "$WORKER" status --job "$store")"
		# 1, 2, 4, 8 workers
		one= four= busy=0
		for k in 1 2 4 8; do
			store=$(fresh "$kind")
			"$WORKER" init --job "$store" --input "$S/scale.jsonl" >/dev/null 2>&1 || { log "worker: init failed ($kind)"; return; }
			[ "$kind" != pg ] || t0=$(pg_cpu_ticks)
			ms=$(run_k "$k" "$store")
			# the server's CPU per item (ticks of 10 ms, in us), backends ended with the workers
			[ "$kind" != pg ] || emit "scale_srv_us_${k}_pg" "$(echo "$t0 $(pg_cpu_ticks) $SCALE_ITEMS $(getconf CLK_TCK)" |
			    awk '{ printf "%.1f", ($2 - $1) * 1e6 / $4 / $3 }')"
			ok=$("$WORKER" status --job "$store" --json 2>/dev/null | jq .done)
			[ "$ok" = "$SCALE_ITEMS" ] || log "worker: $k workers on $kind finished $ok of $SCALE_ITEMS items"
			rate=$(echo "$SCALE_ITEMS $ms" | awk '{ printf "%.0f", $1 / ($2 / 1000) }')
			emit "scale_rps_${k}_$kind" "$rate"
			[ -n "$one" ] || one=$rate
			case $k in 2|4) emit "scale_x${k}_$kind" "$(echo "$rate $one" | awk '{ printf "%.2f", $1 / $2 }')" ;; esac
			[ "$k" = 4 ] && four=$rate
			[ "$k" = 8 ] && emit "scale_x8of4_$kind" "$(echo "$rate $four" | awk '{ printf "%.2f", $1 / $2 }')"
			busy=$((busy + $(cat "$S"/w*.err | grep -ci 'busy\|locked')))
		done
		[ "$kind" != sqlite ] || emit busy_sqlite "$busy"
	done
}

lat=0
has latency && lat_start && lat=1
for rep in $(seq 1 "$REPS"); do
	if has stores; then
		log "worker: job stores (rep $rep/$REPS)"
		stores
	fi
	[ "$lat" = 1 ] || continue
	log "worker: job stores, API answering in $LAT_DELAY_MS ms (rep $rep/$REPS)"
	for kind in sqlite pg; do
		[ "$kind" = sqlite ] || [ -n "$PG_URL" ] || continue
		lat_scale "$kind"
		lat_job "$kind"
	done
done
