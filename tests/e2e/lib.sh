# Shared helpers for the shell end-to-end tests (tests/e2e/*.t). POSIX sh
# (dash or bash). Source it first thing in a test:
#
#	#!/bin/sh
#	. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
#	require_bin psup-worker psup-testapi
#	plan 3
#	mk_home                      # PSUP_HOME and TMPD, both removed at exit
#	start_testapi --fail-500 0.1 # TESTAPI_URL, TESTAPI_PID
#	ok "health answers" curl -fsS "$TESTAPI_URL/health"
#	is "$(testapi_stats .requests)" 1 "one request counted"
#
# Environment (set by `make test`; defaults suit a run from the repo root):
#	PSUP_SRC      repo root
#	PSUP_BIN      directory of psup, psup-keeper, psup-worker, psup-testapi
#	PSUP_TESTBIN  directory of built test programs (helpers/NAME, test_*)
#	PSUP_KEEP=1   keep temporary directories after the test (for debugging)
#
# $PSUP_BIN is put first on PATH, so tests call psup-worker etc. by name.
#
# What is here (each documented where it is defined):
#	TAP       plan N, plan_skip_all WHY, done_testing, ok DESC CMD..., pass,
#	          fail, is, isnt, like, unlike, cmp_ok A OP B DESC,
#	          in_range N LO HI DESC, skip WHY [N], diag, note,
#	          diag_file FILE [N], bail_out WHY
#	needs     require_bin PROG..., require_cmd CMD...
#	time      now_ms, wait_for [-t SECS] CMD..., not CMD..., lines_ge N FILE [ERE],
#	          wait_exit PID [SECS] (sets WAIT_STATUS), wait_codes SECS PID...
#	          (sets WAIT_CODES), pid_alive PID, pid_gone PID, pids_gone PID...,
#	          pids_alive_list PID...
#	cleanup   at_exit CMDSTRING, track_pid PID..., mk_tmpdir VAR, mk_home
#	network   free_port
#	test API  start_testapi [FLAGS], testapi_stats [JQ], testapi_ge JQ N,
#	          testapi_control JSON, tls_certs (a CA and 127.0.0.1's certificate)
#	psup      wait_times_out APP MAX_MS
#	worker    worker_setup N [FLAGS], chat_job_head [TIMEOUT [KEYVAR [BASE]]],
#	          job_retry ATTEMPTS BASE MAX, start_worker JOB CONFIG NAME,
#	          run_workers JOB CONFIG SECS NAME... (sets WAIT_CODES),
#	          export_matches ITEMS EXPORT, finish_all STORE N, json_num JSON KEY
#	items     gen_items N FILE|- [FIRST]
#
# Never use a bare `wait`: it would also wait for the servers a test started.
# Wait for a pid (`wait "$pid"`, or wait_exit PID).
#
# TAP counters live in this shell: call ok/is/... from the test's top level
# or functions, never inside a pipeline or $(...) (a subshell loses them).
# At exit the helpers kill every tracked pid, run the cleanups registered with
# at_exit (last first), and make the exit status non-zero if a test failed or
# the plan was not met.

# `local` is not POSIX but every sh psup runs on has it (dash, bash, ash).
# shellcheck disable=SC3043,SC2034
: "${PSUP_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${PSUP_BIN:=$PSUP_SRC/bin}"
: "${PSUP_TESTBIN:=$PSUP_SRC/build/tests}"
export PSUP_SRC PSUP_BIN PSUP_TESTBIN
PATH="$PSUP_BIN:$PATH"
export PATH

_tap_n=0
_tap_failed=0
_tap_plan=""
_tap_pids=""
_tap_cleanups=""

# ---- TAP -----------------------------------------------------------------

# plan N: announce N tests.
plan() { _tap_plan=$1; echo "1..$1"; }

# plan_skip_all REASON: skip the whole file (exit 0).
plan_skip_all() { echo "1..0 # SKIP $*"; _tap_plan=0; exit 0; }

# done_testing: print the plan at the end instead of up front.
done_testing() { [ -n "$_tap_plan" ] || { _tap_plan=$_tap_n; echo "1..$_tap_n"; }; }

