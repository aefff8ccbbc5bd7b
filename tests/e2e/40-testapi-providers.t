#!/bin/sh
# psup-testapi's provider profiles, driven with curl: OpenAI, Anthropic,
# Azure OpenAI and Gemini answer under their limit with their own rate-limit
# headers, over it with their own 429 (body, headers, time formats), refill
# at the configured rate, and /stats counts what was refused.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-testapi
require_cmd curl jq awk date
plan 93

mk_home
start_testapi --provider openai --limit-rpm 60 --limit-tpm 100000 ||
	bail_out "cannot start psup-testapi"
U=$TESTAPI_URL
CHAT="$U/v1/chat/completions"
MSGS="$U/v1/messages"
AZURE="$U/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
GEMINI="$U/v1beta/models/gemini-2.0-flash:generateContent"
M='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}]}'
A='{"model":"claude-test","max_tokens":64,"messages":[{"role":"user","content":"hello there"}]}'
A0='{"model":"claude-test","messages":[{"role":"user","content":""}]}'
G='{"contents":[{"role":"user","parts":[{"text":"hi "},{"text":"there"}]}]}'
: >"$TMPD/tally"

# req URL BODY [CURL ARGS]: one POST. Its status goes to $TMPD/code and the
# tally, its headers (names in lower case, no CR) to $TMPD/hdr, its body to
# $TMPD/body.
req() {
	_url=$1 _data=$2
	shift 2
	curl -s -o "$TMPD/body" -D "$TMPD/hdr.raw" -w '%{http_code}' "$@" \
		-H 'Content-Type: application/json' --data-binary "$_data" "$_url" >"$TMPD/code"
	tr -d '\r' <"$TMPD/hdr.raw" |
		awk 'index($0, ": ") { i = index($0, ": "); print tolower(substr($0, 1, i - 1)) substr($0, i) }' >"$TMPD/hdr"
	{ cat "$TMPD/code"; echo; } >>"$TMPD/tally"
}
code() { cat "$TMPD/code"; }
hdr() { sed -n "s/^$1: //p" "$TMPD/hdr"; }
jb() { jq -r "$1" "$TMPD/body"; }
# burst N URL BODY: N POSTs on one connection; statuses to $TMPD/burst and the tally.
burst() {
	_args="" _i=0
	while [ $_i -lt "$1" ]; do _args="$_args -o /dev/null $2"; _i=$((_i + 1)); done
	# shellcheck disable=SC2086
	curl -s -w '%{http_code}\n' -H 'Content-Type: application/json' --data-binary "$3" $_args >"$TMPD/burst"
	cat "$TMPD/burst" >>"$TMPD/tally"
}
n_in() { grep -c "^$1\$" "$2"; }
# ok200 URL BODY: the request is answered 200 (for wait_for: the bucket refilled).
ok200() { req "$1" "$2"; [ "$(code)" = 200 ]; }
# go_ms DURATION: a Go duration ("1m30.5s", "12ms") in whole milliseconds, "bad" if it is not one.
go_ms() {
	printf '%s\n' "$1" | awk '{
		s = $0; t = 0
		if (s == "") { print "bad"; exit }
		while (match(s, /^[0-9]+(\.[0-9]+)?(h|ms|ns|m|s)/)) {
			tok = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
			u = tok; sub(/^[0-9.]+/, "", u)
			t += (tok + 0) * (u == "h" ? 3600000 : u == "m" ? 60000 : u == "s" ? 1000 : u == "ms" ? 1 : 0.000001)
		}
		if (s != "") print "bad"; else printf "%d\n", t + 0.5
	}'
}
# in_s RFC3339: seconds from now until that time.
in_s() { echo $(($(date -u -d "$1" +%s) - $(date -u +%s))); }
GODUR='^([0-9]+h)?([0-9]+m)?[0-9]+(\.[0-9]+)?(ms|s)$'
RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# --- OpenAI: 60 rpm, 100k tpm. A long prompt first (about 500 tokens), so
# that its input shows in the tokens left beside what refills meanwhile.
LONG=$(awk 'BEGIN { for (i = 0; i < 100; i++) printf "hello there, "; }')
req "$CHAT" "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"$LONG\"}]}"
is "$(code)" 200 "openai: 200 under the limit"
is "$(hdr x-ratelimit-limit-requests) $(hdr x-ratelimit-remaining-requests)" "60 59" \
	"openai: x-ratelimit-limit/remaining-requests"
