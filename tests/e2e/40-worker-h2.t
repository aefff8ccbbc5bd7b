#!/bin/sh
# HTTP/2, as the real APIs are reached: their front ends speak h2 over TLS
# and pass each request to an HTTP/1.1 back end. Here nginx is that front
# (TLS, http2, its own limit on streams per connection, and a GOAWAY after
# keepalive_requests on a connection, as nginx sends by default) before
# psup-testapi. psup-worker multiplexes its requests over few connections,
# moves to a fresh connection when one goes away without failing or
# repeating an item, stays within the server's streams per connection,
# and reads the rate-limit headers that h2 sends in lower case.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq openssl
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || plan_skip_all "nginx is not installed (the HTTP/2 front end)"
plan 16

mk_home
cd "$TMPD" || bail_out "cannot cd to $TMPD"
tls_certs
export CURL_CA_BUNDLE="$TMPD/ca.crt"

start_testapi --delay-ms 20 || bail_out "cannot start psup-testapi"

# h2front REQUESTS STREAMS: (re)writes nginx.conf for an h2 front end whose
# connections end after REQUESTS requests and carry at most STREAMS at
# once; the access log says each request's connection and protocol.
mkdir -p ngx/tmp
NGX_PORT=$(free_port)
h2front() {
	_user=; [ "$(id -u)" = 0 ] && _user="user root;"
	cat >ngx/nginx.conf <<EOF
$_user
worker_processes 1;
daemon off;
pid $TMPD/ngx/nginx.pid;
error_log $TMPD/ngx/error.log info;
events { worker_connections 1024; }
http {
	log_format h2 '\$connection \$status \$server_protocol \$msec \$request_time';
	access_log $TMPD/ngx/access.log h2;
	client_body_temp_path $TMPD/ngx/tmp/body;
	proxy_temp_path $TMPD/ngx/tmp/proxy;
	fastcgi_temp_path $TMPD/ngx/tmp/fastcgi;
	uwsgi_temp_path $TMPD/ngx/tmp/uwsgi;
	scgi_temp_path $TMPD/ngx/tmp/scgi;
	keepalive_requests $1;
	http2_max_concurrent_streams $2;
	upstream api { server 127.0.0.1:$TESTAPI_PORT; keepalive 64; }
	server {
		listen 127.0.0.1:$NGX_PORT ssl http2;
		ssl_certificate $TMPD/srv.crt;
		ssl_certificate_key $TMPD/srv.key;
		location / {
			proxy_pass http://api;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
		}
	}
}
EOF
}
h2front 1000 128
"$NGINX" -p "$TMPD/ngx" -c "$TMPD/ngx/nginx.conf" -e "$TMPD/ngx/error.log" </dev/null >ngx/out 2>&1 &
NGX_PID=$!
track_pid "$NGX_PID"
URL=https://127.0.0.1:$NGX_PORT
wait_for -t 10 curl -fsS -o /dev/null "$URL/health" ||
	{ diag_file ngx/error.log; diag_file ngx/out; bail_out "nginx does not answer over TLS"; }
is "$(curl -sS -o /dev/null -w '%{http_version}' "$URL/health")" 2 "the front end speaks HTTP/2"

# reload: new settings, a fresh access log; returns once they are in force
reload() {
	h2front "$1" "$2"
	: >ngx/access.log
	kill -HUP "$NGX_PID"
	# the old worker finishes its connections; a request answered by a new
	# one lands in the fresh log
	wait_for -t 10 sh -c "curl -fsS -o /dev/null '$URL/health' && grep -q . ngx/access.log"
	: >ngx/access.log
}

job() {
	chat_job_head 30s "" "$URL" >"$1"
	printf 'limits:\n  concurrency: %s\nlease: 60s\n' "$2" >>"$1"
	job_retry 4 50ms 500ms >>"$1"
}
# conns: distinct connections in the access log; h1: requests not over h2;
# streams: the most requests in flight at once on one connection (each
# request's span ends at $msec and lasted $request_time, both to the
# millisecond, so one or two more than were), which HTTP/1.1 cannot make
# more than 1
conns() { awk '{ print $1 }' ngx/access.log | sort -u | wc -l | tr -d ' '; }
h1() { awk '$3 != "HTTP/2.0"' ngx/access.log | wc -l | tr -d ' '; }
streams() {
	python3 -c '
import sys, collections
ev = collections.defaultdict(list)
for l in open(sys.argv[1]):
    c, _, _, end, took = l.split()
    ev[c] += [(float(end) - float(took), 1), (float(end), -1)]
most = 0
for es in ev.values():
    n = 0
    for _, d in sorted(es, key=lambda e: (e[0], e[1])):
        n += d
        most = max(most, n)
print(most)' ngx/access.log
}

# --- one connection carries the streams, then goes away every 400 requests
N=3000
gen_items $N items.jsonl || bail_out "cannot make items"
job job.yaml 64
psup-worker init --job job.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
reload 400 128
before=$(testapi_stats .requests)
run_workers job.db job.yaml 120 w1
is "$WAIT_CODES" 0 "the worker exits 0"
psup-worker export --job job.db >export.jsonl
export_matches items.jsonl export.jsonl
is "$(h1)" 0 "every request went over HTTP/2"
m=$(streams)
cmp_ok "$m" -ge 8 "multiplexed: up to $m requests at once on one connection"
# 3000 requests need 8 connections of 400
c=$(conns)
cmp_ok "$c" -le $((N / 10)) "$c connections for $N requests, GOAWAY every 400"
# a stream the server refused in its GOAWAY never reached the back end:
# sent again, each request arrived there once
is "$(($(testapi_stats .requests) - before))" $N "the API got each item once across the GOAWAYs"

# --- the server allows fewer streams per connection than the worker's
# concurrency: more connections, each within the limit, nothing refused
rm -f job.db*
psup-worker init --job job.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
reload 1000000 16
run_workers job.db job.yaml 120 w2
is "$WAIT_CODES" 0 "16 streams per connection, 64 in flight: the worker exits 0"
is "$(psup-worker status --job job.db --json | jq -c '[.done, .failed]')" "[$N,0]" "every item done"
c=$(conns)
# (libcurl opens one for each request that finds every connection full,
# until the first of them is up: about 50 here, then all are reused)
cmp_ok "$c" -le $((N / 10)) "over several connections ($c), far fewer than requests"
is "$(grep -c 'concurrent streams exceeded' ngx/error.log)" 0 \
	"never more streams on a connection than the server allows"

# --- rate-limit headers as OpenAI sends them, in h2's lower case
rm -f job.db*
psup-worker init --job job.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
testapi_control '{"provider":"openai","limit_rpm":60000}' >/dev/null
run_workers job.db job.yaml 120 w3
is "$WAIT_CODES" 0 "under a 60,000/min limit, the worker exits 0"
like "$(cat w3.log)" "the API allows 60000 requests/min" "the limit read from x-ratelimit-limit-requests over h2"
