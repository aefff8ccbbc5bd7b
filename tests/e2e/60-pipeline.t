#!/bin/sh
# End to end: the demo pipeline (configs/demo.yaml's shape) on 2,000
# items, in one ecosystem file: api (the test API on a free loopback port,
# injecting 429s and 5xx) and load (psup-worker init) -> chunk (4 instances of
# psup-worker run sharing one `shared` rpm limit) -> combine (psup-worker
# export), with `after:`.
# Asserts: `psup wait combine` exits 0; the export has every id once, in input
# order; status/jlist progress reached the total; the `after:` order held
# (from the keepers' log timestamps and from the daemon's exit records); the
# shared limit held across the chunks; `psup kill` leaves nothing behind
# (every pid collected from jlist: daemon, keepers, chunks, the api).
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
require_bin psup psup-keeper psup-worker psup-testapi
require_cmd jq curl python3
sv_setup
plan 37

N=2000
CHUNKS=4
RPM=36000            # 600 requests/s shared by every chunk
export TZ=UTC        # one zone for every log stamp, so they sort as strings
cd "$TMPD" || bail_out "no TMPD"
gen_items $N items.jsonl
# As in configs/demo.yaml, the test API is an app of the file (`api`, which the
# chunks wait for); it listens on a free port it writes to api.port. A chunk
# writes its job file with that port, then is psup-worker itself. Each app
# first says when it began (a stamped line).
cat > run.sh <<EOF
#!/bin/sh
echo "BEGIN \$PSUP_APP_NAME"
if [ "\$1" = run ]; then
	i=0
	while [ ! -s "$TMPD/api.port" ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i + 1)); done
	sed "s/@PORT@/\$(cat "$TMPD/api.port")/" "$TMPD/job.tmpl" > "$TMPD/job-\$PSUP_APP_NAME.yaml"
	shift
	exec "$PSUP_BIN/psup-worker" run --config "$TMPD/job-\$PSUP_APP_NAME.yaml" "\$@"
fi
exec "$PSUP_BIN/psup-worker" "\$@"
EOF
chmod +x run.sh

chat_job_head 5s PIPE_API_KEY http://127.0.0.1:@PORT@ > job.tmpl
cat >> job.tmpl <<EOF
limits:
  concurrency: 8
  rpm: $RPM
  shared: pipe
lease: 10s
EOF
job_retry 12 10ms 100ms >> job.tmpl

cat > eco.yaml <<EOF
log_dir: logs
apps:
  - name: api
    script: $PSUP_BIN/psup-testapi
    args: --port 0 --port-file $TMPD/api.port --max-seconds 120 --seed 4 --delay-ms 10 --fail-429 0.03 --retry-after 0 --fail-500 0.03 --fail-503 0.01
    time: true
  - name: load
    script: $TMPD/run.sh
    args: init --job $TMPD/job.db --input $TMPD/items.jsonl
    autorestart: on-failure
    max_restarts: 2
    time: true
  - name: chunk
    script: $TMPD/run.sh
    args: run --job $TMPD/job.db
    instances: $CHUNKS
    autorestart: on-failure
    after: [load, api]
    kill_timeout: 5s
    time: true
    env:
      PIPE_API_KEY: sk-pipe-secret
  - name: combine
    script: $TMPD/run.sh
    args: export --job $TMPD/job.db --output $TMPD/results.jsonl
    autorestart: on-failure
    max_restarts: 2
    after: [chunk]
    time: true
EOF

t0=$(now_ms)
psup start "$TMPD/eco.yaml" > start.out 2>&1
is "$?" 0 "psup start the pipeline file" || diag_file start.out
DPID=$(daemon_pid)

