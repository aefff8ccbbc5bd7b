#!/bin/sh
# psup-worker's data commands on a SQLite job store: init (idempotent, bad
# input with line numbers), status, export (order, format, --failed,
# --with-item, atomic --output), retry, and many processes on one store at once.
# Items are finished by test_store_race --finish-all, a stand-in worker
# that uses the store directly (run belongs to the engine).
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker
require_cmd jq
set -u
W="$PSUP_BIN/psup-worker"
[ -x "$PSUP_TESTBIN/test_store_race" ] || plan_skip_all "test_store_race not built"

mk_home
cd "$TMPD" || bail_out "cannot cd to $TMPD"

# items.jsonl: 200 items, every 10th fails; id 7 is an integer id.
awk 'BEGIN {
	for (i = 1; i <= 200; i++) {
		id = (i == 7) ? "7" : "\"item-" i "\""
		f = (i % 10 == 0) ? ",\"fail\":true" : ""
		printf "{\"id\":%s,\"text\":\"text %d\"%s}\n", id, i, f
	}
}' > items.jsonl

# ---- usage -----------------------------------------------------------------
out=$("$W" --help); rc=$?
is "$rc" 0 "--help exits 0"
like "$out" "init .*--input FILE" "--help lists init"
like "$out" "retry  --job STORE" "--help lists retry"
is "$("$W" --version)" "psup-worker 0.1.0" "--version"
err=$("$W" frobnicate 2>&1); rc=$?
is "$rc" 2 "unknown command exits 2"
is "$err" "psup-worker: frobnicate: unknown command (see psup-worker --help)" "and says so on one line"
err=$("$W" init --input items.jsonl 2>&1); rc=$?
is "$rc" 2 "init without --job exits 2"
like "$err" "^psup-worker: init: --job STORE is required" "and names what is missing"

# ---- init ------------------------------------------------------------------
out=$("$W" init --job sqlite:job.db --input items.jsonl 2>&1); rc=$?
is "$rc" 0 "init loads the items"
is "$out" "loaded 200 new items from items.jsonl into sqlite:job.db (0 already present)" "init reports 200 new"
out=$("$W" init --job job.db --input items.jsonl 2>&1); rc=$?
is "$out" "loaded 0 new items from items.jsonl into job.db (200 already present)" "loading again adds nothing"
{ sed -n '1,10p' items.jsonl; awk 'BEGIN { for (i = 201; i <= 250; i++) printf "{\"id\":\"item-%d\",\"text\":\"text %d\"}\n", i, i }'; } > more.jsonl
out=$("$W" init --job job.db --input more.jsonl 2>&1)
is "$out" "loaded 50 new items from more.jsonl into job.db (10 already present)" "a new file adds only new ids"

status=$("$W" status --job job.db --json); rc=$?
is "$rc" 0 "status --json"
is "$(json_num "$status" total)" 250 "250 items"
is "$(json_num "$status" pending)" 250 "all pending"

