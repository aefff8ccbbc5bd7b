# runit (Debian package): runsvdir on a private service dir, one runsv per
# app, svlogd as each app's logger (runit's way: stderr joins stdout).
sv_version() { dpkg-query -W -f '${Version}' runit 2>/dev/null; }

sv_init() {
	SV_DIR=$1
	RUNSVDIR_PID=
	mkdir -p "$SV_DIR/service" "$SV_DIR/stage" "$SV_DIR/logs"
}
sv_up() { alive "$RUNSVDIR_PID"; }
sv_boot() {
	runsvdir -P "$SV_DIR/service" </dev/null >/dev/null 2>&1 &
	RUNSVDIR_PID=$!
}
sv_start() {
	_svlogd=svlogd
	[ "${B_TIME:-0}" = 1 ] && _svlogd="svlogd -tt"
	_tab=$(printf '\t')
	spec_each "$1" | while IFS=$_tab read -r _n _prog _args; do
		_d=$SV_DIR/stage/$_n
		mkdir -p "$_d/log" "$SV_DIR/logs/$_n"
		printf '#!/bin/sh\nexec 2>&1\nexec %s %s\n' "$_prog" "$_args" >"$_d/run"
		printf '#!/bin/sh\nexec %s %s\n' "$_svlogd" "$SV_DIR/logs/$_n" >"$_d/log/run"
		printf 's0\n' >"$SV_DIR/logs/$_n/config"   # no rotation: keep every line
		chmod 755 "$_d/run" "$_d/log/run"
		# runsv restarts whatever exits; "once" is runit's restart=never.
		[ "${B_RESTART:-always}" = never ] && touch "$_d/down"
		mv "$_d" "$SV_DIR/service/$_n"
	done
	sv_up || sv_boot
	if [ "${B_RESTART:-always}" = never ]; then
		for _n in $(awk '{ print $1 }' "$1"); do
			# sv fails until runsv reads its control fifo: retry.
			poll_until 10000 sv once "$SV_DIR/service/$_n" >/dev/null 2>&1
		done
	fi
}
sv_stop() {
	_w=$(( (${B_KILL_MS:-7000} + 999) / 1000 ))
	sv -w "$_w" force-stop "$SV_DIR/service/$1" >/dev/null
}
sv_status() { sv status "$SV_DIR"/service/*; }
sv_status2() { :; }
sv_listed() { sv status "$SV_DIR"/service/* 2>/dev/null | grep -c '^run:'; }
sv_state() { sv status "$SV_DIR/service/$1" 2>/dev/null | awk -F: '{ print $1 }'; }
sv_logs() { echo "$SV_DIR/logs/$1/current -"; }
sv_daemon_pid() { echo "$RUNSVDIR_PID"; }
sv_owned_pids() {
	_root=$RUNSVDIR_PID
	{ alive "$_root" && echo "$_root"
	  for _p in $(descendants $_root $(runsv_pids)); do
		case $(cat "/proc/$_p/comm" 2>/dev/null) in runsv|svlogd) echo "$_p";; esac
	  done; runsv_pids; } | sort -u
}
# runsv processes of this service dir (they outlive runsvdir).
runsv_pids() {
	for _d in "$SV_DIR"/service/*/supervise "$SV_DIR"/service/*/log/supervise; do
		[ -s "$_d/pid" ] || continue
		_p=$(ppid_of "$(cat "$_d/pid")")
		[ -n "$_p" ] && [ "$(cat "/proc/$_p/comm" 2>/dev/null)" = runsv ] && echo "$_p"
	done | sort -u
}
sv_teardown() { teardown_tree $RUNSVDIR_PID $(runsv_pids); }