_tap_result() { # STATUS DESC
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
	return "$1"
}

# pass DESC / fail DESC
pass() { _tap_result 0 "$*"; }
fail() { _tap_result 1 "$*"; }

# ok DESC CMD [ARGS...]: passes when CMD exits 0.
#	ok "export is sorted" sort -c "$TMPD/ids"
ok() {
	local desc
	desc=$1; shift
	"$@"
	_tap_result $? "$desc"
}

# is GOT WANT DESC: string equality.
is() {
	if [ "$1" = "$2" ]; then _tap_result 0 "$3"; return 0; fi
	_tap_result 1 "$3"
	diag "  got: '$1'"
	diag " want: '$2'"
	return 1
}

# isnt GOT UNWANTED DESC
isnt() {
	if [ "$1" != "$2" ]; then _tap_result 0 "$3"; return 0; fi
	_tap_result 1 "$3"
	diag "  got: '$1' (unwanted)"
	return 1
}

# like GOT ERE DESC: GOT matches the extended regular expression.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then _tap_result 0 "$3"; return 0; fi
	_tap_result 1 "$3"
	diag "  got: '$1'"
	diag " want: /$2/"
	return 1
}

# unlike GOT ERE DESC
unlike() {
	if ! printf '%s\n' "$1" | grep -Eq -- "$2"; then _tap_result 0 "$3"; return 0; fi
	_tap_result 1 "$3"
	diag "  got: '$1'"
	diag " unwanted: /$2/"
	return 1
}

# cmp_ok A OP B DESC: integer comparison, OP one of -eq -ne -lt -le -gt -ge.
cmp_ok() {
	case $2 in
	-eq|-ne|-lt|-le|-gt|-ge) ;;
	*) bail_out "cmp_ok: bad operator '$2'" ;;
	esac
	if test "$1" "$2" "$3" 2>/dev/null; then _tap_result 0 "$4"; return 0; fi
	_tap_result 1 "$4"
	diag "  '$1' $2 '$3' is false"
	return 1
}

# in_range N LO HI DESC: integer N within [LO, HI].
in_range() {
	if [ -n "$1" ] && [ "$1" -ge "$2" ] 2>/dev/null && [ "$1" -le "$3" ]; then
		_tap_result 0 "$4"; return 0
	fi
	_tap_result 1 "$4"
	diag "  '$1' is not in [$2, $3]"
	return 1
}

# skip REASON [N]: record N (default 1) skipped tests.
skip() {
	_r=$1; _k=${2:-1}
	while [ "$_k" -gt 0 ]; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # skip $_r"
		_k=$((_k - 1))
	done
}

# diag MSG...: a comment on stderr (shown by prove even when not verbose).
diag() { printf '# %s\n' "$*" >&2; }
# note MSG...: a comment on stdout (shown by prove -v).
note() { printf '# %s\n' "$*"; }

# diag_file FILE [LINES]: the last LINES (default 20) of FILE as diagnostics.
diag_file() {
	[ -f "$1" ] || { diag "($1: no such file)"; return 0; }
	diag "--- tail of $1"
	tail -n "${2:-20}" "$1" | sed 's/^/#   /' >&2
}

# bail_out MSG: stop the whole test run.
bail_out() { echo "Bail out! $*"; exit 255; }

# require_bin PROG...: skip the file unless $PSUP_BIN/PROG exist.
require_bin() {
	for _p in "$@"; do
		[ -x "$PSUP_BIN/$_p" ] || plan_skip_all "$PSUP_BIN/$_p not built"
	done
}

# require_cmd CMD...: skip the file unless each CMD is on PATH.
require_cmd() {
	for _p in "$@"; do
		command -v "$_p" >/dev/null 2>&1 || plan_skip_all "$_p not installed"
	done
}

# ---- time and polling ------------------------------------------------------

