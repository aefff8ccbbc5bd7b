#!/bin/sh
# psup web against a real daemon and a fake one, with curl: /api/apps is the
# daemon's list, /metrics parses (promtool when installed) and tracks the
# apps (CPU seconds a counter that takes in reaped children), actions restart apps and refuse foreign origins, log lines and app
# names holding markup come out escaped, the live stream sends snapshots
# and deltas, the job view reads a worker's store, a worker's request stats
# (status classes, 429s, retries, latency, tokens) reach jlist, /metrics
# and the job view, stalled stream readers
# are dropped and streams are bounded, and the token rules hold.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/web-lib.sh"
require_bin psup-web psup-worker
require_cmd curl jq python3
sv_setup
plan 96

cd "$TMPD" || bail_out "no $TMPD"
gen_items 20 items.jsonl
"$PSUP_BIN/psup-worker" init --job "$TMPD/job.db" --input items.jsonl > init.out 2>&1 \
	|| bail_out "psup-worker init failed"
cat > eco.yaml <<EOF
log_dir: $TMPD/logs
apps:
  - name: plain
    script: $H/sleeper
  - name: prog
    script: $H/progress
    args: "100000 20"
  - name: chunk
    script: $H/sleeper
    instances: 2
  - name: xss
    script: /bin/sh
    args: ["-c", "while :; do printf '<script>alert(1)</script> & \"q\" \\\\377 end\\\\n'; sleep 0.2; done"]
  - name: flood
    script: /bin/sh
    args: ["-c", "while :; do head -c 262144 /dev/zero | tr '\\\\0' x | fold -w 1000; sleep 0.02; done"]
    log_max_size: 20M
    log_retain: 1
    autostart: false
  - name: spin
    script: $H/spinner
    args: "400"
  - name: worker
    script: $PSUP_BIN/psup-worker
    args: run --job job.db --config missing.yaml
    autorestart: false
