# pm2 (npm, private prefix bench/.tools, private PM2_HOME).
PM2_BIN=$BENCH_DIR/.tools/node_modules/.bin/pm2

# `pm2 --version` starts a daemon in that home: kill it before removing it.
sv_version() {
	PM2_HOME=/tmp/pm2-version-$$ "$PM2_BIN" --version 2>/dev/null | tail -1
	PM2_HOME=/tmp/pm2-version-$$ "$PM2_BIN" kill >/dev/null 2>&1
	rm -rf /tmp/pm2-version-$$
}
pm2_() { PM2_HOME=$SV_DIR/pm2 "$PM2_BIN" "$@"; }

sv_init() {
	SV_DIR=$1
	mkdir -p "$SV_DIR/pm2" "$SV_DIR/logs"
}
sv_boot() { pm2_ ping >/dev/null; }

sv_start() {
	spec_each "$1" | awk -F '\t' -v logs="$SV_DIR/logs" -v restart="${B_RESTART:-always}" \
	    -v noguard="${B_NOGUARD:-0}" -v defaults="${B_DEFAULTS:-0}" \
	    -v kill="${B_KILL_MS:-}" -v time="${B_TIME:-0}" '
	BEGIN { printf "{\"apps\":[" }
	{
		if (NR > 1) printf ","
		printf "\n{\"name\":\"%s\",\"script\":\"%s\",\"exec_interpreter\":\"none\",\"exec_mode\":\"fork\"", $1, $2
		n = split($3, a, " "); printf ",\"args\":["
		for (i = 1; i <= n; i++) printf "%s\"%s\"", (i > 1 ? "," : ""), a[i]
		printf "]"
		printf ",\"out_file\":\"%s/%s-out.log\",\"error_file\":\"%s/%s-error.log\"", logs, $1, logs, $1
		if (!defaults) {
			printf ",\"autorestart\":%s,\"restart_delay\":0", restart == "never" ? "false" : "true"
			if (noguard) printf ",\"max_restarts\":1000000,\"min_uptime\":0"
			if (kill != "") printf ",\"kill_timeout\":%d", kill
			if (time) printf ",\"time\":true"
		}
		printf "}"
	}
	END { print "]}" }' >"$SV_DIR/eco.json"
	pm2_ start "$SV_DIR/eco.json" >/dev/null
}
sv_stop() { pm2_ stop "$1" >/dev/null; }
sv_all() { pm2_ "$1" all >/dev/null; }
sv_kill() { pm2_ kill >/dev/null; }
sv_status() { pm2_ jlist; }
sv_status2() { pm2_ ls; }
sv_listed() { pm2_ jlist 2>/dev/null | json_count; }
sv_state() { pm2_ jlist 2>/dev/null | json_field "$1" pm2_env.status; }
sv_logs() { echo "$SV_DIR/logs/$1-out.log $SV_DIR/logs/$1-error.log"; }
sv_daemon_pid() { cat "$SV_DIR/pm2/pm2.pid" 2>/dev/null; }
sv_owned_pids() { sv_daemon_pid; }
sv_teardown() {
	# Every pm2 daemon this home ever had (a command after a kill -9 starts a new one).
	teardown_tree $(sv_daemon_pid) ${PM2_EXTRA_PIDS:-}
}