# now_ms: wall-clock milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for [-t SECONDS] CMD [ARGS...]: polls CMD every 50 ms until it exits 0
# (return 0) or SECONDS (default $WAIT_TIMEOUT or 10; fractions allowed in
# tenths, e.g. 2.5) pass (return 1). Never use a bare sleep to synchronise.
wait_for() {
	local t ms end
	t=${WAIT_TIMEOUT:-10}
	if [ "$1" = "-t" ]; then t=$2; shift 2; fi
	case $t in
	*.*) ms=$(( ${t%%.*}000 + ${t#*.}00 )) ;;
	*) ms=$((t * 1000)) ;;
	esac
	end=$(($(now_ms) + ms))
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# not CMD [ARGS...]: true when CMD fails (for ok and wait_for).
#	ok "the secret is not logged" not grep -q "$SECRET" run.log
not() { ! "$@"; }

# lines_ge N FILE [ERE]: FILE has at least N lines (matching ERE), for wait_for.
lines_ge() {
	[ "$(grep -cE -- "${3:-}" "$2" 2>/dev/null)" -ge "$1" ] 2>/dev/null
}

# pid_alive PID: true while PID exists and is not a zombie.
pid_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	_pa_st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	[ -n "$_pa_st" ] && [ "$_pa_st" != Z ] && [ "$_pa_st" != X ]
}

# pid_gone PID: the negation, for wait_for.
pid_gone() { ! pid_alive "$1"; }

# pids_gone PID...: every PID is gone (for wait_for).
pids_gone() {
	for _pg in "$@"; do pid_alive "$_pg" && return 1; done
	return 0
}

# pids_alive_list PID...: the PIDs still alive, space-separated (for diag).
pids_alive_list() {
	_pal=""
	for _pg in "$@"; do pid_alive "$_pg" && _pal="$_pal $_pg"; done
	echo "${_pal# }"
}

# wait_exit PID [SECONDS]: waits for a child of this shell to exit and sets
# WAIT_STATUS to its exit status (128+N when killed by signal N). Returns 1
# with WAIT_STATUS empty, leaving it running, if it outlives SECONDS (default 10).
wait_exit() {
	WAIT_STATUS=""
	wait_for -t "${2:-10}" pid_gone "$1" || return 1
	wait "$1"
	WAIT_STATUS=$?
	return 0
}

# wait_codes SECONDS PID...: wait_exit for each PID in turn and sets
# WAIT_CODES to their exit statuses in order, space-separated ("0 0 137"),
# "timeout" for one that outlived SECONDS.
wait_codes() {
	local secs codes
	secs=$1; shift
	codes=""
	for _wc in "$@"; do
		if wait_exit "$_wc" "$secs"; then codes="$codes $WAIT_STATUS"; else codes="$codes timeout"; fi
	done
	WAIT_CODES=${codes# }
}

# ---- processes and cleanup ------------------------------------------------

# at_exit CMD: run the shell command string CMD at exit (last registered first).
at_exit() {
	_tap_cleanups="$1
$_tap_cleanups"
}

# track_pid PID...: SIGTERM PID at exit (SIGKILL after 3 s if it lingers).
track_pid() { _tap_pids="$_tap_pids $*"; }

_kill_tracked() {
	_alive=""
	for _p in $_tap_pids; do
		if pid_alive "$_p"; then kill "$_p" 2>/dev/null; _alive="$_alive $_p"; fi
	done
	for _p in $_alive; do
		wait_for -t 3 pid_gone "$_p" || { diag "pid $_p ignored SIGTERM; SIGKILL"; kill -9 "$_p" 2>/dev/null; }
	done
}

_lib_exit() {
	_le_st=$?
	trap - EXIT
	_kill_tracked
	# Newline-separated command strings; run them one by one.
	printf '%s\n' "$_tap_cleanups" | while IFS= read -r _c; do
		[ -n "$_c" ] && eval "$_c"
	done
	if [ "$_tap_failed" -gt 0 ]; then
		diag "failed $_tap_failed of $_tap_n tests"
		[ "$_le_st" -ne 0 ] || _le_st=1
	elif [ -n "$_tap_plan" ] && [ "$_tap_plan" -ne "$_tap_n" ] && [ "$_le_st" -eq 0 ]; then
		diag "planned $_tap_plan tests but ran $_tap_n"
		_le_st=1
	fi
	exit "$_le_st"
}
trap _lib_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mk_tmpdir VAR: sets VAR to a new temporary directory, removed at exit.
# (Not `$(mk_tmpdir)`: the cleanup must be registered in this shell.)
mk_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/psup-e2e.XXXXXX") || bail_out "mktemp failed"
	if [ "${PSUP_KEEP:-0}" = 1 ]; then
		at_exit "diag 'kept $d'"
	else
		at_exit "rm -rf '$d'"
	fi
	eval "$1=\$d"
}

# mk_home: exports PSUP_HOME (a fresh 0700 directory) and sets TMPD (a second
# scratch directory for the test's own files). Both are removed at exit; if a
# psup daemon socket is left in PSUP_HOME, `psup kill` runs first so no app
# survives the test.
mk_home() {
	mk_tmpdir PSUP_HOME
	mk_tmpdir TMPD
	export PSUP_HOME TMPD
	at_exit "_psup_kill_home"
}

_psup_kill_home() {
	if [ -S "$PSUP_HOME/psup.sock" ] && [ -x "$PSUP_BIN/psup" ]; then
		timeout 15 "$PSUP_BIN/psup" kill >/dev/null 2>&1 || diag "psup kill failed at exit"
	fi
}

# free_port: prints a TCP port on 127.0.0.1 that no socket uses now.
# (Racy by nature; prefer `--port 0` where a program supports it.) Picked
# below the kernel's ephemeral range where it leaves room: a port in it
# can be taken at any moment as the local end of another test's
# connection, which no check of listeners sees coming.
free_port() {
	_lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	case $_lo in '' | *[!0-9]*) _lo=0 ;; esac
	_span=30000
	[ "$_lo" -gt 21000 ] && _span=$((_lo - 20000))
	while :; do
		_port=$(( $(od -An -N2 -tu2 /dev/urandom) % _span + 20000 ))
		ss -Htan "sport = :$_port" 2>/dev/null | grep -q . || { echo "$_port"; return 0; }
	done
}

