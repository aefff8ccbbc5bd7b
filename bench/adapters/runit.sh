# runit (Debian package): runsvdir on a private service dir, one runsv per
# app, svlogd as each app's logger (runit's way: stderr joins stdout).
sv_version() { dpkg-query -W -f '${Version}' runit 2>/dev/null; }

sv_init() {
	SV_DIR=$1
	mkdir -p "$SV_DIR/service" "$SV_DIR/stage" "$SV_DIR/logs"
}
sv_up() { alive "$(sv_daemon_pid)"; }
# In a file, not a variable: sv_start may run in a subshell (bounded).
sv_boot() {
	runsvdir -P "$SV_DIR/service" </dev/null >/dev/null 2>&1 &
	echo $! >"$SV_DIR/runsvdir.pid"
}
# The service dirs are written in one pass (a few processes, not a few per
# app: with 1,000 apps the shell's forks would cost seconds that are not
# runit's) and moved into the scanned dir at once.
sv_start() {
	_svlogd=svlogd
	[ "${B_TIME:-0}" = 1 ] && _svlogd="svlogd -tt"
	spec_each "$1" | awk -F '\t' -v st="$SV_DIR/stage" -v logs="$SV_DIR/logs" '
	    { print st "/" $1 "/log"; print logs "/" $1 }' | xargs mkdir -p
	spec_each "$1" | awk -F '\t' -v st="$SV_DIR/stage" -v logs="$SV_DIR/logs" \
	    -v svlogd="$_svlogd" -v never="$([ "${B_RESTART:-always}" = never ] && echo 1)" '
	{
		d = st "/" $1
		printf "#!/bin/sh\nexec 2>&1\nexec %s %s\n", $2, $3 >(d "/run"); close(d "/run")
		printf "#!/bin/sh\nexec %s %s/%s\n", svlogd, logs, $1 >(d "/log/run"); close(d "/log/run")
		# s0: no rotation, keep every line
		print "s0" >(logs "/" $1 "/config"); close(logs "/" $1 "/config")
		# runsv restarts whatever exits: a down file, then "sv once", is restart=never
		if (never) { printf "" >(d "/down"); close(d "/down") }
	}'
	find "$SV_DIR/stage" -name run -exec chmod 755 {} +
	find "$SV_DIR/stage" -mindepth 1 -maxdepth 1 -exec mv -t "$SV_DIR/service" {} +
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
# runit has no fleet commands, but `sv` takes many services at once:
# sv restart/stop dir/* (each waits up to sv's 7 s); delete is runit's
# removal of a service: `sv exit` (runsv exits once the service is down)
# and the dir taken out of the scanned dir.
sv_all() {
	case $1 in
	delete) sv exit "$SV_DIR"/service/* >/dev/null; rm -rf "$SV_DIR"/service/* ;;
	*) sv "$1" "$SV_DIR"/service/* >/dev/null ;;
	esac
}
# runit's own shutdown (stage 3 of /etc/runit/3): force-stop every service,
# make every runsv exit, then runsvdir.
sv_kill() {
	sv -w 7 force-stop "$SV_DIR"/service/* >/dev/null
	sv exit "$SV_DIR"/service/* >/dev/null
	kill -HUP "$(sv_daemon_pid)" 2>/dev/null
}
sv_status() { sv status "$SV_DIR"/service/*; }
sv_status2() { :; }
sv_listed() { sv status "$SV_DIR"/service/* 2>/dev/null | grep -c '^run:'; }
sv_state() { sv status "$SV_DIR/service/$1" 2>/dev/null | awk -F: '{ print $1 }'; }
sv_logs() { echo "$SV_DIR/logs/$1/current -"; }
sv_daemon_pid() { cat "$SV_DIR/runsvdir.pid" 2>/dev/null; }
# Processes working in this home (runsv sits in its service dir, svlogd in
# its log dir, apps in the service dir), found by their cwd: runsv outlive
# runsvdir, and a stopped service has no pid file to lead to its runsv.
runit_here() {
	find /proc/[0-9]*/cwd -maxdepth 0 -lname "$SV_DIR/*" 2>/dev/null | cut -d/ -f3
}
sv_owned_pids() {
	{ _d=$(sv_daemon_pid); alive "$_d" && echo "$_d"
	  for _p in $(runit_here); do
		case $(cat "/proc/$_p/comm" 2>/dev/null) in runsv|svlogd) echo "$_p";; esac
	  done; } | sort -u
}
sv_teardown() { teardown_tree $(sv_daemon_pid) $(runit_here); }
