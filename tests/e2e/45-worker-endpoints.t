#!/bin/sh
# Several endpoints per job, against three test APIs: the rate of the job
# is the sum of the endpoints' limits (within 5%), split by their limits;
# killing one endpoint mid-run moves its items to the others with no item
# lost and at most 1% duplicate calls; an endpoint answering 401 is taken
# out (one log line) and the job completes on the rest.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq
plan 20

# api NAME [FLAGS...]: a test API whose URL, pid and access log are kept as
# URL_NAME, PID_NAME and $TMPD/NAME.access.
api() {
	_n=$1; shift
	start_testapi --log "$TMPD/$_n.access" "$@" || bail_out "cannot start psup-testapi $_n"
	eval "URL_$_n=\$TESTAPI_URL PID_$_n=\$TESTAPI_PID"
}

# endpoint NAME URL [EXTRA]: one entry of an endpoints: list.
endpoint() {
	cat <<EOF2
  - name: $1
    url: $2/v1/chat/completions
    body: '{"model": "m", "messages": [{"role": "user", "content": {{item.text}}}]}'
EOF2
	[ -z "${3:-}" ] || printf '%s\n' "$3"
}

# job_head CONCURRENCY: the shared part of the job files.
job_head() {
	cat <<EOF2
response:
  extract: /choices/0/message/content
  usage: /usage/total_tokens
limits:
  concurrency: $1
lease: 30s
cooldown: 2s
EOF2
	job_retry 6 20ms 200ms
	echo "endpoints:"
}

# ok_calls NAME: the API's answers with status 200 in its access log.
ok_calls() { grep -c '"status":200' "$TMPD/$1.access" || true; }

mk_home
cd "$TMPD" || bail_out "cannot cd to $TMPD"

# ---- the sum of the limits: 2 x 3000 rpm is 100 requests/s ---------------
api a --delay-ms 5
api b --delay-ms 5
N=900
gen_items $N items.jsonl || bail_out "cannot make items"
{
	job_head 32
	endpoint a "$URL_a" "    limits: {rpm: 3000}"
	endpoint b "$URL_b" "    limits: {rpm: 3000}"
} >rate.yaml
psup-worker init --job rate.db --input items.jsonl >/dev/null 2>&1 || bail_out "init failed"
run_workers rate.db rate.yaml "$(slow_bound 30)" r1 r2
is "$WAIT_CODES" "0 0" "two workers on two endpoints exit 0"
psup-worker export --job rate.db >rate.jsonl
is "$(jq -r 'select(.status == "ok") | .id' rate.jsonl | wc -l | tr -d ' ')" $N "all $N items ok"
curl -fsS "$URL_a/requests" >a.req
curl -fsS "$URL_b/requests" >b.req
na=$(jq .count a.req); nb=$(jq .count b.req)
note "endpoint a: $na requests, b: $nb"
is "$((na + nb))" $N "one request per item"
is "$(jq -r .endpoint rate.jsonl | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " $na a; $nb b;" \
	"each result names the endpoint that answered it"
in_range "$na" $((N * 45 / 100)) $((N * 55 / 100)) "equal limits split the items evenly ($na and $nb)"
# Requests of both in [first+1s, first+7s): 6 s at 100 a second.
jq -s '[.[0].t_ms[], .[1].t_ms[]]' a.req b.req >both.t
first=$(jq 'min' both.t)
got=$(jq --argjson a "$first" '[.[] | select(. >= $a + 1000 and . < $a + 7000)] | length' both.t)
in_range "$got" 570 630 "together they send the sum of their limits: $got in 6 s (600 +- 5%)"

# ---- an endpoint killed mid-run --------------------------------------------
api c --delay-ms 20
api d --delay-ms 20
api e --delay-ms 20
N=1500
{
	job_head 48
	endpoint c "$URL_c"
	endpoint d "$URL_d"
	endpoint e "$URL_e"
} >kill.yaml
gen_items $N items2.jsonl || bail_out "cannot make items"
psup-worker init --job kill2.db --input items2.jsonl >/dev/null 2>&1 || bail_out "init failed"
start_worker kill2.db kill.yaml k
TESTAPI_URL=$URL_c wait_for -t "$(slow_bound 20)" testapi_ge .requests 200 || diag "endpoint c got few requests"
kill -9 "$PID_c"
wait_exit "$WORKER_PID" "$(slow_bound 40)"
is "$WAIT_STATUS" 0 "the worker exits 0 with one of three endpoints killed"
psup-worker export --job kill2.db >kill.jsonl
is "$(jq -r 'select(.status == "ok") | .id' kill.jsonl | wc -l | tr -d ' ')" $N "no item lost: all $N ok"
jq -r '"echo: " + .text' items2.jsonl >want.results
jq -r .result kill.jsonl >got.results
ok "each result is the answer to its own item" cmp -s want.results got.results
calls=$(( $(ok_calls c) + $(ok_calls d) + $(ok_calls e) ))
note "answered calls: $calls for $N items (c answered $(ok_calls c) before it died)"
cmp_ok "$calls" -le $((N + N / 100)) "at most 1% duplicate calls ($((calls - N)))"
like "$(cat k.log)" 'endpoint c: 5 failures in a row' "the log says endpoint c rests"
unlike "$(cat k.log)" 'giving up' "no item gave up"

# ---- a 401 endpoint is taken out -------------------------------------------
api f
api g --api-key right
api h
N=300
gen_items $N items3.jsonl || bail_out "cannot make items"
{
	job_head 8
	endpoint f "$URL_f"
	endpoint g "$URL_g" "    headers: {Authorization: Bearer wrong}"
	endpoint h "$URL_h"
} >auth.yaml
psup-worker init --job auth.db --input items3.jsonl >/dev/null 2>&1 || bail_out "init failed"
run_workers auth.db auth.yaml "$(slow_bound 30)" x
is "$WAIT_CODES" 0 "the job completes on the other endpoints: exit 0"
psup-worker export --job auth.db >auth.jsonl
is "$(jq -r 'select(.status == "ok") | .id' auth.jsonl | wc -l | tr -d ' ')" $N "all $N items ok"
is "$(grep -c 'endpoint g: .*out for the rest of the run (2 of 3 endpoints left)' x.log)" 1 \
	"one log line takes endpoint g out"
cmp_ok "$(TESTAPI_URL=$URL_g testapi_stats .requests)" -le 8 "g got at most one request per slot"
is "$(grep -c 'not retried\|giving up' x.log)" 0 "no item failed for it"
st=$(psup-worker status --job auth.db --json)
is "$(echo "$st" | jq -r '[.endpoint_requests[] | .name] | join(" ")')" "f g h" "status counts each endpoint's requests"
is "$(echo "$st" | jq '[.endpoint_requests[] | select(.name != "g") | ."2xx"] | add')" $N \
	"f and h answered every item with a 2xx"
is "$(echo "$st" | jq '.endpoint_requests[] | select(.name == "g") | (.requests == .other and ."2xx" == 0 and .requests > 0)')" true \
	"g's requests were all refused"
