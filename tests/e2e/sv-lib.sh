# Helpers for the end-to-end tests that drive the supervisor through psup
# (tests/e2e/2*-*.t, 40-worker-psup.t, 6*-*.t, 90-*.t), on top of lib.sh.
# Source it first thing:
#
#	. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
#	sv_setup            # PSUP_HOME, TMPD, H (helpers dir); psup kill at exit
#
# What is here (each documented where it is defined):
#	psup      psup ARGS, pingq, daemon_pid, sv_raw (a raw request)
#	apps      jl NAME JQ, state_is, all_state, field_is, field_isnt, field_ge,
#	          pid_changed,
#	          app_procs NAME, app_procs_like NAME ERE, home_procs, no_home_procs
#	describe  describe_json FILE [TARGET], exit_at FILE NAME, start_at FILE NAME
#	files     run_file NAME FILE
#	logs      log_first_ts FILE ERE, log_last_ts FILE ERE, str_lt A B, str_le A B
#	text      count_lines TEXT
#
# Apps are found by their environment (PSUP_HOME and PSUP_APP_NAME are in
# every app's), so a test only ever looks at, and kills, its own processes.

. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

sv_setup() {
	require_bin psup psup-keeper
	require_cmd jq
	# registered first, so it runs last: after lib.sh's `psup kill`
	at_exit "_sv_kill_leftovers"
	mk_home
	at_exit "_sv_diag"
	H=$PSUP_TESTBIN/helpers
	export H
}

# run_file NAME FILE: the path of app NAME's runtime file FILE (status,
# keeper.pid, control.sock): in the runtime directory $PSUP_HOME/run links
# to, else (PSUP_RUNDIR=off, or no tmpfs) beside its spec.
run_file() {
	if [ -L "$PSUP_HOME/run" ]; then
		printf '%s/run/%s/%s' "$PSUP_HOME" "$1" "$2"
	else
		printf '%s/apps/%s/%s' "$PSUP_HOME" "$1" "$2"
	fi
}

# sleeper_eco FILE NAME...: an ecosystem file of one sleeper app per NAME.
sleeper_eco() {
	_se=$1; shift
	echo "apps:" > "$_se"
	for _n in "$@"; do
		printf '  - name: %s\n    script: %s/sleeper\n' "$_n" "$H" >> "$_se"
	done
}

# psup ARGS...: the psup under test.
psup() { "$PSUP_BIN/psup" "$@"; }

# pingq: the daemon answers (quietly; for ok and wait_for).
pingq() { psup ping > /dev/null 2>&1; }

# jl NAME JQ: a field of app NAME from `psup jlist`, e.g. jl web .pid
jl() { psup jlist 2>/dev/null | jq -r --arg n "$1" ".[] | select(.name == \$n) | $2"; }

# state_is NAME STATE
state_is() { [ "$(jl "$1" .state)" = "$2" ]; }

# all_state STATE NAME...: every named app is in STATE (for wait_for).
all_state() {
	_as=$1; shift
	for _n in "$@"; do state_is "$_n" "$_as" || return 1; done
}

# pid_changed NAME OLDPID: NAME runs with a pid other than OLDPID (wait_for).
pid_changed() { _pc=$(jl "$1" .pid); [ -n "$_pc" ] && [ "$_pc" -gt 0 ] && [ "$_pc" != "$2" ]; }

# app_procs_like NAME ERE: app_procs whose command line matches ERE.
app_procs_like() {
	for _p in $(app_procs "$1"); do
		tr '\0' ' ' 2>/dev/null < "/proc/$_p/cmdline" | grep -Eq -- "$2" && echo "$_p"
	done
}

# field_is NAME JQ VALUE, field_isnt NAME JQ VALUE, field_ge NAME JQ N: for
# wait_for.
field_is() { [ "$(jl "$1" "$2")" = "$3" ]; }
field_isnt() { [ "$(jl "$1" "$2")" != "$3" ]; }
field_ge() { [ "$(jl "$1" "$2")" -ge "$3" ] 2>/dev/null; }

