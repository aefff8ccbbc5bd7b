#!/bin/sh
# An item's text reaches the API byte for byte, whatever valid JSON string
# it is: "a\u0000b" was sent as "a" and the item ended ok. The test API
# answers 400 to a body holding its marker (matched on the raw bytes), so a
# marker of the whole escaped string proves the request carried it: the
# item fails with the marker's 400 exactly when nothing was cut.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq sqlite3
plan 9

worker_setup 0
chat_job_head 5s >job.yaml
printf 'limits:\n  concurrency: 2\nlease: 30s\n' >>job.yaml
job_retry 2 10ms 50ms >>job.yaml

# sent NAME TEXT MARKER: a job of one item whose text is TEXT (JSON string
# contents, as written in the input) and a plain one, against the API with
# MARKER (a JSON string, quotes included); sets GOT to the first item's
# "status http_status" and PLAIN to the plain item's status.
sent() {
	printf '{"id":"x","text":"%s"}\n{"id":"plain","text":"plain"}\n' "$2" >"$1.jsonl"
	psup-worker init --job "$1.db" --input "$1.jsonl" >/dev/null 2>&1 || bail_out "init failed"
	testapi_control "{\"fail_400_marker\":$3}" >/dev/null
	run_workers "$1.db" job.yaml 30 "$1"
	[ "$WAIT_CODES" = 0 ] || diag "$1: the worker exited $WAIT_CODES"
	GOT=$(psup-worker export --job "$1.db" | jq -r 'select(.id == "x") | "\(.status) \(.http_status)"')
	PLAIN=$(psup-worker export --job "$1.db" | jq -r 'select(.id == "plain") | .status')
}

# The marker is the item's whole string as JSON text, quotes included.
sent nul 'a\u0000b' '"\"a\\u0000b\""'
is "$GOT" "failed 400" '"a\u0000b" reached the API whole (its marker matched)'
is "$PLAIN" ok "... while an item without the marker is ok"
sent nul-only '\u0000' '"\"\\u0000\""'
is "$GOT" "failed 400" '"\u0000" reached the API whole'
sent astral '\ud83d\ude00 \u00e9 \t \/' '"\"\\ud83d\\ude00 \\u00e9 \\t \\/\""'
is "$GOT" "failed 400" "surrogate pairs and other escapes reach the API as the item wrote them"
sent nested 'x' '"\"x\""'
is "$GOT" "failed 400" "the check can see a plain string too"

# The check can fail: a marker the body does not hold leaves the item ok.
sent cut 'a\u0000b' '"\"a\""'
is "$GOT" "ok 200" 'a body holding "a\u0000b" does not hold "a" quoted (what was sent before)'

# With no marker, such an item goes through.
sent clean 'a\u0000b' 'null'
is "$GOT" "ok 200" '"a\u0000b" goes through'
is "$(psup-worker export --job clean.db | jq -r 'select(.id == "x") | .attempts')" 1 "... in one attempt"
is "$(sqlite3 clean.db "SELECT json FROM items JOIN payloads USING (seq) WHERE id = 'x'")" '{"id":"x","text":"a\u0000b"}' \
	"the item's text in the store is the input line"
