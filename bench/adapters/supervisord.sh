# supervisord (Debian package), private config, socket, pid file and logs.
sv_version() { supervisord --version; }
sctl() { supervisorctl -c "$SV_DIR/supervisord.conf" "$@"; }

sv_init() {
	SV_DIR=$1
	mkdir -p "$SV_DIR/conf.d" "$SV_DIR/logs"
	cat >"$SV_DIR/supervisord.conf" <<CONF
[unix_http_server]
file=$SV_DIR/supervisor.sock
[supervisord]
logfile=$SV_DIR/supervisord.log
pidfile=$SV_DIR/supervisord.pid
childlogdir=$SV_DIR/logs
; Each program holds about 5 fds here (pipes and log files): the default
; minfds (1,024) runs out near 200 programs. A user with a fleet raises it.
minfds=16384
minprocs=8192
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$SV_DIR/supervisor.sock
[include]
files = $SV_DIR/conf.d/*.conf
CONF
}
sv_up() { alive "$(sv_daemon_pid)"; }
sv_boot() {
	supervisord -c "$SV_DIR/supervisord.conf"
	poll_until 10000 sctl pid >/dev/null 2>&1
}
sv_start() {
	spec_each "$1" | awk -F '\t' -v logs="$SV_DIR/logs" -v restart="${B_RESTART:-always}" \
	    -v noguard="${B_NOGUARD:-0}" -v defaults="${B_DEFAULTS:-0}" -v kill="${B_KILL_MS:-}" '
	{
		printf "[program:%s]\ncommand=%s %s\n", $1, $2, $3
		printf "stdout_logfile=%s/%s-out.log\nstderr_logfile=%s/%s-error.log\n", logs, $1, logs, $1
		printf "stdout_logfile_maxbytes=0\nstderr_logfile_maxbytes=0\n"
		if (!defaults) {
			printf "autorestart=%s\n", restart == "never" ? "false" : "true"
			# startsecs=0: an exit is a normal exit, restarted at once, not a
			# failed start counted against startretries.
			if (noguard || restart == "never") printf "startsecs=0\nstartretries=1000000\n"
			if (kill != "") printf "stopwaitsecs=%d\n", (kill + 999) / 1000
		}
	}' >"$SV_DIR/conf.d/apps.conf"
	if sv_up; then
		sctl update >/dev/null
	else
		supervisord -c "$SV_DIR/supervisord.conf"
	fi
}
sv_stop() { sctl stop "$1" >/dev/null; }
# supervisorctl has `start/stop/restart all`; no `remove all` (remove takes
# names of stopped programs): its way to drop every program is to remove
# them from the config and `update`. Its `shutdown` stops every program,
# then supervisord exits.
sv_all() {
	case $1 in
	delete) : >"$SV_DIR/conf.d/apps.conf"; sctl update >/dev/null ;;
	*) sctl "$1" all >/dev/null ;;
	esac
}
sv_kill() { sctl shutdown >/dev/null; }
sv_status() { sctl status; }
sv_status2() { :; }
sv_listed() { sv_up || { echo 0; return; }; sctl status 2>/dev/null | grep -c .; }
sv_state() { sctl status "$1" 2>/dev/null | awk '{ print $2 }'; }
sv_logs() { echo "$SV_DIR/logs/$1-out.log $SV_DIR/logs/$1-error.log"; }
sv_daemon_pid() { cat "$SV_DIR/supervisord.pid" 2>/dev/null; }
sv_owned_pids() { sv_daemon_pid; }
sv_teardown() { teardown_tree $(sv_daemon_pid); }