# Collect every pid while the chunks run (the keepers stay; the chunks go).
chunks_running() {
	psup jlist > jl.json 2>/dev/null || return 1
	[ "$(jq '[.[] | select(.group == "chunk" and .pid > 0)] | length' jl.json)" -eq $CHUNKS ]
}
ok "all $CHUNKS chunks run at once" wait_for -t 20 chunks_running
CHUNK_PIDS=$(jq -r '.[] | select(.group == "chunk") | .pid' jl.json | tr '\n' ' ')
# While they run, jlist carries a live progress report with a rate and ETA.
live_progress() {
	psup jlist 2>/dev/null | jq -e '[.[] | select(.group == "chunk") | .progress |
		select(. != null and .done > 0 and .done < .total and .rate > 0 and .eta_s != null)] | length > 0' > /dev/null
}
ok "mid-run: a chunk reports done < total with a rate and an ETA" wait_for -t 20 live_progress
is "$(jq -r '.[] | select(.name == "combine") | "\(.state) \(.pid)"' jl.json)" \
	"waiting 0" "combine waits while the chunks run"
like "$(jq -r '.[] | select(.name == "combine") | .reason' jl.json)" \
	"^waiting for chunk-1, chunk-2, chunk-3, chunk-4$" "and says for which"

psup wait combine --timeout 60s > wait.out 2> wait.err
is "$?" 0 "psup wait combine --timeout 60s: exit 0" || { diag_file wait.out; diag_file wait.err; }
t1=$(now_ms)
like "$(cat wait.out)" "^wait: 1 completed" "wait prints its one-line summary"
note "pipeline wall time $((t1 - t0)) ms"

psup jlist > jl.json
is "$(jq -r '[.[] | select(.name != "api") | .state] | unique | join(",")' jl.json)" completed \
	"every app of the pipeline completed"
is "$(jq -r '.[] | select(.name == "api") | .state' jl.json)" online "the api app still runs"
is "$(jq -r '[.[] | .name] | join(" ")' jl.json)" "api load chunk-1 chunk-2 chunk-3 chunk-4 combine" \
	"the apps are the expanded pipeline"
API_PID=$(jq -r '.[] | select(.name == "api") | .pid' jl.json)
TESTAPI_URL=http://127.0.0.1:$(cat api.port)
KEEPER_PIDS=$(jq -r '.[] | .keeper_pid' jl.json | tr '\n' ' ')
note "daemon $DPID, keepers $KEEPER_PIDS, chunks $CHUNK_PIDS"

# The result file: complete, every id once, in input order, each its answer.
export_matches items.jsonl results.jsonl
is "$(jq -r .id results.jsonl | sort | uniq -d | wc -l | tr -d ' ')" 0 "no id twice"

# The faults were really injected, and the chunks retried through them.
stats=$(testapi_stats .)
cmp_ok "$(printf '%s' "$stats" | jq '.by_status["429"] // 0')" -gt 0 "the API answered some 429s"
cmp_ok "$(printf '%s' "$stats" | jq '(.by_status["500"] // 0) + (.by_status["503"] // 0)')" -gt 0 \
	"and some 5xx"
cmp_ok "$(printf '%s' "$stats" | jq '.by_fault.none')" -eq $N "exactly one good answer per item"

# Progress: every chunk's report and the group's sum reached the total.
is "$(jq -r '[.[] | select(.group == "chunk") | "\(.progress.done)/\(.progress.total)"] | unique | join(",")' jl.json)" \
	"$N/$N" "jlist: every chunk's progress is $N/$N"
is "$(jq -r '[.[] | select(.group == "chunk") | .progress.failed] | unique | join(",")' jl.json)" \
	0 "jlist: no failed item"
NO_COLOR=1 psup status > status.out 2>&1
like "$(grep -E '│ chunk-1 ' status.out)" "completed .*$N/$N" "status: a chunk row shows $N/$N"
# The chunks all report the one job's counts (with its "job" name): the
# group's row shows the job once, not CHUNKS times it (8000/8000).
like "$(grep -E '│ chunk \(4\) ' status.out)" "completed .*│ $N/$N " \
	"status: the group's row shows the job's $N/$N"