# app_procs NAME: pids of live (not zombie) processes of app NAME in this home,
# sorted, one per line.
app_procs() {
	for _e in $(grep -lzx "PSUP_APP_NAME=$1" /proc/[0-9]*/environ 2>/dev/null); do
		grep -qzx "PSUP_HOME=$PSUP_HOME" "$_e" 2>/dev/null || continue
		_p=${_e#/proc/}; _p=${_p%/environ}
		pid_alive "$_p" && echo "$_p"
	done | sort -n
}

# home_procs: every live process of this home: the daemon (argv[0] psup),
# the keepers ("psup: keep NAME"; both have PSUP_HOME from the CLI) and the
# apps (given PSUP_APP_NAME). The shell's own helpers are not counted.
home_procs() {
	for _e in $(grep -lzx "PSUP_HOME=$PSUP_HOME" /proc/[0-9]*/environ 2>/dev/null); do
		_p=${_e#/proc/}; _p=${_p%/environ}
		if grep -qz '^PSUP_APP_NAME=' "$_e" 2>/dev/null ||
		   head -c 4 "/proc/$_p/cmdline" 2>/dev/null | grep -q '^psup'; then
			pid_alive "$_p" && echo "$_p"
		fi
	done | sort -n
}

# no_home_procs: true when nothing of this home runs.
no_home_procs() { [ -z "$(home_procs)" ]; }

# count_lines TEXT: lines in TEXT (0 for empty).
count_lines() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l | tr -d ' '; fi; }

# daemon_pid: from psup.pid.
daemon_pid() { cat "$PSUP_HOME/psup.pid" 2>/dev/null; }

# sv_raw: sends stdin to the daemon's socket as is (after it, a half-close)
# and prints what the daemon answers until it closes or 3 s pass.
sv_raw() {
	python3 -c "$_SV_RAW_PY" "$PSUP_HOME/psup.sock"
}
_SV_RAW_PY='
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
data = sys.stdin.buffer.read()
try:
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
except OSError:
    pass
s.settimeout(3)
out = b""
end = time.time() + 3
try:
    while time.time() < end:
        b = s.recv(65536)
        if not b:
            break
        out += b
except OSError:
    pass
sys.stdout.write(out.decode("utf-8", "replace"))
'

# describe_json FILE [TARGET]: the daemon's describe reply for TARGET
# (default all: every app's exits, config, log sizes...), written to FILE.
describe_json() {
	printf '{"v":1,"cmd":"describe","target":"%s"}\n' "${2:-all}" | sv_raw > "$1"
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

# Whatever a failed test left behind in this home: SIGKILL by pid.
# On failure, the daemon's and keepers' own words (runs before the home goes).
_sv_diag() {
	if [ "$_tap_failed" -gt 0 ]; then
		diag_file "$PSUP_HOME/daemon.log" 30
		diag_file "$PSUP_HOME/keeper.log" 30
	fi
}

_sv_kill_leftovers() {
	# a daemon told to exit may take a moment
	wait_for -t 3 no_home_procs && return 0
	for _p in $(home_procs); do
		diag "left behind: $_p $(tr '\0' ' ' 2>/dev/null < /proc/$_p/cmdline)"
		kill -9 "$_p" 2>/dev/null
	done
}

# home_keepers: pids of this home's live keepers (titled "psup: keep NAME"),
# sorted, one per line.
home_keepers() {
	for _p in $(home_procs); do
		head -c 11 "/proc/$_p/cmdline" 2>/dev/null | grep -q '^psup: keep' && echo "$_p"
	done
}

# home_apps_like PREFIX: pids of this home's live apps whose name starts
# with PREFIX, sorted, one per line.
home_apps_like() {
	for _e in $(grep -lz "^PSUP_APP_NAME=$1" /proc/[0-9]*/environ 2>/dev/null); do
		grep -qzx "PSUP_HOME=$PSUP_HOME" "$_e" 2>/dev/null || continue
		_p=${_e#/proc/}; _p=${_p%/environ}
		pid_alive "$_p" && echo "$_p"
	done | sort -n
}