# ---- bad input -------------------------------------------------------------
printf '{"id":"n1"}\n{"id":"n2"}\n{"id":"n3",\n' > bad-json.jsonl
err=$("$W" init --job job.db --input bad-json.jsonl 2>&1); rc=$?
is "$rc" 2 "a line that is not JSON exits 2"
like "$err" "^psup-worker: init: bad-json.jsonl:3: not valid JSON" "and names file and line"
printf '{"id":"n1"}\n\n{"name":"n2"}\n' > no-id.jsonl
err=$("$W" init --job job.db --input no-id.jsonl 2>&1)
is "$err" 'psup-worker: init: no-id.jsonl:3: no "id" field (the item id)' "a missing id names its line"
printf '{"key":"a"}\n{"key":"b"}\n{"key":"c"}\n{"key":"b"}\n' > dup.jsonl
err=$("$W" init --job other.db --input dup.jsonl --id-field key 2>&1); rc=$?
is "$rc" 2 "a duplicate id within the file exits 2"
is "$err" 'psup-worker: init: dup.jsonl:4: duplicate id "b" (first on line 2)' "with both line numbers"
printf '[1]\n' > arr.jsonl
err=$("$W" init --job job.db --input arr.jsonl 2>&1)
is "$err" "psup-worker: init: arr.jsonl:1: not a JSON object" "an array is not an item"
err=$("$W" init --job job.db --input nosuch.jsonl 2>&1); rc=$?
is "$rc/$err" "2/psup-worker: init: cannot open nosuch.jsonl: No such file or directory" "a missing input file exits 2"
mkdir adir
err=$("$W" init --job job.db --input adir 2>&1); rc=$?
is "$rc/$err" "2/psup-worker: init: cannot read adir: Is a directory" "a directory as input exits 2"
status=$("$W" status --job job.db --json)
is "$(json_num "$status" total)" 250 "failed loads added nothing"
err=$("$W" init --job job.db --input more.jsonl --id-field key 2>&1); rc=$?
is "$rc" 2 "another --id-field on a loaded store exits 2"
like "$err" "loaded with --id-field id, not key" "and says which field it holds"
err=$("$W" status --job missing.db 2>&1); rc=$?
is "$rc" 1 "status on a missing store exits 1"
is "$err" "psup-worker: status: missing.db: no such job store (create it with psup-worker init)" "and says how to make one"
is "$(ls missing.db 2>/dev/null)" "" "status did not create the store"
err=$("$W" export --job mysql://x/y 2>&1); rc=$?
like "$err" "unknown job store scheme 'mysql'" "an unknown store scheme is named"

# ---- 8 processes finish the job together --------------------------------------
finish_all job.db 8
is "$WAIT_CODES" "0 0 0 0 0 0 0 0" "8 concurrent finishers all exit 0"
is "$(cat fin.*.err)" "" "none reported an error (no SQLITE_BUSY)"
is "$(cat fin.*.out | awk '{ s += $1 } END { print s }')" 250 "together they finished each item once"

status=$("$W" status --job job.db --json)
is "$(json_num "$status" done)" 230 "230 done"
is "$(json_num "$status" failed)" 20 "20 failed"
is "$(json_num "$status" pending)" 0 "0 pending"
is "$(json_num "$status" tokens)" 1150 "tokens summed"
is "$(json_num "$status" attempts)" 290 "attempts summed"
like "$status" '"errors":\[\{"http_status":503,"error":"http 503","count":20\}\]' "errors grouped by status and prefix"
table=$("$W" status --job job.db)
like "$table" "^  done    230 \(92.0%\)" "status table shows done"
like "$table" "20  503  http 503" "status table shows the error class"

# ---- export ----------------------------------------------------------------
"$W" export --job job.db > all.jsonl 2> export.err; rc=$?
is "$rc" 0 "export exits 0"
is "$(wc -l < all.jsonl | tr -d ' ')" 250 "export has 250 lines"
{ cat items.jsonl; sed -n '11,60p' more.jsonl; } | sed 's/^{"id":\([^,]*\),.*/\1/' > want-ids
sed 's/^{"id":\([^,]*\),.*/\1/' all.jsonl > got-ids
ok "every id once, in input order" cmp -s want-ids got-ids || diff want-ids got-ids | head -5 | while IFS= read -r l; do diag "$l"; done
is "$(sed -n 1p all.jsonl)" '{"id":"item-1","status":"ok","attempts":1,"http_status":200,"latency_ms":10,"result":"text 1","error":null}' "an ok line, exactly"
is "$(sed -n 7p all.jsonl)" '{"id":7,"status":"ok","attempts":1,"http_status":200,"latency_ms":10,"result":"text 7","error":null}' "an integer id stays an integer"
is "$(sed -n 10p all.jsonl)" '{"id":"item-10","status":"failed","attempts":3,"http_status":503,"latency_ms":10,"result":null,"error":"http 503: {\"error\":\"overloaded\"}"}' "a failed line, exactly"
is "$(cat export.err)" "" "nothing left unfinished, nothing said"
"$W" export --job job.db --with-item > items-out.jsonl; rc=$?
is "$rc" 0 "export --with-item exits 0"
is "$(sed -n 10p items-out.jsonl)" '{"id":"item-10","status":"failed","attempts":3,"http_status":503,"latency_ms":10,"result":null,"error":"http 503: {\"error\":\"overloaded\"}","item":{"id":"item-10","text":"text 10","fail":true}}' \
	"--with-item: the item's input object last, as loaded"
is "$(jq -c 'select(.id == 7) | [.result, .item.text]' items-out.jsonl)" '["text 7","text 7"]' \
	"every line is JSON, result and input side by side"

out=$("$W" export --job job.db --failed --output failed.jsonl); rc=$?
is "$rc" 0 "export --failed --output exits 0"
is "$out" "wrote 20 results to failed.jsonl" "and says how many"
is "$(grep -c '"status":"failed"' failed.jsonl)" 20 "the file holds the 20 failed items"
is "$(ls | grep -c '\.tmp\.')" 0 "no temp file is left behind"
err=$("$W" export --job job.db --output nodir/x.jsonl 2>&1); rc=$?
is "$rc" 1 "export into a missing directory exits 1"
like "$err" "^psup-worker: export: cannot create nodir/x.jsonl.tmp.[0-9]+: No such file or directory" "and says why"

# ---- retry -----------------------------------------------------------------
out=$("$W" retry --job job.db --ids item-10,item-20,item-1 2>retry.err); rc=$?
is "$rc" 0 "retry --ids exits 0"
is "$out" "2 failed items back to pending" "moves the 2 failed ones"
is "$(cat retry.err)" "psup-worker: retry: 1 of the 3 ids given is not a failed item (unknown, pending, leased or done): left alone" "and names the rest"
status=$("$W" status --job job.db --json)
is "$(json_num "$status" pending)/$(json_num "$status" failed)" 2/18 "2 pending, 18 failed"
"$W" export --job job.db > partial.jsonl 2> partial.err
is "$(wc -l < partial.jsonl | tr -d ' ')" 248 "export leaves the pending ones out"
is "$(cat partial.err)" "psup-worker: export: 2 items not finished yet (2 pending, 0 leased) left out" "and says so"
out=$("$W" retry --job job.db)
is "$out" "18 failed items back to pending" "retry without --ids moves every failed item"
"$PSUP_TESTBIN/test_store_race" --finish-all job.db > /dev/null
status=$("$W" status --job job.db --json)
is "$(json_num "$status" failed)/$(json_num "$status" done)" 20/230 "retried items ran again"

# ---- many loads at once on a fresh store -----------------------------------------
i=0
while [ $i -lt 8 ]; do
	awk -v k=$i 'BEGIN { for (j = 1; j <= 300; j++) printf "{\"id\":\"f%d-%d\"}\n", k, j }' > "part.$i.jsonl"
	i=$((i + 1))
done
pids=""
i=0
while [ $i -lt 8 ]; do
	"$W" init --job fresh.db --input "part.$i.jsonl" > "init.$i.out" 2> "init.$i.err" &
	track_pid $!
	pids="$pids $!"
	"$W" status --job fresh.db --json > /dev/null 2>&1 &
	track_pid $!
	pids="$pids $!"
	i=$((i + 1))
done
# shellcheck disable=SC2086
wait_codes 60 $pids
is "$(cat init.*.err)" "" "8 concurrent inits on a fresh store: no error"
is "$(grep -c 'loaded 300 new items' init.*.out | awk -F: '{ s += $2 } END { print s }')" 8 "each added its 300"
status=$("$W" status --job fresh.db --json)
is "$(json_num "$status" total)" 2400 "the store holds 2400"

done_testing