# ---- the test API server --------------------------------------------------

# chat_job_head [TIMEOUT [KEYVAR [BASE]]]: the request and response sections
# of a job file for the test API's chat endpoint (timeout default 5s) at BASE
# (default $TESTAPI_URL); with KEYVAR, an Authorization header with the key
# from the worker's environment variable KEYVAR. Tests append their own
# limits, retry and lease sections.
chat_job_head() {
	cat <<EOF
request:
  url: ${3:-$TESTAPI_URL}/v1/chat/completions
  headers:
    Content-Type: application/json
EOF
	[ -z "${2:-}" ] || printf '    Authorization: Bearer ${%s}\n' "$2"
	cat <<EOF
  body: '{"model": "m", "messages": [{"role": "user", "content": {{item.text}}}]}'
  timeout: ${1:-5s}
response:
  extract: /choices/0/message/content
  usage: /usage/total_tokens
EOF
}

# job_retry ATTEMPTS BASE MAX: a job file's retry section.
job_retry() {
	printf 'retry:\n  max_attempts: %s\n  base_delay: %s\n  max_delay: %s\n' "$1" "$2" "$3"
}

# start_testapi [FLAGS...]: starts $PSUP_BIN/psup-testapi on a free loopback
# port with FLAGS (see psup-testapi --help), waits until /health answers, and
# exports TESTAPI_URL (http://127.0.0.1:PORT), TESTAPI_PORT, TESTAPI_PID and
# TESTAPI_DIR (holds its output, testapi.out). The server stops itself after
# $TESTAPI_MAX_SECONDS (default 300) in case everything else fails. With
# TESTAPI_CA set (the CA file that vouches for FLAGS' --tls-cert), the URL is
# https:// and the helpers below trust that CA.
start_testapi() {
	mk_tmpdir TESTAPI_DIR
	"$PSUP_BIN/psup-testapi" --port 0 --port-file "$TESTAPI_DIR/port" \
		--max-seconds "${TESTAPI_MAX_SECONDS:-300}" "$@" \
		>"$TESTAPI_DIR/testapi.out" 2>&1 &
	TESTAPI_PID=$!
	track_pid "$TESTAPI_PID"
	if ! wait_for -t 10 test -s "$TESTAPI_DIR/port"; then
		diag "psup-testapi did not start"
		diag_file "$TESTAPI_DIR/testapi.out"
		return 1
	fi
	TESTAPI_PORT=$(cat "$TESTAPI_DIR/port")
	TESTAPI_URL="http://127.0.0.1:$TESTAPI_PORT"
	[ -z "${TESTAPI_CA:-}" ] || TESTAPI_URL="https://127.0.0.1:$TESTAPI_PORT"
	export TESTAPI_URL TESTAPI_PORT TESTAPI_PID TESTAPI_DIR
	if ! wait_for -t 10 testapi_curl -o /dev/null "$TESTAPI_URL/health"; then
		diag "psup-testapi does not answer /health"
		diag_file "$TESTAPI_DIR/testapi.out"
		return 1
	fi
}

