#!/bin/sh
# psup web and a job of two endpoints run under psup against two test APIs:
# /api/jobs joins `psup-worker status --json`'s lists per endpoint (requests
# by class, the 429 share, latency p50/p95, tokens, paced and allowed rate,
# items and cost) beside the job's spend and projection; /metrics has them
# per job and endpoint, typed, passing promtool; the page renders them (in
# headless Chromium when installed). Then a fake psup-worker whose status
# names endpoints with markup: escaped in /api/jobs, /metrics and the page.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/web-lib.sh"
require_bin psup-web psup-worker psup-testapi
require_cmd curl jq
sv_setup
plan 34
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)

cd "$TMPD" || bail_out "no $TMPD"
# alpha answers its first 4 requests with 429 (retried at once); beta says
# in its headers that it allows 6000 requests a minute
start_testapi --delay-ms 5 --next-429 4 --retry-after 0 || bail_out "cannot start psup-testapi alpha"
URL_a=$TESTAPI_URL
start_testapi --delay-ms 5 --provider openai --limit-rpm 6000 || bail_out "cannot start psup-testapi beta"
URL_b=$TESTAPI_URL
N=60
gen_items $N items.jsonl
"$PSUP_BIN/psup-worker" init --job "$TMPD/job.db" --input items.jsonl > init.out 2>&1 \
	|| { diag_file init.out; bail_out "psup-worker init failed"; }
body='{"model": "m", "messages": [{"role": "user", "content": {{item.text}}}]}'
{
	printf 'response:\n  extract: /choices/0/message/content\n  usage: /usage/total_tokens\n'
	printf 'limits:\n  concurrency: 4\n'
	job_retry 6 10ms 50ms
	cat <<EOF
endpoints:
  - name: alpha
    url: $URL_a/v1/chat/completions
    body: '$body'
    limits: {rpm: 3000}
    price: {input: 1000}
  - name: beta
    url: $URL_b/v1/chat/completions
    body: '$body'
    price: {input: 3000}
EOF
} > job.yaml
worker_app worker job.db job.yaml
web_start main --listen 127.0.0.1:0 || bail_out "psup-web did not start"
webs=$WEB_PID

# job FILTER: a jq filter over the job's entry of /api/jobs
job() { curl -s -m 10 "$WEB_URL/api/jobs" | jq -c --arg s "$TMPD/job.db" ".[] | select(.store == \$s) | $1"; }
# ep NAME FILTER: one endpoint of the job view
ep() { job ".endpoints[] | select(.name == \"$1\") | $2"; }
# every item done, and the workers' counts of all their requests read
all_counted() { [ "$(job '[.status.done, ([.endpoints[]?.requests // 0] | add)]')" = "[$N,$((N + 4))]" ]; }
ok "the job view has every item done and every request counted" wait_for -t 30 all_counted
if ! all_counted; then
	diag "$(job .)"
	diag_file "$TMPD/logs/worker-error.log"
fi
is "$(job '[.endpoints[].name]')" '["alpha","beta"]' "the job's two endpoints, by name"
is "$(ep alpha '[.req_429, .req_5xx, .req_other, .no_answer]')" "[4,0,0,0]" "alpha: its four 429s"
is "$(job '[.endpoints[].req_2xx] | add')" $N "one 2xx per item over both"
is "$(ep alpha '(.share_429 * .requests | round) == 4 and .share_429 > 0')" true "alpha: the 429 share"
is "$(ep beta .share_429)" 0 "beta: no 429"
is "$(job '[.endpoints[] | .p50_ms > 0 and .p95_ms >= .p50_ms] | all')" true "latency p50 and p95 of each"
is "$(job '[.endpoints[] | .tokens > 0 and .tokens == .item_tokens] | all')" true \
	"tokens of each: the requests' as the items'"