like "$(hdr x-ratelimit-reset-requests)" "$GODUR" "openai: x-ratelimit-reset-requests is a Go duration"
in_range "$(go_ms "$(hdr x-ratelimit-reset-requests)")" 1 1000 \
	"openai: ... the time until the bucket is full again (one request at 60 rpm: <= 1s)"
is "$(hdr x-ratelimit-limit-tokens)" 100000 "openai: x-ratelimit-limit-tokens"
pt=$(jb .usage.prompt_tokens) ct=$(jb .usage.completion_tokens)
# The bucket refills all the while (1,667 tokens a second): between the
# input's billing on arrival and the answer, a slow build gets some back.
in_range "$(hdr x-ratelimit-remaining-tokens)" "$((100000 - pt - ct))" "$((100000 - pt - ct + 300))" \
	"openai: x-ratelimit-remaining-tokens counts the request's input ($pt) and the answer's usage ($ct), give or take 180 ms of refill"
like "$(hdr x-ratelimit-reset-tokens)" "$GODUR" "openai: x-ratelimit-reset-tokens is a Go duration"
is "$(hdr retry-after)" "" "openai: no retry-after on a 200"

burst 70 "$CHAT" "$M"
n200=$(n_in 200 "$TMPD/burst") n429=$(n_in 429 "$TMPD/burst")
is "$((n200 + n429))" 70 "openai: a burst of 70 gets only 200s and 429s"
in_range "$n200" 59 66 "openai: the bucket's 59 left pass (and what refills meanwhile)"
t0=$(now_ms)
req "$CHAT" "$M"
is "$(code)" 429 "openai: over the limit, 429"
is "$(jb .error.code) $(jb .error.type) $(jb .error.param)" "rate_limit_exceeded requests null" \
	"openai: error.code, type and param"
like "$(jb .error.message)" '^Rate limit reached for gpt-4o-mini in organization org-[a-z]+ on requests per min \(RPM\): Limit 60, Used 60, Requested 1\. Please try again in [0-9.]+m?s\. Visit https://platform\.openai\.com/account/rate-limits to learn more\.$' \
	"openai: the message names the limit, use, request and wait"
wait_s=$(jb .error.message | sed -n 's/.*try again in \([^ ]*\)\. Visit.*/\1/p')
in_range "$(go_ms "$wait_s")" 0 1000 "openai: 'try again in' is one request's wait (<= 1s), not the full reset"
is "$(hdr retry-after)$(hdr retry-after-ms)" "" "openai: the 429 has no retry-after"
is "$(hdr x-ratelimit-remaining-requests)" 0 "openai: the 429 carries the headers too"
in_range "$(go_ms "$(hdr x-ratelimit-reset-requests)")" 50000 60000 \
	"openai: an empty bucket is full again in about a minute"

# the bucket refills continuously at 60/min = 1/s: 3 requests take 2 to 3 s
ok "openai: /stats shows the bucket refilling to 3" wait_for -t 15 testapi_ge .limits.remaining.requests 3
in_range "$(($(now_ms) - t0))" 1900 15000 "openai: ... no faster than 1 a second"
req "$CHAT" "$M"
is "$(code)" 200 "openai: after the refill, 200 again"

testapi_control '{"insufficient_quota":true}' >/dev/null
req "$CHAT" "$M"
is "$(code) $(jb .error.code) $(jb .error.type)" "429 insufficient_quota insufficient_quota" \
	"openai: insufficient_quota is its own 429"
like "$(jb .error.message)" 'You exceeded your current quota, please check your plan and billing details' \
	"openai: ... with the quota text"
testapi_control '{"insufficient_quota":false,"limit_rpm":0,"limit_tpm":200}' >/dev/null