# tls_certs: in the current directory, a CA (ca.crt, ca.key) and a server
# certificate for 127.0.0.1 that it signs (srv.crt, srv.key); bails out
# when openssl cannot make them.
tls_certs() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
		-subj "/CN=psup test CA" >openssl.log 2>&1 &&
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" \
		>>openssl.log 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1\n' >san.ext &&
	openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 2 \
		-extfile san.ext >>openssl.log 2>&1 ||
		{ diag_file openssl.log; bail_out "openssl could not make the certificates"; }
}

# testapi_curl ARGS...: curl -fsS to the test API, trusting TESTAPI_CA
# when it serves HTTPS.
testapi_curl() {
	if [ -n "${TESTAPI_CA:-}" ]; then
		curl -fsS --cacert "$TESTAPI_CA" "$@"
	else
		curl -fsS "$@"
	fi
}

# testapi_stats [JQ_FILTER]: GET /stats, optionally filtered with jq -r.
testapi_stats() {
	testapi_curl "$TESTAPI_URL/stats" | jq -r "${1:-.}"
}

# testapi_ge JQ N: the /stats value JQ is at least N (for wait_for).
#	wait_for -t 30 testapi_ge .requests 1000
testapi_ge() {
	[ "$(testapi_stats "$1")" -ge "$2" ] 2>/dev/null
}

# testapi_control JSON: POST /control to change faults live; prints the reply.
#	testapi_control '{"fail_500":0,"rate_limit":0}'
testapi_control() {
	testapi_curl -X POST -H 'Content-Type: application/json' --data "$1" "$TESTAPI_URL/control"
}

# gen_items N FILE [FIRST]: N JSONL items via tests/gen-items.sh.
gen_items() { sh "$PSUP_SRC/tests/gen-items.sh" "$@"; }

# ---- the psup CLI ------------------------------------------------------------

# wait_times_out APP MAX_MS: three tests of `psup wait APP --timeout 300ms`
# on an app that will not finish in time: exit 1, "timed out" on stderr,
# returned within MAX_MS. Its output is left in $TMPD/out and $TMPD/err.
wait_times_out() {
	local t0 rc
	t0=$(now_ms)
	"$PSUP_BIN/psup" wait "$1" --timeout 300ms > "$TMPD/out" 2> "$TMPD/err"; rc=$?
	is "$rc" 1 "wait $1 --timeout 300ms: exit 1"
	like "$(cat "$TMPD/err")" "timed out" "wait --timeout: says so"
	cmp_ok $(($(now_ms) - t0)) -lt "$2" "wait --timeout 300ms returns promptly"
}

# ---- psup-worker -------------------------------------------------------------

# worker_setup N [TESTAPI_FLAGS...]: the start of a worker test: mk_home, cd
# into TMPD, N items in items.jsonl (none for N=0), and the test API started
# with TESTAPI_FLAGS. Bails out if any of it fails.
worker_setup() {
	mk_home
	cd "$TMPD" || bail_out "cannot cd to $TMPD"
	[ "$1" -eq 0 ] || gen_items "$1" items.jsonl || bail_out "cannot make $1 items"
	shift
	start_testapi "$@" || bail_out "cannot start psup-testapi"
}

