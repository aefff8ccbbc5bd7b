#!/bin/sh
# psup-testapi itself: answers, every fault, live control, stats, the access
# log, loopback-only binding, clean exit on SIGTERM and on --max-seconds.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-testapi
require_cmd curl jq
plan 56

mk_home
start_testapi --seed 7 --log "$TMPD/access.log" || bail_out "cannot start psup-testapi"
U=$TESTAPI_URL
CHAT="$U/v1/chat/completions"

# post URL BODY: prints "STATUS BODY" (STATUS 000 when the transfer failed)
post() {
	curl -s -o "$TMPD/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$2" "$1" >"$TMPD/code" 2>/dev/null
	echo "$?" >"$TMPD/curlrc"
}
code() { cat "$TMPD/code"; }
body() { cat "$TMPD/body"; }
curlrc() { cat "$TMPD/curlrc"; }
ctl() { testapi_control "$1" >/dev/null; }

# --- answers
is "$(curl -fsS "$U/health")" '{"ok":true}' "GET /health"
post "$CHAT" '{"model":"m","messages":[{"role":"system","content":"sys"},{"role":"user","content":"Grüße \"q\"\n🚀"}]}'
is "$(code)" 200 "chat: 200"
is "$(body | jq -r '.choices[0].message.content')" "$(printf 'echo: Grüße "q"\n🚀')" "chat: echoes the last user content"
like "$(body | jq -r .usage.total_tokens)" '^[1-9][0-9]*$' "chat: usage.total_tokens"
# "stream": true: OpenAI's server-sent events, each chunk's delta, then [DONE]
sse=$(curl -s -D "$TMPD/sse.h" -H 'Content-Type: application/json' \
	--data-binary '{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}' "$CHAT")
like "$(tr -d '\r' <"$TMPD/sse.h")" 'Content-Type: text/event-stream' "stream: text/event-stream"
is "$(printf '%s\n' "$sse" | sed -n 's/^data: //p' | grep -v '^\[DONE\]$' |
	jq -r '.object + " " + (.choices[0].delta.content // "-") + " " + (.choices[0].finish_reason // "-")' | tr '\n' '|')" \
	'chat.completion.chunk  -|chat.completion.chunk echo: hi -|chat.completion.chunk - stop|' \
	"stream: a role chunk, the content, the finish reason"
is "$(printf '%s\n' "$sse" | grep -c '^data: ')" 4 "stream: ends with data: [DONE]"
id1=$(body | jq -r .id)
post "$CHAT" '{"model":"m","messages":[{"role":"system","content":"sys"},{"role":"user","content":"Grüße \"q\"\n🚀"}]}'
is "$(body | jq -r .id)" "$id1" "chat: the same body gets the same id"
post "$U/v1/messages" '{"model":"c","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}'
is "$(body | jq -r '.content[0].text')" "echo: hi" "messages: Anthropic form"
post "$CHAT" 'not json'
is "$(code)" 400 "chat: non-JSON request gets 400"
post "$CHAT" '{"messages":[]}'
is "$(code)" 400 "chat: no user message gets 400"
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/nope")" 404 "unknown path: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "$CHAT")" 405 "GET on the API: 405"