# The after: order, from the daemon's exit records (start = exit - runtime).
describe_json d.json
LOAD_END=$(exit_at d.json load)
LAST_CHUNK_END=0
order_ok=0
for i in $(seq 1 $CHUNKS); do
	s=$(start_at d.json "chunk-$i"); e=$(exit_at d.json "chunk-$i")
	[ -n "$s" ] && [ -n "$LOAD_END" ] && [ "$s" -ge "$LOAD_END" ] && order_ok=$((order_ok + 1))
	[ -n "$e" ] && [ "$e" -gt "$LAST_CHUNK_END" ] && LAST_CHUNK_END=$e
done
is "$order_ok" $CHUNKS "exit records: every chunk started after load exited"
cmp_ok "$(start_at d.json combine)" -ge "$LAST_CHUNK_END" "exit records: combine started after the last chunk exited"

# The same from the logs' timestamps (time: true): a chunk's BEGIN line is
# after load's last line; combine's BEGIN after each chunk's last line.
L=$TMPD/logs
LOAD_LAST=$(log_last_ts "$L/load-combined.log" 'loaded 2000 new items')
like "$LOAD_LAST" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}' "load's log lines carry timestamps" ||
	diag_file "$L/load-combined.log"
API_UP=$(log_first_ts "$L/api-combined.log" 'listening on')
COMBINE_BEGIN=$(log_first_ts "$L/combine-combined.log" 'BEGIN combine')
logs_ok=0
for i in $(seq 1 $CHUNKS); do
	f=$L/chunk-$i-combined.log
	b=$(log_first_ts "$f" "BEGIN chunk-$i")
	z=$(log_last_ts "$f" ": ok [0-9]+, failed [0-9]+, requests")
	if str_lt "$LOAD_LAST" "$b" && str_lt "$API_UP" "$b" && str_le "$b" "$z" && str_lt "$z" "$COMBINE_BEGIN"; then
		logs_ok=$((logs_ok + 1))
	else
		diag "chunk-$i: load last $LOAD_LAST, api up $API_UP, begin $b, summary $z, combine begin $COMBINE_BEGIN"
	fi
done
is "$logs_ok" $CHUNKS "logs: load ended, api listening < every chunk began < its summary < combine began"
like "$(log_last_ts "$L/combine-combined.log" "wrote $N results")" '^[0-9]{4}-' "combine's log says it wrote $N results"
ok_sum=$(cat "$L"/chunk-*-combined.log | sed -n 's/.*: ok \([0-9]*\), failed [0-9]*, requests.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
is "$ok_sum" $N "the chunks' summaries add up to $N items ok"
ok "the API key is in no log and no result" not grep -rq sk-pipe-secret "$L" results.jsonl

# The shared rpm limit held for the chunks together: no 1 s window of
# arrivals holds more than the limit (plus its small burst and slack).
curl -fsS "$TESTAPI_URL/requests" > requests.json
maxwin=$(jq -r '.t_ms[]' requests.json | sort -n | awk '
	{ t[NR] = $1; while (t[lo + 1] <= $1 - 1000) lo++; if (NR - lo > m) m = NR - lo }
	END { print m + 0 }')
cmp_ok "$maxwin" -le $((RPM / 60 + RPM / 60 / 5 + 20)) "the $CHUNKS chunks together kept to the shared limit ($maxwin requests in the busiest second)"
cmp_ok "$maxwin" -ge $((RPM / 60 / 2)) "and the limit was what held them back (busiest second $maxwin)"

# psup kill: every pid collected above is gone, and nothing of this home runs.
psup kill > kill.out 2>&1
is "$?:$(cat kill.out)" "0:daemon stopped" "psup kill"
ok "the daemon is gone" wait_for -t 5 pid_gone "$DPID"
# shellcheck disable=SC2086
ok "every keeper is gone" wait_for -t 5 pids_gone $KEEPER_PIDS || diag "alive: $(pids_alive_list $KEEPER_PIDS)"
# shellcheck disable=SC2086
ok "every chunk process is gone" pids_gone $CHUNK_PIDS
ok "no process of this home is left" wait_for -t 5 no_home_procs
ok "the api app's process is gone" pid_gone "$API_PID"
