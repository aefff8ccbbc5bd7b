#!/bin/sh
# HTTPS, as every real API is: psup-worker sends a job to the test API over
# TLS, trusting the CA that CURL_CA_BUNDLE names (a CA made here, which
# signed the server's certificate for 127.0.0.1), and keeps its connections
# (a handshake per connection, not per request). A server whose certificate
# the worker cannot verify stops the job at once: every request would fail
# the same way, so no item fails for it and all stay pending, and the log
# says what to fix.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq openssl
plan 13

mk_home
cd "$TMPD" || bail_out "cannot cd to $TMPD"
# a CA, and a certificate for 127.0.0.1 that it signs
tls_certs

TESTAPI_CA=$TMPD/ca.crt
start_testapi --tls-cert srv.crt --tls-key srv.key --delay-ms 5 || bail_out "cannot start psup-testapi with TLS"
like "$TESTAPI_URL" "^https://127\.0\.0\.1:[0-9]+$" "the test API serves HTTPS"

N=300
gen_items $N items.jsonl || bail_out "cannot make items"
chat_job_head 10s >job.yaml
printf 'limits:\n  concurrency: 8\nlease: 60s\n' >>job.yaml
job_retry 3 10ms 50ms >>job.yaml
psup-worker init --job job.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"

# --- the server's certificate cannot be verified: the job stops, unharmed
unset CURL_CA_BUNDLE
run_workers job.db job.yaml 60 untrusted
is "$WAIT_CODES" 1 "an unverifiable certificate: the worker exits 1"
is "$(psup-worker status --job job.db --json | jq -c '[.failed, .leased, .pending]')" "[0,0,$N]" \
	"no item failed for it: all $N pending"
like "$(cat untrusted.log)" "transfer failed: SSL certificate problem" "the log says what curl found"
like "$(cat untrusted.log)" "stopping the job \(fix the URL, or the CA .*CURL_CA_BUNDLE" \
	"and what to fix"
cmp_ok "$(testapi_stats .requests)" -eq 0 "no request reached the API"

# --- the CA trusted: every item over TLS, connections kept
export CURL_CA_BUNDLE="$TMPD/ca.crt"
run_workers job.db job.yaml 120 w1
is "$WAIT_CODES" 0 "with CURL_CA_BUNDLE naming the CA, the worker exits 0"
psup-worker export --job job.db >export.jsonl
export_matches items.jsonl export.jsonl
conns=$(sed -n 's/.* connections \([0-9]*\),.*/\1/p' w1.log)
cmp_ok "${conns:-999}" -le 16 "connections kept: $conns for $N requests"
is "$(testapi_stats .requests)" $N "one request per item"