EOF
psup start eco.yaml > start.out 2>&1 || { diag_file start.out; bail_out "psup start failed"; }
web_start main --listen 127.0.0.1:0 || bail_out "psup-web did not start"
webs=$WEB_PID
host=${WEB_URL#http://}
port=${host##*:}

# ---- the API and the metrics ----
ok "/api/apps lists the daemon's apps" wait_for -t 10 sh -c \
	"curl -s '$WEB_URL/api/apps' | jq -e 'length == 8' > /dev/null"
is "$(curl -s "$WEB_URL/api/apps" | jq -r '[.[].name] | join(",")')" \
	"$(psup jlist | jq -r '[.[].name] | join(",")')" "in the daemon's order, as jlist"
ok "progress shows in /api/apps" wait_for -t 10 app_field_ge prog .progress.done 5
curl -s -D metrics.head "$WEB_URL/metrics" > metrics.txt
like "$(grep -i '^content-type' metrics.head)" 'text/plain; version=0.0.4' "/metrics: the exposition format's type"
if command -v promtool > /dev/null; then
	ok "/metrics passes promtool check metrics" sh -c "promtool check metrics < metrics.txt"
else
	skip 1 "promtool not installed"
fi
# every sample's family has HELP and TYPE lines before it
bad=$(awk '/^# HELP /{h[$3]=1} /^# TYPE /{t[$3]=$4} !/^#/ && NF {
	split($1, p, "{"); n = p[1]
	if (!(n in h) || !(n in t)) print "no HELP/TYPE: " n
	if (t[n] == "counter" && n !~ /_total$/) print "counter without _total: " n }' metrics.txt)
is "$bad" "" "/metrics: every sample has HELP and TYPE, counters end in _total"
is "$(metric psup_apps)" 8 "/metrics: psup_apps"
is "$(metric psup_keepers)" 8 "/metrics: psup_keepers"
is "$(metric psup_daemon_up)" 1 "/metrics: the daemon is up"
is "$(metric psup_app_state 'app="plain",group="plain",state="online"')" 1 "/metrics: plain is online"
is "$(metric psup_app_state 'app="plain",group="plain",state="stopped"')" 0 "/metrics: and not stopped"
is "$(metric psup_app_state 'app="flood",group="flood",state="stopped"')" 1 "/metrics: flood is stopped"
ok "/metrics: progress done for prog" metric_ge psup_app_progress_done 'app="prog"' 1
is "$(metric psup_app_progress_items 'app="prog"')" 100000 "/metrics: progress total for prog"
ok "/metrics: memory of plain" metric_ge psup_app_memory_bytes 'app="plain"' 1
is "$(metric psup_app_restarts_total 'app="plain"')" 0 "/metrics: no restarts yet"
is "$(metric psup_app_state 'app="chunk-2",group="chunk",state="online"')" 1 "/metrics: instances carry their group"

# ---- CPU seconds: a counter, reaped children included ----
like "$(grep '^# TYPE psup_app_cpu_seconds_total ' metrics.txt)" ' counter$' "/metrics: CPU seconds are a counter"
like "$(grep -c '^psup_app_cpu_ratio{' metrics.txt)" '^[1-9]' "/metrics: the CPU gauge stays"
# cpu_ge MIN: spin's CPU seconds are at least MIN
cpu_ge() { _cv=$(metric psup_app_cpu_seconds_total 'app="spin"'); [ -n "$_cv" ] && awk -v v="$_cv" -v m="$1" 'BEGIN { exit !(v >= m) }'; }
spin_logged() { curl -s -m 10 "$WEB_URL/api/apps/spin/logs?follow=0" | jq -e --arg l "$1" 'any(.[]; endswith($l))' > /dev/null; }
ok "spinner is ready" wait_for -t 10 spin_logged ready
cpu0=$(metric psup_app_cpu_seconds_total 'app="spin"')
like "$cpu0" '^[0-9]' "/metrics: CPU seconds of an idle app ($cpu0)"
# two children spin 0.4 s each and are reaped, one after the other: only
# counting what the app reaped makes the sum reach 0.7 s (the app itself
# idles)
psup signal USR1 spin > /dev/null
ok "the first child spun and was reaped" wait_for -t 20 spin_logged 'spun 1'
psup signal USR1 spin > /dev/null
ok "the second one too" wait_for -t 20 spin_logged 'spun 2'
ok "CPU seconds rise by both children's time" wait_for -t 10 cpu_ge "$(awk -v c="$cpu0" 'BEGIN { print c + 0.7 }')"
is "$(psup jlist | jq '.[] | select(.name == "spin") | .cpu_time_ms >= 700')" true "jlist: cpu_time_ms holds it too"

# ---- actions ----
is "$(hcode -X POST "$WEB_URL/api/apps/plain/restart")" 200 "POST restart without Origin (not a browser) on loopback"
ok "the restart shows in /api/apps" wait_for -t 10 app_field_ge plain .restarts 1
ok "and in /metrics" wait_for -t 5 metric_ge psup_app_restarts_total 'app="plain"' 1
is "$(hcode -X POST -H 'Origin: http://evil.example' "$WEB_URL/api/apps/plain/restart")" 403 \
	"POST from another origin is refused (CSRF)"
is "$(hcode -X POST -H 'Sec-Fetch-Site: cross-site' "$WEB_URL/api/apps/plain/restart")" 403 \
	"a cross-site fetch without Origin is refused"
is "$(hcode -X POST -H "Origin: http://$host" "$WEB_URL/api/apps/plain/restart")" 200 "POST from the page's own origin"
ok "restarted again" wait_for -t 10 app_field_ge plain .restarts 2
is "$(app_field plain .restarts)" 2 "the refused requests restarted nothing"
# the page's start starts what is stopped and leaves a running app be (the
# CLI's start restarts one, as pm2's; a button next to restart must not)
pid=$(app_field plain .pid)
is "$(hcode -X POST "$WEB_URL/api/apps/plain/start")" 200 "POST start of a running app"
is "$(app_field plain .pid)" "$pid" "it runs on, the same process"
is "$(app_field plain .restarts)" 2 "and restarts nothing"
is "$(hcode "$WEB_URL/api/apps/plain/restart")" 405 "GET on an action is refused"
is "$(hcode -X POST "$WEB_URL/api/apps/nosuch/stop")" 400 "an unknown app: the daemon's error"
is "$(hcode -X POST "$WEB_URL/api/apps/chunk/stop")" 200 "stop a group"
chunk_states() { curl -s "$WEB_URL/api/apps" | jq -r '[.[] | select(.group == "chunk") | .state] | unique | join(",")'; }
ok "both instances stopped" wait_for -t 10 sh -c "[ \"\$(curl -s '$WEB_URL/api/apps' | jq -r '[.[] | select(.group == \"chunk\") | .state] | unique | join(\",\")')\" = stopped ]"
is "$(hcode -H 'Host: evil.example' "$WEB_URL/api/apps")" 403 "a foreign Host is refused without a token (DNS rebinding)"
is "$(hcode -X DELETE "$WEB_URL/api/apps")" 405 "other methods are refused"
ok "/metrics counts the refusals" metric_ge psup_web_refused_total "" 3

# ---- escaping: log lines ----
ok "the xss app logs" wait_for -t 10 sh -c "curl -s '$WEB_URL/api/apps/xss/logs?follow=0' | jq -e 'length > 0' > /dev/null"
raw=$(curl -s "$WEB_URL/api/apps/xss/logs?follow=0")
unlike "$raw" '<script' "log lines: no raw markup in the JSON"
like "$(printf '%s' "$raw" | jq -r '.[0]')" '^<script>alert\(1\)</script> & "q" .* end$' "log lines: the text decodes intact"
like "$raw" '\\ufffd' "log lines: an invalid byte becomes U+FFFD"
curl -s -N -m 2 "$WEB_URL/api/apps/xss/logs" > logstream.txt
like "$(grep -c '^event: lines' logstream.txt)" '^[2-9]' "the log stream sends the tail, then new lines"
unlike "$(cat logstream.txt)" '<script' "the log stream: no raw markup"
curl -s -D page.head "$WEB_URL/" > page.html
like "$(grep -i '^content-security-policy' page.head)" "script-src 'self'" "the page has a CSP without inline scripts"
like "$(grep -i '^x-frame-options' page.head)" DENY "the page may not be framed"
is "$(grep -c '<script' page.html)" 2 "the page has only its boot data and app.js as scripts"
is "$(hcode "$WEB_URL/app.js") $(hcode "$WEB_URL/app.css") $(hcode "$WEB_URL/nope")" "200 200 404" "the page's files are served"

# ---- the live stream ----
curl -s -N -m 3 "$WEB_URL/events" > events.txt
like "$(head -n 5 events.txt)" 'event: apps' "/events: an apps event"
is "$(sed -n 's/^data: //p' events.txt | head -n 1 | jq -r '.full')" true "/events: a full snapshot first"
# apps whose numbers move (progress, cpu) are sent; the idle ones are not
ok "/events: then deltas with only what changed" sh -c \
	"sed -n 's/^data: //p' events.txt | jq -e -s '[.[] | select(type == \"object\" and .full == false)] as \$d |
	    (\$d | length > 0) and ([\$d[].apps[].name] | index(\"prog\") != null) and (\$d | all(.apps | length < 8))' > /dev/null"

# ---- the job view ----
ok "the job view reads the worker's store" wait_for -t 15 sh -c \
	"curl -s '$WEB_URL/api/jobs' | jq -e '.[0].status.total == 20' > /dev/null"
is "$(curl -s "$WEB_URL/api/jobs" | jq -r '.[0].apps | join(",")')" worker "the job names its app"
is "$(metric psup_job_items 'state="pending"')" 20 "/metrics: the job's pending items"

# ---- a worker's request stats: jlist, /metrics, the job view ----
# 40 items against the test API, whose first 3 answers are 429s (retried
# at once): 43 requests, 40 of them 2xx.
gen_items 40 items2.jsonl
"$PSUP_BIN/psup-worker" init --job "$TMPD/job2.db" --input items2.jsonl > init2.out 2>&1 \
	|| bail_out "psup-worker init of job2 failed"
start_testapi --seed 5 --delay-ms 5 --next-429 3 --retry-after 0 || bail_out "cannot start psup-testapi"
{ chat_job_head 5s; printf 'limits:\n  concurrency: 2\n'; job_retry 5 10ms 50ms; } > stats.yaml
worker_app stats job2.db stats.yaml
# stats_of FILTER: a jq filter over the stats app's progress.stats in jlist
stats_of() { psup jlist | jq -c ".[] | select(.name == \"stats\") | .progress.stats | $1"; }
ok "the worker's reports carry its request stats into jlist" wait_for -t 20 \
	sh -c "[ \"\$(psup jlist | jq '.[] | select(.name == \"stats\") | .progress.stats.req_2xx // 0')\" = 40 ]"
is "$(stats_of '[.req_2xx, .req_429, .req_5xx, .req_other, .retries]')" "[40,3,0,0,3]" \
	"jlist: answers by class and retries"
is "$(stats_of '.lat_p50_ms >= 5 and .lat_p99_ms >= .lat_p50_ms and .lat_sum_ms >= 43 * 5 and .tokens > 0')" \
	true "jlist: latency percentiles, their sum and tokens"
ok "/metrics: the requests reach psup web" wait_for -t 10 metric_ge psup_app_requests_total 'class="2xx"' 40
curl -s "$WEB_URL/metrics" > metrics2.txt
if command -v promtool > /dev/null; then
	ok "/metrics with request stats passes promtool check metrics" sh -c "promtool check metrics < metrics2.txt"
else
	skip 1 "promtool not installed"
fi
is "$(metric psup_app_requests_total 'class="429"')" 3 "/metrics: the 429s"
is "$(metric psup_app_retries_total 'app="stats"')" 3 "/metrics: the retries"
like "$(grep '^# TYPE psup_app_request_latency_seconds ' metrics2.txt)" ' summary$' "/metrics: latency is a summary"
is "$(metric psup_app_request_latency_seconds_count 'app="stats"')" 43 "/metrics: its count is every request"
is "$(metric psup_app_request_latency_seconds 'quantile="0.99"')" "$(stats_of '.lat_p99_ms / 1000')" \
	"/metrics: its p99 is the report's, in seconds"
ok "/metrics: tokens" metric_ge psup_app_tokens_total 'app="stats"' 1
# job2 FILTER: a jq filter over the second store's entry of /api/jobs
job2() { curl -s -m 10 "$WEB_URL/api/jobs" | jq -c --arg s "$TMPD/job2.db" ".[] | select(.store == \$s) | $1"; }
job2_done() { [ "$(job2 .status.done)" = 40 ]; }
ok "the job view reads the second store" wait_for -t 15 job2_done
is "$(job2 '[.apps, .requests.requests, .requests.req_429, .requests.retries]')" '[["stats"],43,3,3]' \
	"the job view: its app's requests, 429s and retries"
is "$(job2 '.requests | (.share_429 * 43 | round) == 3 and .lat_p99_ms >= .lat_p50_ms and .lat_p50_ms > 0')" \
	true "the job view: the 429 share and latency percentiles"

# ---- bounds: stalled readers and too many streams ----
psup start flood > /dev/null 2>&1
cat > slow.py <<'PYEOF'
import socket, sys, time
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((host, port))
s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (path, host, port)).encode())
time.sleep(float(sys.argv[4]))   # and never read: a reader that stalled
PYEOF
python3 slow.py 127.0.0.1 "$port" /api/apps/flood/logs 30 &
slow=$!
track_pid "$slow"
ok "a stalled log reader is dropped" wait_for -t 20 metric_ge psup_web_streams_dropped_total "" 1
kill "$slow" 2>/dev/null
psup stop flood > /dev/null 2>&1
cat > many.py <<'PYEOF'
import socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for i in range(n):
    s = socket.socket()
    s.connect((host, port))
    s.sendall(("GET /events HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port)).encode())
    socks.append(s)
codes = []
for s in socks:
    s.settimeout(10)
    codes.append(s.recv(64).split(b" ")[1].decode())
print(" ".join(sorted(set(codes))), codes.count("200"))
PYEOF
ok "the stalled reader's stream is gone" wait_for -t 10 sh -c "[ \"\$(curl -s '$WEB_URL/metrics' | awk '\$1 == \"psup_web_streams\" { print \$2 }')\" = 0 ]"
is "$(python3 many.py 127.0.0.1 "$port" 40)" "200 503 32" "at most 32 live streams; more get 503"
is "$(hcode "$WEB_URL/api/apps")" 200 "psup-web still answers"

# ---- a fake daemon with names full of markup ----
mkdir -p "$TMPD/fake"
cat > fake.py <<'PYEOF'
import json, socket, sys
names = ['<img src=x onerror=alert(1)>', '"><script>alert(2)</script>', 'a\\b"c\nd']
apps = [{"id": i, "name": n, "group": n, "state": "online", "pid": 100 + i, "restarts": i,
         "uptime_ms": 1000, "started_at": 1, "cpu": 0, "memory": 1, "progress": None,
         "keeper_pid": 1, "log_files": {"out": None, "error": None, "combined": None}}
        for i, n in enumerate(names)]
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
while True:
    c, _ = s.accept()
    f = c.makefile("rwb")
    for line in f:
        cmd = json.loads(line).get("cmd")
        rep = {"ok": True, "apps": apps if cmd == "list" else []}
        f.write((json.dumps(rep) + "\n").encode())
        f.flush()
    c.close()
PYEOF
python3 fake.py "$TMPD/fake/psup.sock" &
track_pid $!
wait_for -t 5 test -S "$TMPD/fake/psup.sock"
PSUP_HOME=$TMPD/fake web_start fake --listen 127.0.0.1:0 || bail_out "psup-web (fake daemon) did not start"
webs="$webs $WEB_PID"
ok "names from the fake daemon arrive" wait_for -t 10 sh -c \
	"curl -s '$WEB_URL/api/apps' | jq -e 'length == 3' > /dev/null"
api=$(curl -s "$WEB_URL/api/apps")
unlike "$api" '<img|<script' "names: no raw markup in /api/apps"
is "$(printf '%s' "$api" | jq -r '.[1].name')" '"><script>alert(2)</script>' "names: decoded intact"
page=$(curl -s "$WEB_URL/")
unlike "$page" '<img src=x|alert\(2\)</script' "names: no markup in the page's boot data"
curl -s "$WEB_URL/metrics" > fake-metrics.txt
like "$(grep '^psup_app_restarts_total' fake-metrics.txt | sed -n 3p)" '^psup_app_restarts_total\{app="a\\\\b\\"c\\nd",' \
	"names: label values escaped in /metrics"
if command -v promtool > /dev/null; then
	ok "and promtool accepts them" sh -c "promtool check metrics < fake-metrics.txt"
else
	skip 1 "promtool not installed"
fi

# ---- the token rules ----
printf 'a-token-of-24-characters\n' > token
chmod 644 token
"$PSUP_BIN/psup-web" --listen 127.0.0.1:0 --token-file token > tok644.out 2>&1 &
track_pid $!
wait_exit $! 5
like "$WAIT_STATUS:$(cat tok644.out)" '^1:.*readable by others' "a token file others can read is refused"
"$PSUP_BIN/psup-web" --listen 0.0.0.0:0 > any.out 2>&1 &
track_pid $!
wait_exit $! 5
like "$WAIT_STATUS:$(cat any.out)" '^1:.*needs --token-file' "a non-loopback address without a token is refused"
chmod 600 token
web_start tok --listen 0.0.0.0:0 --token-file token || bail_out "psup-web with a token did not start"
webs="$webs $WEB_PID"
WEB_URL=http://127.0.0.1:${WEB_URL##*:}
is "$(hcode "$WEB_URL/api/apps") $(hcode "$WEB_URL/metrics") $(hcode "$WEB_URL/")" "401 401 401" "no token: 401"
is "$(hcode -H 'Authorization: Bearer a-token-of-24-characterX' "$WEB_URL/metrics")" 401 "a wrong token: 401"
is "$(hcode -H 'Authorization: Bearer a-token-of-24-characters' "$WEB_URL/metrics")" 200 "the bearer token: 200"
is "$(hcode -H 'Host: dash.example' -H 'Authorization: Bearer a-token-of-24-characters' "$WEB_URL/api/apps")" 200 \
	"with a token any Host is fine"
is "$(hcode "$WEB_URL/?token=wrong-token-of-24-chars")" 401 "a login link with a wrong token: 401"
curl -s -o /dev/null -D login.head "$WEB_URL/?token=a-token-of-24-characters"
like "$(grep -i '^set-cookie' login.head)" 'psup_web_token=.*HttpOnly; SameSite=Strict' "the login link sets a strict cookie"
C='Cookie: psup_web_token=a-token-of-24-characters'
is "$(hcode -H "$C" "$WEB_URL/api/apps")" 200 "the cookie lets the page in"
is "$(hcode -X POST -H "$C" "$WEB_URL/api/apps/x/restart")" 403 "an action by cookie needs the page's Origin"
is "$(hcode -X POST -H "$C" -H "Origin: http://127.0.0.1:${WEB_URL##*:}" "$WEB_URL/api/apps/nosuch/restart")" 400 \
	"with it, the action reaches the daemon"

# ---- a clean exit (under ASan+UBSan: no report) ----
codes=""
for p in $webs; do
	kill "$p"
	wait_exit "$p" 10
	codes="$codes $WAIT_STATUS"
done
is "$codes" " 0 0 0" "every psup-web exits 0 on SIGTERM"
unlike "$(cat "$TMPD"/web-*.out)" 'Sanitizer|runtime error' "no sanitizer report from any psup-web"