is "$(job '[.endpoints[] | .items] | add')" $N "the store's items by endpoint add up"
is "$(job '[.endpoints[] | .ok] | add')" $N "all ok"
is "$(ep alpha '.rpm') $(ep beta '.api_rpm')" "3000 6000" "alpha paced as set, beta's API allows 6000"
is "$(job '[.endpoints[] | (.cost * 1e6 | round) == (.tokens * (if .name == "alpha" then 1000 else 3000 end))] | all')" true \
	"each endpoint's cost at its price"
is "$(job '(.status.cost - ([.endpoints[].cost] | add) | fabs) < 1e-9 and .status.cost > 0')" true \
	"the job's spend is its endpoints'"
is "$(job '(.status.projected_cost - .status.cost | fabs) < 1e-9')" true "all done: the projection is the spend"

# ---- /metrics ----
curl -s "$WEB_URL/metrics" > metrics.txt
if command -v promtool > /dev/null; then
	ok "/metrics passes promtool check metrics" sh -c "promtool check metrics < metrics.txt"
else
	skip 1 "promtool not installed"
fi
bad=$(awk '/^# HELP /{h[$3]=1} /^# TYPE /{t[$3]=$4} !/^#/ && NF {
	split($1, p, "{"); n = p[1]; sub(/_(sum|count)$/, "", n)
	if (!(n in h) || !(n in t)) print "no HELP/TYPE: " n
	if (t[n] == "counter" && n !~ /_total$/) print "counter without _total: " n }' metrics.txt)
is "$bad" "" "/metrics: every sample has HELP and TYPE, counters end in _total"
J="job=\"$TMPD/job.db\""
is "$(metric psup_job_endpoint_requests_total "$J,endpoint=\"alpha\",class=\"429\"")" 4 "/metrics: alpha's 429s"
is "$(( $(metric psup_job_endpoint_requests_total "$J,endpoint=\"alpha\",class=\"2xx\"") + \
	$(metric psup_job_endpoint_requests_total "$J,endpoint=\"beta\",class=\"2xx\"") ))" $N "/metrics: the 2xx of both"
is "$(metric psup_job_endpoint_tokens_total "$J,endpoint=\"beta\"")" "$(ep beta .tokens)" "/metrics: beta's tokens"
# near A B: A is B to 1e-9 of it (a sum of costs prints as 6.842 in one
# place and 6.842000000000001 in another)
near() { jq -n --arg a "$1" --arg b "$2" '($a | tonumber) as $x | ($b | tonumber) as $y |
	(($x - $y) | fabs) <= 1e-9 * ([($y | fabs), 1] | max)' 2>/dev/null; }
is "$(near "$(metric psup_job_endpoint_cost_total "$J,endpoint=\"alpha\"")" "$(ep alpha .cost)")" true \
	"/metrics: alpha's cost"
is "$(metric psup_job_endpoint_items_total "$J,endpoint=\"beta\",outcome=\"ok\"")" "$(ep beta .ok)" "/metrics: beta's items"
is "$(near "$(metric psup_job_endpoint_request_latency_seconds "$J,endpoint=\"beta\",quantile=\"0.95\"")" \
	"$(ep beta '.p95_ms / 1000')")" true "/metrics: beta's p95, in seconds"
is "$(metric psup_job_endpoint_requests_per_minute "$J,endpoint=\"beta\",limit=\"api\"")" 6000 \
	"/metrics: what beta's API allows"
is "$(near "$(metric psup_job_cost_total "$J")" "$(job .status.cost)")" true "/metrics: the job's spend"

# ---- the page ----
# page_dom: the page as the browser built it, its script run on the boot
# data (--timeout: the live stream never lets the page settle)
page_dom() {
	timeout 60 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --user-data-dir="$TMPD/chromium" \
		--timeout=3000 --dump-dom "$WEB_URL/" 2> chromium.err
}
if [ -n "$CHROMIUM" ]; then
	page_dom > dom.html
	ok "the page shows the endpoints' table" grep -Eq \
		'<table class="eps">.*<td>alpha</td><td class="num">[1-9][0-9]*</td>' dom.html
	ok "and the job's spend and projection" grep -Eq \
		'<b>[0-9.]+</b><span class="muted">spent</span></div><div><b>[0-9.]+</b><span class="muted">projected' dom.html
