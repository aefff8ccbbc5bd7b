# Helpers for the pipeline end-to-end tests (tests/e2e/6*-*.t, 90-*.t), on
# top of sv-lib.sh (which sources lib.sh). Source it first thing:
#
#	. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/pipeline-lib.sh"
#
# shellcheck disable=SC3043,SC2034

. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"

# describe_json FILE: every app's describe object (exits, config, ...) as one
# JSON reply from the daemon, written to FILE.
describe_json() {
	printf '{"v":1,"cmd":"describe","target":"all"}\n' | sv_raw > "$1"
}

# exit_at FILE NAME: ms since epoch of NAME's last exit, from describe_json.
exit_at() {
	jq -r --arg n "$2" '.apps[] | select(.name == $n) | .exits[0].at // empty' "$1"
}

# start_at FILE NAME: ms since epoch NAME's last run began (exit - runtime).
start_at() {
	jq -r --arg n "$2" '.apps[] | select(.name == $n) | (.exits[0].at - .exits[0].runtime_ms) // empty' "$1"
}

# log_first_ts FILE ERE / log_last_ts FILE ERE: the timestamp (first field of
# a `time: true` log line) of the first / last line of FILE matching ERE.
log_first_ts() { grep -E -- "$2" "$1" 2>/dev/null | head -n 1 | cut -d' ' -f1; }
log_last_ts() { grep -E -- "$2" "$1" 2>/dev/null | tail -n 1 | cut -d' ' -f1; }

# str_lt A B: string A sorts before B (ISO 8601 stamps of one zone and width).
str_lt() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a "" < b "") }'; }
str_le() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a "" <= b "") }'; }

# pids_gone PID...: every PID is gone (not even a zombie of ours lingering
# as a live process).
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
