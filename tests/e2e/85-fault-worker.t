#!/bin/sh
# Faults around the worker: answers too large to keep fail their item with
# the limit named (not curl's words about writing a file), and nothing else
# is lost; the job store and exports hold the API's answers, so they are
# created 0600 whatever the umask. Odd bytes in answers are kept. Under a
# low descriptor limit the worker keeps no more in flight than it has
# descriptors for. A full disk under the store loses nothing.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq stat
plan 28

umask 022
N=20
# Half the answers are 100 MB chunked bodies; the rest are normal, slowed
# so the run is still going when the store's modes are looked at.
worker_setup $N --seed 5 --huge 0.5 --delay-ms 200

chat_job_head 30s >job.yaml
printf 'limits:\n  concurrency: 4\nlease: 60s\n' >>job.yaml
job_retry 3 10ms 50ms >>job.yaml

psup-worker init --job job.db --input items.jsonl >init.out 2>&1 || bail_out "init failed"
is "$(stat -c %a job.db)" 600 "a new job store is 0600 under umask 022"

start_worker job.db job.yaml w
w=$WORKER_PID
ok "the run opens the store's WAL" wait_for -t "$(slow_bound 10)" test -e job.db-wal
is "$(stat -c %a job.db-wal 2>/dev/null)" 600 "its -wal file is 0600"
is "$(stat -c %a job.db-shm 2>/dev/null)" 600 "its -shm file is 0600"

wait_exit $w "$(slow_bound 60)"
is "${WAIT_STATUS:-timeout}" 0 "the worker exits 0 (failed items are the job's business)"
huge=$(testapi_stats .by_fault.huge)
cmp_ok "${huge:-0}" -gt 0 "the API did send huge answers ($huge)"

psup-worker export --job job.db --output export.jsonl >export.out 2>&1
is "$?" 0 "export exits 0"
is "$(stat -c %a export.jsonl)" 600 "the export file is 0600 under umask 022"
is "$(jq -r .id export.jsonl | sort -u | wc -l | tr -d ' ')" $N "every item is in the export: none lost"
failed=$(jq -r 'select(.status == "failed") | .error' export.jsonl)
is "$(printf '%s\n' "$failed" | grep -c .)" "$huge" "one failed item per huge answer: not retried"
is "$(printf '%s\n' "$failed" | sort -u)" "HTTP 200: response larger than 64 MiB (limit)" \
	"the error names the limit"
unlike "$(cat w.log)" "Failure writing output" "curl's words about writing a file are not shown"
like "$(cat w.log)" "item item-[0-9]+: attempt 1/3: HTTP 200: response larger than 64 MiB \(limit\); not retried" \
	"the log says which item and why"
