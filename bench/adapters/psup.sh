# psup (this repo's bin/), private PSUP_HOME.
PSUP_BIN=${PSUP_BIN:-$ROOT/bin}
sv_version() { "$PSUP_BIN/psup" --version 2>/dev/null | awk '{ print $NF; exit }'; }
psup_() { PSUP_HOME=$SV_DIR/home "$PSUP_BIN/psup" "$@"; }

sv_init() {
	SV_DIR=$1
	mkdir -p "$SV_DIR/home" "$SV_DIR/logs"
	chmod 700 "$SV_DIR/home"
}
sv_boot() { psup_ ping >/dev/null; }
sv_start() {
	{ echo "log_dir: $SV_DIR/logs"; echo "apps:"
	spec_each "$1" | awk -F '\t' -v restart="${B_RESTART:-always}" \
	    -v noguard="${B_NOGUARD:-0}" -v defaults="${B_DEFAULTS:-0}" \
	    -v kill="${B_KILL_MS:-}" -v time="${B_TIME:-0}" '
	{
		printf "  - name: %s\n    script: %s\n", $1, $2
		if ($3 != "") printf "    args: \"%s\"\n", $3
		if (!defaults) {
			printf "    autorestart: %s\n    restart_delay: 0\n", restart == "never" ? "false" : "true"
			if (noguard) printf "    max_restarts: 1000000\n    min_uptime: 0\n"
			if (kill != "") printf "    kill_timeout: %d\n", kill
			if (time) printf "    time: true\n"
		}
	}'; } >"$SV_DIR/eco.yaml"
	psup_ start "$SV_DIR/eco.yaml" >/dev/null
}
sv_stop() { psup_ stop "$1" >/dev/null; }
sv_all() { psup_ "$1" all >/dev/null; }
sv_kill() { psup_ kill >/dev/null; }
sv_status() { psup_ jlist; }
sv_status2() { psup_ status; }
sv_listed() { psup_ jlist 2>/dev/null | json_count; }
sv_state() { psup_ jlist 2>/dev/null | json_field "$1" state; }
sv_logs() { echo "$SV_DIR/logs/$1-out.log $SV_DIR/logs/$1-error.log"; }
sv_daemon_pid() { cat "$SV_DIR/home/psup.pid" 2>/dev/null; }
keeper_pids() {
	cat "$SV_DIR"/home/run/*/status "$SV_DIR"/home/apps/*/status 2>/dev/null | tr ' ' '\n' | sed -n 's/^keeper_pid=//p' | sort -u
}
sv_owned_pids() {
	{ _d=$(sv_daemon_pid); alive "$_d" && echo "$_d"
	  for _k in $(keeper_pids); do alive "$_k" && echo "$_k"; done; } | sort -u
}
# Killed by pid, so psup cannot remove its runtime directory (on tmpfs,
# outside the home the scenario deletes): remove it here.
sv_teardown() {
	_run=$(readlink "$SV_DIR/home/run" 2>/dev/null)
	teardown_tree $(sv_daemon_pid) $(keeper_pids) ${PSUP_EXTRA_PIDS:-}
	case $_run in */psup-*) rm -rf "$_run" ;; esac
}