# tokens: 200 tpm, a ~100-token request passes once, then TPM refuses it
BIG=$(printf '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"%0340d"}]}' 0)
need=$(((${#BIG} + 3) / 4))
req "$CHAT" "$BIG"
is "$(code)" 200 "openai tpm: the first big request passes"
is "$(hdr x-ratelimit-limit-requests)" "" "openai tpm: no request headers without a request limit"
req "$CHAT" "$BIG"
is "$(code) $(jb .error.type)" "429 tokens" "openai tpm: the second is refused on tokens"
like "$(jb .error.message)" "on tokens per min \\(TPM\\): Limit 200, Used [0-9]+, Requested $need\\. Please try again in " \
	"openai tpm: the message names the tokens requested (the body's estimate)"
in_range "$(go_ms "$(hdr x-ratelimit-reset-tokens)")" 20000 60000 "openai tpm: x-ratelimit-reset-tokens"

# --- Anthropic: 120 rpm, 6000 input and 600 output tokens per minute
testapi_control '{"provider":"anthropic","limit_rpm":120,"limit_tpm":0,"limit_itpm":6000,"limit_otpm":600}' >/dev/null
req "$MSGS" "$A"
is "$(code) $(jb '.content[0].text')" "200 echo: hello there" "anthropic: 200 under the limit"
is "$(hdr anthropic-ratelimit-requests-limit) $(hdr anthropic-ratelimit-requests-remaining)" "120 119" \
	"anthropic: anthropic-ratelimit-requests-limit/remaining"
like "$(hdr anthropic-ratelimit-requests-reset)" "$RFC3339" "anthropic: the reset is an RFC 3339 time"
in_range "$(in_s "$(hdr anthropic-ratelimit-requests-reset)")" 0 2 \
	"anthropic: ... when the bucket is full again (one request at 120 rpm)"
it=$(jb .usage.input_tokens) ot=$(jb .usage.output_tokens)
is "$(hdr anthropic-ratelimit-input-tokens-limit) $(hdr anthropic-ratelimit-input-tokens-remaining)" \
	"6000 $((6000 - it))" "anthropic: input-tokens limit and remaining (the usage's input_tokens)"
is "$(hdr anthropic-ratelimit-output-tokens-limit) $(hdr anthropic-ratelimit-output-tokens-remaining)" \
	"600 $((600 - ot))" "anthropic: output-tokens limit and remaining (the usage's output_tokens)"
is "$(hdr anthropic-ratelimit-tokens-limit)" 600 "anthropic: tokens-* is the most restrictive token limit"
like "$(hdr anthropic-ratelimit-output-tokens-reset)" "$RFC3339" "anthropic: output-tokens reset, RFC 3339"
is "$(grep -c '^x-ratelimit' "$TMPD/hdr")" 0 "anthropic: no OpenAI headers"

burst 130 "$MSGS" "$A"
in_range "$(n_in 200 "$TMPD/burst")" 119 126 "anthropic: a burst of 130: the bucket's 119 pass"
req "$MSGS" "$A"
is "$(code) $(jb .type) $(jb .error.type)" "429 error rate_limit_error" "anthropic: 429 rate_limit_error"
like "$(jb .error.message)" '^This request would exceed the rate limit for your organization \([0-9a-f-]+\) of 120 requests per minute\. ' \
	"anthropic: the message names the limit"
like "$(jb .request_id)" '^req_' "anthropic: a request_id"
is "$(hdr retry-after)" 1 "anthropic: retry-after in seconds (one request at 120 rpm: 1)"
is "$(hdr anthropic-ratelimit-requests-remaining)" 0 "anthropic: the 429 carries the headers too"
in_range "$(in_s "$(hdr anthropic-ratelimit-requests-reset)")" 50 62 \
	"anthropic: an empty bucket is full again in about a minute"
testapi_control '{"retry_after_mode":"date","next_429":1}' >/dev/null
req "$MSGS" "$A"
like "$(code) $(hdr retry-after)" '^429 [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' \
	"anthropic: retry-after as an HTTP-date with --retry-after-mode date"
ok "anthropic: the bucket refills" wait_for -t 10 ok200 "$MSGS" "$A"

testapi_control '{"retry_after_mode":"seconds","insufficient_quota":true}' >/dev/null
req "$MSGS" "$A"
is "$(code) $(jb .error.type) $(jb .error.details.error_code)" \
	"429 rate_limit_error enforced_spend_limit_reached" "anthropic: the spend-limit 429"
is "$(hdr retry-after)" "" "anthropic: ... has no retry-after"
testapi_control '{"insufficient_quota":false,"limit_rpm":0,"limit_itpm":0,"limit_otpm":0,"fail_503":1}' >/dev/null
req "$MSGS" "$A"
is "$(code) $(jb .error.type) $(jb .error.message)" "529 overloaded_error Overloaded" \
	"anthropic: fail_503 answers 529 overloaded_error"
testapi_control '{"fail_503":0,"limit_itpm":50,"limit_otpm":0}' >/dev/null
# a body of exactly 200 bytes: 50 tokens
pad=$((200 - ${#A0}))
BIGA=$(printf '{"model":"claude-test","messages":[{"role":"user","content":"%0*d"}]}' "$pad" 0)
req "$MSGS" "$BIGA"
is "$(code)" 200 "anthropic itpm: a 50-token request passes once"
req "$MSGS" "$BIGA"
is "$(code) $(hdr retry-after)" "429 60" "anthropic itpm: then waits a minute for 50 input tokens"
like "$(jb .error.message)" 'of 50 input tokens per minute\.' "anthropic itpm: the message names input tokens"
testapi_control '{"limit_itpm":20000}' >/dev/null
req "$MSGS" "$A"
is "$(hdr anthropic-ratelimit-input-tokens-limit)" 20000 "anthropic: a changed limit applies at once, full"
is "$(code)" 200 "anthropic: ... and the request passes"

# --- Azure OpenAI: 60 rpm on its deployment path
testapi_control '{"provider":"azure","limit_rpm":60,"limit_itpm":0,"limit_tpm":100000}' >/dev/null
req "$AZURE" "$M" -H 'api-key: k'
is "$(code) $(jb '.choices[0].message.content')" "200 echo: hello there" "azure: 200 on /openai/deployments/NAME/chat/completions"
is "$(hdr x-ratelimit-limit-requests) $(hdr x-ratelimit-remaining-requests)" "60 59" \
	"azure: x-ratelimit-limit/remaining-requests"
like "$(hdr x-ratelimit-remaining-tokens)" '^[0-9]+$' "azure: x-ratelimit-remaining-tokens"
is "$(hdr x-ratelimit-reset-requests)" "" "azure: no reset header"
burst 70 "$AZURE" "$M"
in_range "$(n_in 200 "$TMPD/burst")" 59 66 "azure: a burst of 70: the bucket's 59 pass"
req "$AZURE" "$M"
is "$(code) $(jb .error.code)" "429 429" "azure: 429 with error.code \"429\""
like "$(jb .error.message)" '^Requests to the ChatCompletions_Create Operation under Azure OpenAI API version [0-9-]+ have exceeded call rate limit of your current OpenAI S0 pricing tier\. Please retry after 1 seconds\.' \
	"azure: the message names the call rate limit and the wait"
ra=$(hdr retry-after) ram=$(hdr retry-after-ms)
is "$ra" 1 "azure: retry-after in seconds"
in_range "$ram" 1 1000 "azure: retry-after-ms, one request's wait"
is "$(hdr x-ms-retry-after-ms)" "" "azure: no x-ms-retry-after-ms by default"
testapi_control '{"azure_retry":"x-ms"}' >/dev/null
req "$AZURE" "$M"
in_range "$(hdr x-ms-retry-after-ms)" 1 1000 "azure x-ms: x-ms-retry-after-ms"
is "$(hdr retry-after)$(hdr retry-after-ms)" "" "azure x-ms: ... and nothing else"
ok "azure: the bucket refills" wait_for -t 10 ok200 "$AZURE" "$M"
is "$(curl -s -o /dev/null -w '%{http_code}' "$AZURE")" 405 "azure: GET on the deployment path, 405"

# --- Gemini: 60 rpm, no rate-limit header at all
testapi_control '{"provider":"gemini","limit_rpm":60,"limit_tpm":0}' >/dev/null
req "$GEMINI" "$G" -H 'x-goog-api-key: k'
is "$(code) $(jb '.candidates[0].content.parts[0].text')" "200 echo: hi there" \
	"gemini: 200 with the echoed parts on :generateContent"
is "$(jb '.candidates[0].content.role') $(jb '.candidates[0].finishReason')" "model STOP" "gemini: role and finishReason"
is "$(jb '.usageMetadata.promptTokenCount + .usageMetadata.candidatesTokenCount')" \
	"$(jb .usageMetadata.totalTokenCount)" "gemini: usageMetadata adds up"
is "$(jb .modelVersion)" gemini-2.0-flash "gemini: the model from the URL"
is "$(grep -Ec '^(x-ratelimit|anthropic-|retry-after)' "$TMPD/hdr")" 0 "gemini: no rate-limit header on a 200"
burst 70 "$GEMINI" "$G"
in_range "$(n_in 200 "$TMPD/burst")" 59 66 "gemini: a burst of 70: the bucket's 59 pass"
req "$GEMINI" "$G"
is "$(code) $(jb .error.code) $(jb .error.status)" "429 429 RESOURCE_EXHAUSTED" "gemini: 429 RESOURCE_EXHAUSTED"
is "$(grep -Ec '^(x-ratelimit|anthropic-|retry-after)' "$TMPD/hdr")" 0 "gemini: no rate-limit header on the 429 either"
like "$(jb .error.message)" '^You exceeded your current quota, please check your plan and billing details\. ' \
	"gemini: the quota text of its ordinary per-minute limit"
retry_in=$(jb .error.message | sed -n 's/^Please retry in \(.*\)\.$/\1/p')
like "$retry_in" "$GODUR" "gemini: 'Please retry in' a Go-style duration"
is "$(jb '.error.details[] | select(."@type" == "type.googleapis.com/google.rpc.QuotaFailure") | .violations[0] | [.quotaId, .quotaValue, .quotaDimensions.model] | join(" ")')" \
	"GenerateRequestsPerMinutePerProjectPerModel-FreeTier 60 gemini-2.0-flash" \
	"gemini: QuotaFailure names the per-minute requests quota"
delay=$(jb '.error.details[] | select(."@type" == "type.googleapis.com/google.rpc.RetryInfo") | .retryDelay')
like "$delay" '^[0-9]+s$' "gemini: RetryInfo.retryDelay in whole seconds"
is "${delay%s}" "$(($(go_ms "$retry_in") / 1000))" "gemini: ... the text's wait, cut to the second"
ok "gemini: the bucket refills" wait_for -t 10 ok200 "$GEMINI" "$G"
testapi_control '{"limit_rpm":0,"limit_tpm":100}' >/dev/null
BIGG=$(printf '{"contents":[{"parts":[{"text":"%0300d"}]}]}' 0)
req "$GEMINI" "$BIGG"
req "$GEMINI" "$BIGG"
is "$(code) $(jb '.error.details[1].violations[0].quotaId')" \
	"429 GenerateContentInputTokensPerModelPerMinute-FreeTier" "gemini: the input-token quota"
testapi_control '{"limit_tpm":0,"insufficient_quota":true}' >/dev/null
req "$GEMINI" "$G"
is "$(code) $(jb '.error.details[1].violations[0].quotaId')" \
	"429 GenerateRequestsPerDayPerProjectPerModel-FreeTier" "gemini: the per-day quota mode"
testapi_control '{"insufficient_quota":false}' >/dev/null
req "$GEMINI" '{"contents":[]}'
is "$(code)" 400 "gemini: no user turn, 400"

# --- /control and /stats
is "$(curl -fsS "$U/control" | jq -c '[.provider, .limit_rpm, .azure_retry]')" '["gemini",0,"x-ms"]' \
	"control: the provider settings read back"
is "$(curl -s -o /dev/null -w '%{http_code}' --data '{"provider":"bogus"}' "$U/control")" 400 \
	"control: an unknown provider is refused"
is "$(curl -s -o /dev/null -w '%{http_code}' --data '{"limit_rpm":-1}' "$U/control")" 400 \
	"control: a negative limit is refused"
st=$(curl -fsS "$U/stats")
is "$(echo "$st" | jq '.by_status["429"]')" "$(n_in 429 "$TMPD/tally")" "stats: every 429 sent is counted"
is "$(echo "$st" | jq '.by_status["200"]')" "$(n_in 200 "$TMPD/tally")" "stats: every 200 sent is counted"
is "$(echo "$st" | jq '.limits.refused | .requests + .tokens + .input_tokens + .output_tokens')" \
	"$(echo "$st" | jq .by_fault.rate_limit)" "stats: the limits' refusals are the rate_limit faults"
cmp_ok "$(echo "$st" | jq .limits.tokens_out)" -gt 0 "stats: output tokens billed"

# --- flags are checked at start
"$PSUP_BIN/psup-testapi" --port 0 --provider nope >"$TMPD/bad.out" 2>&1
is "$?" 2 "--provider nope: refused at start"
like "$(cat "$TMPD/bad.out")" 'openai, anthropic, azure, gemini' "... saying what is known"