else
	skip 2 "no chromium installed (.ci/deps.sh installs it)"
fi

# ---- endpoint names holding markup, from a fake psup-worker ----
# psup-web runs the psup-worker beside it: a copy beside a script that
# prints a status with such names
mkdir fake
cp "$PSUP_BIN/psup-web" fake/psup-web
cat > fake/psup-worker <<'EOF'
#!/bin/sh
[ "$1" = status ] || exec sleep 300
cat <<'JSON'
{"job":"x","total":2,"pending":0,"leased":0,"done":2,"failed":0,"attempts":2,"tokens":2,"cost":0.25,
 "projected_cost":0.25,"errors":[],
 "endpoints":[{"name":"<img src=x onerror=alert(1)>","items":1,"ok":1,"tokens":1,"cost":0.25,"mean_latency_ms":3}],
 "endpoint_requests":[{"name":"<img src=x onerror=alert(1)>","requests":1,"2xx":1,"429":0,"5xx":0,
  "other":0,"no_answer":0,"tokens":1,"p50_ms":3,"p95_ms":3,"rpm":0,"api_rpm":0},
  {"name":"q\"b\\s","requests":1,"2xx":1,"429":0,"5xx":0,"other":0,"no_answer":0,"tokens":1,
  "p50_ms":3,"p95_ms":3,"rpm":0,"api_rpm":0}]}
JSON
EOF
chmod +x fake/psup-worker
cat > eco2.yaml <<EOF
apps:
  - name: fakejob
    script: $TMPD/fake/psup-worker
    args: run --job $TMPD/fake.db
EOF
psup delete worker > /dev/null 2>&1
psup start eco2.yaml > start2.out 2>&1 || { diag_file start2.out; bail_out "psup start eco2.yaml failed"; }
bin=$PSUP_BIN
PSUP_BIN=$TMPD/fake
web_start fake --listen 127.0.0.1:0 || bail_out "the copy of psup-web did not start"
PSUP_BIN=$bin
webs="$webs $WEB_PID"
fake_read() { curl -s "$WEB_URL/api/jobs" | jq -e '.[0].endpoints | length == 2' > /dev/null; }
ok "the fake status's endpoints arrive" wait_for -t 15 fake_read
raw=$(curl -s "$WEB_URL/api/jobs")
unlike "$raw" '<img' "/api/jobs: no raw markup"
is "$(printf '%s' "$raw" | jq -r '.[0].endpoints[0].name')" '<img src=x onerror=alert(1)>' "/api/jobs: the name decodes intact"
curl -s "$WEB_URL/metrics" > fake-metrics.txt
like "$(grep '^psup_job_endpoint_tokens_total' fake-metrics.txt | sed -n 2p)" \
	'^psup_job_endpoint_tokens_total\{job="[^"]*fake.db",endpoint="q\\"b\\\\s"\} 1$' "/metrics: the label value escaped"
if command -v promtool > /dev/null; then
	ok "and promtool accepts it" sh -c "promtool check metrics < fake-metrics.txt"
else
	skip 1 "promtool not installed"
fi
if [ -n "$CHROMIUM" ]; then
	page_dom > fake-dom.html
	ok "the page shows the name as text" grep -Eq '<td>&lt;img src=x onerror=alert\(1\)&gt;</td>' fake-dom.html
else
	skip 1 "no chromium installed (.ci/deps.sh installs it)"
fi

# ---- a clean exit (under ASan+UBSan: no report) ----
codes=""
for p in $webs; do
	kill "$p"
	wait_exit "$p" 10
	codes="$codes $WAIT_STATUS"
done
is "$codes" " 0 0" "every psup-web exits 0 on SIGTERM"
unlike "$(cat "$TMPD"/web-*.out)" 'Sanitizer|runtime error' "no sanitizer report from any psup-web"