# --- faults, one at a time, all-or-nothing (fraction 1)
M='{"messages":[{"role":"user","content":"x"}]}'
ctl '{"fail_500":1}'
post "$CHAT" "$M"; is "$(code)" 500 "fail_500"
ctl '{"fail_500":0,"fail_503":1,"retry_after":4}'
is "$(curl -s -D - -o /dev/null --data "$M" "$CHAT" | tr -d '\r' | sed -n 's/^Retry-After: //p')" 4 "fail_503 sends Retry-After"
ctl '{"fail_503":0,"fail_429":1,"retry_after_mode":"date"}'
ra=$(curl -s -D - -o /dev/null --data "$M" "$CHAT" | tr -d '\r' | sed -n 's/^Retry-After: //p')
like "$ra" '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' "Retry-After as an HTTP-date"
ctl '{"retry_after_mode":"reset"}'
like "$(curl -s -D - -o /dev/null --data "$M" "$CHAT" | tr -d '\r')" 'x-ratelimit-reset-requests: 4s' "x-ratelimit-reset-requests"
ctl '{"fail_429":0,"retry_after_mode":"seconds","retry_after":1,"truncate":1}'
post "$CHAT" "$M"; is "$(curlrc)" 18 "truncate: the transfer is cut (curl 18)"
ctl '{"truncate":0,"drop":1}'
post "$CHAT" "$M"; is "$(curlrc)" 52 "drop: empty reply (curl 52)"
ctl '{"drop":0,"nonjson":1}'
post "$CHAT" "$M"; is "$(code) $(body | head -c 6)" "200 <html>" "nonjson: 200 with HTML"
ctl '{"nonjson":0,"insufficient_quota":true}'
post "$CHAT" "$M"; is "$(code) $(body | jq -r .error.code)" "429 insufficient_quota" "insufficient_quota"
ctl '{"insufficient_quota":false,"fail_400_marker":"BAD","next_429":2}'
post "$CHAT" '{"messages":[{"role":"user","content":"a BAD item"}]}'
is "$(code)" 400 "marker: 400 even while next_429 is set"
post "$CHAT" "$M"; a=$(code); post "$CHAT" "$M"; b=$(code); post "$CHAT" "$M"; c=$(code)
is "$a $b $c" "429 429 200" "next_429: exactly the next 2 requests"
is "$(testapi_stats .marker_requests)" 1 "stats: marker_requests"

# --- API key: Bearer (OpenAI) or x-api-key (Anthropic); never shown back
ctl '{"api_key":"sk-k1"}'
post "$CHAT" "$M"; is "$(code) $(body | jq -r .error.code)" "401 invalid_api_key" "api_key: no key, 401"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sk-k1' --data "$M" "$CHAT")" 200 "api_key: Bearer KEY passes"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sk-k2' --data "$M" "$CHAT")" 401 "api_key: a wrong key, 401"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'x-api-key: sk-k1' --data "$M" "$U/v1/messages")" 200 "api_key: x-api-key KEY passes"
is "$(curl -fsS "$U/control" | jq -c .api_key)" true "api_key: /control says one is set, not which"
ctl '{"api_key":null}'

# --- control validation: bad settings change nothing
is "$(curl -s -o /dev/null -w '%{http_code}' --data '{"fail_500":0.5,"bogus":1}' "$U/control")" 400 "control: unknown key refused"
is "$(curl -s -o /dev/null -w '%{http_code}' --data '{"fail_500":0.7,"drop":0.7}' "$U/control")" 400 "control: fractions over 1 refused"
is "$(curl -fsS "$U/control" | jq -c '[.fail_500,.drop]')" "[0,0]" "control: nothing applied from refused requests"

# --- delay: the answer waits, the server does not
ctl '{"fail_500":0,"fail_503":0,"delay_ms":1000}'
t0=$(now_ms); post "$CHAT" "$M"; t1=$(now_ms)
cmp_ok $((t1 - t0)) -ge 1000 "delay_ms: answer after >= 1000 ms"
t0=$(now_ms)
pids=""
for i in 1 2 3 4 5 6 7 8; do curl -s -o /dev/null --data "$M" "$CHAT" & pids="$pids $!"; done
for p in $pids; do wait "$p"; done   # not a bare `wait`: the server is our child too
t1=$(now_ms)
# In series they would take 8 s at least.
cmp_ok $((t1 - t0)) -lt 8000 "delay_ms: 8 delayed requests in parallel, not in series ($((t1 - t0)) ms)"
ctl '{"delay_ms":0}'

# --- server-side rate limit (GCRA): 2/s with a burst of 5, 30 requests on
# one keep-alive connection (well under a second even under ASan; a loaded
# machine's slower run is allowed the 2/s it lasted)
ctl '{"rate_limit":2,"rate_burst":5}'
urls=""; i=0
while [ $i -lt 30 ]; do urls="$urls $CHAT"; i=$((i + 1)); done
c0=$(testapi_stats .connections)
t0=$(now_ms)
# shellcheck disable=SC2086
curl -s -o /dev/null -w '%{http_code}\n' --data "$M" $urls >"$TMPD/codes"
t1=$(now_ms)
c1=$(testapi_stats .connections)
is "$((c1 - c0))" 2 "stats: connections counted (30 requests on 1, then the stats call)"
ok200=$(grep -c 200 "$TMPD/codes"); n429=$(grep -c 429 "$TMPD/codes")
cmp_ok "$ok200" -ge 5 "rate_limit: the burst passes"
cmp_ok "$ok200" -le $((6 + 2 * ((t1 - t0) / 1000 + 1))) "rate_limit: then about 2/s ($ok200 in $((t1 - t0)) ms)"
is "$((ok200 + n429))" 30 "rate_limit: the excess gets 429"
ctl '{"rate_limit":0,"rate_burst":0}'