wrong=$(jq -r --slurpfile it items.jsonl '($it | map({(.id): .text}) | add) as $t |
	select(.status == "ok" and .result != "echo: " + $t[.id]) | .id' export.jsonl)
is "$wrong" "" "the other items have their own answers"

# A declared length over the limit is refused before the body is read.
testapi_control '{"huge":1,"huge_length":true,"delay_ms":0}' >/dev/null
psup-worker retry --job job.db >retry.out 2>&1 || bail_out "retry failed"
psup-worker run --job job.db --config job.yaml --name w2 >w2.log 2>&1
is "$?" 0 "a declared 100 MB answer: the worker exits 0"
is "$(psup-worker export --job job.db --failed | jq -r .error | sort -u)" \
	"HTTP 200: response larger than 64 MiB (limit)" "a declared 100 MB answer: the same error"

# --- odd bytes in a 200: kept whole, and the export stays UTF-8 JSON
# fresh_job NAME N: N fresh items (ids from 1000) in NAME.db.
fresh_job() {
	gen_items "$2" "$1.jsonl" 1000
	psup-worker init --job "$1.db" --input "$1.jsonl" >/dev/null 2>&1 || bail_out "init $1 failed"
}
chat_job_head "$(slow_bound 5)s" | sed '/^response:/,$d' >raw.yaml
job_retry 3 10ms 50ms >>raw.yaml
testapi_control '{"huge":0,"huge_length":false,"nulbody":1}' >/dev/null
fresh_job nul 3
run_workers nul.db raw.yaml "$(slow_bound 30)" wnul
is "$(psup-worker export --job nul.db | jq -c .result | sort -u)" '"before the NUL\u0000after the NUL"' \
	"a text body with a NUL is kept whole, not cut at the NUL"

testapi_control '{"nulbody":0,"badutf8":1}' >/dev/null
fresh_job utf 3
run_workers utf.db job.yaml "$(slow_bound 30)" wutf
psup-worker export --job utf.db >utf.jsonl
ok "answers with bytes that are not UTF-8: the export is still UTF-8" iconv -f UTF-8 -t UTF-8 -o /dev/null utf.jsonl
is "$(jq -r .result utf.jsonl | sort -u)" "$(printf 'caf\357\277\275 \357\277\275')" \
	"... with U+FFFD in their place, and every item ok"
testapi_control '{"badutf8":0}' >/dev/null

# --- a low descriptor limit: the worker keeps no more requests in flight
# than it has descriptors for and says so; none fails to connect for want
# of one, so every item is answered at its first attempt.
testapi_control '{"delay_ms":100}' >/dev/null
fresh_job fds 400
chat_job_head 30s >fds.yaml
printf 'limits:\n  concurrency: 200\n' >>fds.yaml
job_retry 5 10ms 50ms >>fds.yaml
(ulimit -n 48 && psup-worker run --job fds.db --config fds.yaml --name wfds >wfds.log 2>&1)
is "$?" 0 "ulimit -n 48, concurrency 200: the worker exits 0"
like "$(cat wfds.log)" "concurrency 200 lowered to 16: the file descriptor limit is 48" \
	"it says it keeps 16 in flight, and why"
is "$(psup-worker export --job fds.db | jq -r 'select(.status == "ok" and .attempts == 1) | .id' | wc -l | tr -d ' ')" \
	400 "every item ok at its first attempt"
unlike "$(cat wfds.log)" "to connect" "no request failed to connect"
testapi_control '{"delay_ms":0}' >/dev/null

# --- a full disk under the store: commits fail with the store named, no
# new request is sent meanwhile, and once space is back the run goes on and
# loses nothing. Needs a small tmpfs (root), with room for the store's
# write-ahead log, which grows up to 4 MB (1,000 pages) before SQLite
# checkpoints it: in less, the log itself fills the disk again once the
# filler is gone.
mkdir small
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=16m tmpfs small 2>mount.err; then
	skip "full disk: cannot mount a small tmpfs (uid $(id -u): $(cat mount.err 2>/dev/null))" 5
	exit 0
fi
at_exit "umount '$TMPD/small'"
testapi_control '{"delay_ms":50}' >/dev/null
gen_items 200 disk.jsonl 2000
psup-worker init --job small/job.db --input disk.jsonl >/dev/null 2>&1 || bail_out "init on the tmpfs failed"
start_worker small/job.db job.yaml wdisk
w=$WORKER_PID
done_ge() { [ "$(psup-worker status --job small/job.db --json 2>/dev/null | jq .done)" -ge "$1" ] 2>/dev/null; }
wait_for -t "$(slow_bound 20)" done_ge 20 || diag "the run did not get going"
dd if=/dev/zero of=small/fill bs=64k >/dev/null 2>&1 # until the disk is full
ok "a full disk: the commit fails, naming the store and why" \
	wait_for -t "$(slow_bound 20)" lines_ge 1 wdisk.log "cannot record [0-9]+ results \(try 1\): small/job.db: .*disk is full"
r1=$(testapi_stats .requests)
wait_for -t "$(slow_bound 20)" lines_ge 1 wdisk.log "\(try 3\)" || diag "no third try"
r3=$(testapi_stats .requests)
# Those in flight at the first failure (concurrency 16) may still arrive.
cmp_ok "$r3" -le $((r1 + 16)) "while commits fail, no new request is sent ($r1, then $r3)"
rm -f small/fill
wait_exit $w "$(slow_bound 60)"
is "${WAIT_STATUS:-timeout}" 0 "space back: the worker goes on and exits 0" ||
	{ diag_file wdisk.log; diag "$(ls -l small; df small)"; }
is "$(psup-worker export --job small/job.db | jq -r 'select(.status == "ok") | .id' | wc -l | tr -d ' ')" 200 \
	"every item ok: none lost"
like "$(grep -v '^psup-worker: item' wdisk.log | tail -n 1)" "ok 200, failed 0" "the summary counts them once"