# start_worker JOB CONFIG NAME: psup-worker run in the background as NAME, its
# output in NAME.log (in the current directory); sets WORKER_PID (tracked).
start_worker() {
	psup-worker run --job "$1" --config "$2" --name "$3" >"$3.log" 2>&1 &
	WORKER_PID=$!
	track_pid "$WORKER_PID"
}

# run_workers JOB CONFIG SECONDS NAME...: one worker per NAME at once (as
# start_worker), then waits up to SECONDS for each; sets WAIT_CODES.
run_workers() {
	local job cfg secs pids
	job=$1 cfg=$2 secs=$3
	shift 3
	pids=""
	for _rw in "$@"; do
		start_worker "$job" "$cfg" "$_rw"
		pids="$pids $WORKER_PID"
	done
	# shellcheck disable=SC2086
	wait_codes "$secs" $pids
}

# export_matches ITEMS EXPORT: four tests of a psup-worker export (EXPORT)
# of the items of ITEMS (gen_items JSONL) run against the test API: a line
# per item, every id exactly once in input order, every item ok, and each
# result the API's answer to its own item ("echo: " + its text).
export_matches() {
	is "$(wc -l <"$2" | tr -d ' ')" "$(wc -l <"$1" | tr -d ' ')" "the export has a line per item"
	jq -r .id "$1" >"$TMPD/export.ids.want"
	jq -r .id "$2" >"$TMPD/export.ids.got" 2>/dev/null
	ok "every id exactly once, in input order" cmp -s "$TMPD/export.ids.want" "$TMPD/export.ids.got" ||
		diff "$TMPD/export.ids.want" "$TMPD/export.ids.got" | head -5 | while IFS= read -r _l; do diag "$_l"; done
	is "$(jq -r 'select(.status != "ok") | .id' "$2" | wc -l | tr -d ' ')" 0 "every item ok"
	jq -r '"echo: " + .text' "$1" >"$TMPD/export.results.want"
	jq -r .result "$2" >"$TMPD/export.results.got" 2>/dev/null
	ok "each result is the answer to its own item" cmp -s "$TMPD/export.results.want" "$TMPD/export.results.got"
}

# finish_all STORE N: N stand-in workers at once (test_store_race
# --finish-all: each finishes items straight through the store), their
# output in fin.I.out and fin.I.err; sets WAIT_CODES.
finish_all() {
	local pids i
	pids=""
	i=0
	while [ "$i" -lt "$2" ]; do
		"$PSUP_TESTBIN/test_store_race" --finish-all "$1" > "fin.$i.out" 2> "fin.$i.err" &
		track_pid $!
		pids="$pids $!"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	wait_codes 60 $pids
}

# json_num JSON KEY: the number KEY of a flat JSON object (status --json).
json_num() {
	printf '%s\n' "$1" | grep -o "\"$2\":[0-9]*" | head -n 1 | cut -d: -f2
}

# ---- slow machines -----------------------------------------------------------

# slow_bound SECONDS: SECONDS scaled for the build under test and the
# machine: times 4 for a sanitizer build (ASan, found by PSUP_BIN's path or
# by psup-worker linking libasan), times PSUP_SLOW (a whole number, default
# 1) for a loaded machine. A bound is when a polled wait gives up, never how
# long it waits: wait_for returns as soon as its condition holds, so a
# generous bound costs nothing when the machine is fast.
#	wait_for -t "$(slow_bound 10)" testapi_ge .requests 100
_slow_factor=${PSUP_SLOW:-1}
case $PSUP_BIN in
*/asan/*) _slow_factor=$((_slow_factor * 4)) ;;
*) ! ldd "$PSUP_BIN/psup-worker" 2>/dev/null | grep -q libasan ||
	_slow_factor=$((_slow_factor * 4)) ;;
esac
slow_bound() { echo $(($1 * _slow_factor)); }