# --- stats and /requests agree with what was sent
st=$(curl -fsS "$U/stats")
req=$(curl -fsS "$U/requests")
is "$(echo "$st" | jq .requests)" "$(echo "$req" | jq .count)" "/requests covers every request"
is "$(echo "$req" | jq '.t_ms | length')" "$(echo "$req" | jq .count)" "/requests: one time per request"
is "$(echo "$req" | jq '[.t_ms[] | select(. <= 0)] | length')" 0 "/requests: every arrival time set"
is "$(echo "$st" | jq '([.by_status[]] | add) + .by_fault.drop + .aborted')" "$(echo "$st" | jq .requests)" "stats: statuses + drops add up to requests"
is "$(echo "$st" | jq '.per_second | add')" "$(echo "$st" | jq .requests)" "stats: per-second histogram adds up"
is "$(echo "$st" | jq .inflight)" 0 "stats: nothing in flight"

# --- access log: one JSON line per API request
is "$(wc -l <"$TMPD/access.log" | tr -d ' ')" "$(echo "$st" | jq .requests)" "log: one line per request"
is "$(jq -s 'map(select(.fault=="drop")) | .[0].status' "$TMPD/access.log")" 0 "log: a drop shows status 0"

# --- loopback only; a bad option is refused
"$PSUP_BIN/psup-testapi" --host 0.0.0.0 --port 0 >"$TMPD/host.out" 2>&1
is "$?" 2 "--host 0.0.0.0 is refused"
like "$(cat "$TMPD/host.out")" '127.0.0.1 only' "... saying why"
is "$(ss -Htln "sport = :$TESTAPI_PORT" | awk '{print $4}')" "127.0.0.1:$TESTAPI_PORT" "listens on 127.0.0.1 only"

# --- SIGTERM: exits 0 and removes its port file
kill "$TESTAPI_PID"
wait_exit "$TESTAPI_PID" "$(slow_bound 5)"
is "${WAIT_STATUS:-timeout}" 0 "SIGTERM: exit 0"
ok "SIGTERM: port file removed" test ! -e "$TESTAPI_DIR/port"

# --- --max-seconds bounds its life
t0=$(now_ms)
"$PSUP_BIN/psup-testapi" --port 0 --max-seconds 1 >/dev/null 2>&1 &
p=$!
track_pid $p
wait_exit $p "$(slow_bound 5)"
is "${WAIT_STATUS:-timeout}" 0 "--max-seconds 1: stops by itself with 0"

# --- random faults are a function of the seed and the arrival order
seq_codes() {
	i=0; out=""
	while [ $i -lt 40 ]; do post "$TESTAPI_URL/v1/chat/completions" "$M"; out="$out$(code) "; i=$((i + 1)); done
	echo "$out"
}
start_testapi --seed 7 --fail-500 0.3 --fail-503 0.2 || bail_out "cannot start psup-testapi"
s1=$(seq_codes)
start_testapi --seed 7 --fail-500 0.3 --fail-503 0.2 || bail_out "cannot start psup-testapi"
s2=$(seq_codes)
start_testapi --seed 8 --fail-500 0.3 --fail-503 0.2 || bail_out "cannot start psup-testapi"
s3=$(seq_codes)
like "$s1" '500.*200|200.*500' "fractions: a mix of 500s and 200s"
is "$s2" "$s1" "the same seed gives the same sequence"
isnt "$s3" "$s1" "another seed gives another"
n500=$(echo "$s1" | tr ' ' '\n' | grep -c 500)
cmp_ok "$n500" -ge 4 "about 30% 500s (at least 4 of 40)"
