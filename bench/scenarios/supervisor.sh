# Supervisor scenarios 1-7 (bench/README.md). Each scn_* runs once for one
# supervisor inside a subshell that has sourced its adapter, with a fresh
# work dir $W, stamp dir $STAMPS, and sv_teardown on exit. Each prints
# "METRIC VALUE" lines (numbers), or "note METRIC TEXT" lines.

# make_spec N FILE [ARGS...]: N stampapps app1..appN (extra args after FILE).
make_spec() {
	_n=$1; _f=$2; shift 2
	_i=1
	while [ "$_i" -le "$_n" ]; do
		echo "app$_i $TOOLS/stampapp $STAMPS/app$_i $*"
		_i=$((_i + 1))
	done >"$_f"
}
# stamps_count: apps that have exec'd at least once.
stamps_count() { ls "$STAMPS" | wc -l; }
have_stamps() { [ "$(stamps_count)" -ge "$1" ]; }
# latest exec time (ns) over all stamp files.
stamps_last_ns() { cat "$STAMPS"/* | awk '$1 > m { m = $1 } END { print m }'; }
ms_between() { echo "$1 $2" | awk '{ printf "%.1f\n", ($2 - $1) / 1e6 }'; }

# 1. Idle footprint: PSS of everything the supervisor owns with 5 and 100
# apps, and the CPU time and wake-ups over the idle window with 100 (the
# window is what a run's time goes to: once is enough).
scn_idle() {
	for n in 5 100; do
		( sv_begin "$W/sv$n"
		  stamps_reset
		  make_spec "$n" "$W/spec$n"
		  sv_start "$W/spec$n"
		  poll_until 30000 have_stamps "$n" || { echo "note idle_$n only $(stamps_count) of $n apps started"; }
		  sleep 3   # let start-up work finish (pm2 writes its dump, etc.)
		  pids=$(sv_owned_pids)
		  echo "pss_mib_$n $(pss_kib $pids | awk '{ printf "%.2f", $1 / 1024 }')"
		  echo "procs_$n $(echo $pids | wc -w)"
		  if [ "$n" = 100 ]; then
			c0=$(cpu_ns $pids); w0=$(wakeups $pids)
			sleep "$IDLE_S"
			c1=$(cpu_ns $pids); w1=$(wakeups $pids)
			echo "wakeups_$n $((w1 - w0))"
			echo "cpu_ms_$n $(echo "$c0 $c1" | awk '{ printf "%.1f", ($2 - $1) / 1e6 }')"
		  fi
		  sv_teardown )
	done
}

# 2. Start latency: from the start command until all 100 apps have exec'd
# (the apps' own CLOCK_REALTIME stamps); warm = daemon already up.
scn_start() {
	for kind in warm cold; do
		( sv_begin "$W/sv$kind"
		  stamps_reset
		  make_spec 100 "$W/spec"
		  [ "$kind" = warm ] && { sv_boot; sleep 1; }
		  t0=$(now_ns)
		  sv_start "$W/spec"
		  if poll_until 30000 have_stamps 100; then
			echo "start_ms_$kind $(ms_between "$t0" "$(stamps_last_ns)")"
		  else
			echo "note start_$kind only $(stamps_count) of 100 apps started in 30 s"
		  fi
		  sv_teardown )
	done
}

# 3. Restart gap: an app that exits 1 at once, restart delay 0, guard off:
# median gap between consecutive execs over up to 50 restarts (or the
# window, for supervisors that wait a second). Then the default guard.
starts_of() { [ -f "$STAMPS/$1" ] && wc -l <"$STAMPS/$1" || echo 0; }
enough_starts() { [ "$(starts_of app1)" -ge "$1" ]; }
scn_restart() {
	( sv_begin "$W/svr"
	  stamps_reset
	  make_spec 1 "$W/spec" exit 1
	  B_NOGUARD=1 sv_start "$W/spec"
	  poll_until "$((RESTART_WINDOW_S * 1000))" enough_starts 51
	  n=$(starts_of app1)
	  echo "restarts_seen $((n - 1))"
	  if [ "$n" -ge 2 ]; then
		echo "gap_ms $(head -51 "$STAMPS/app1" | awk 'NR > 1 { print ($1 - p) / 1e6 } { p = $1 }' | stats 2 | awk '{ print $1 }')"
	  fi
	  sv_teardown )
	( sv_begin "$W/svg"
	  stamps_reset
	  make_spec 1 "$W/spec" exit 1
	  B_DEFAULTS=1 sv_start "$W/spec"
	  sleep "$GUARD_WINDOW_S"
	  n=$(starts_of app1)
	  first=$(head -1 "$STAMPS/app1" | awk '{ print $1 }')
	  last=$(tail -1 "$STAMPS/app1" | awk '{ print $1 }')
	  ago=$(ms_between "$last" "$(now_ns)" | awk '{ printf "%.1f", $1 / 1000 }')
	  echo "note guard (defaults): $n starts in $(ms_between "$first" "$last" | awk '{ printf "%.1f s", $1 / 1000 }'); ${GUARD_WINDOW_S} s after start the last start was $ago s ago and the state is '$(sv_state app1)'"
	  sv_teardown )
}

# 4. Log capture: logwriter sends $LOG_LINES 100-byte lines as fast as it can
# and exits; time from its exec until the logs hold everything (or stop
# growing), peak memory of what the supervisor owns, line-by-line check.
log_bytes() { _t=0; for _f in "$@"; do [ -f "$_f" ] && _t=$((_t + $(stat -c %s "$_f"))); done; echo "$_t"; }
# wait_logs EXPECTED FILE...: prints the ns time of the last growth. Stops
# when the files hold EXPECTED bytes (0 = unknown) and the writer ended, or
# when they have not grown for 1.5 s after the writer ended, or at 180 s.
wait_logs() {
	_exp=$1; shift
	_last=0; _tl=$(now_ns); _end=$(( $(now_ms) + 180000 ))
	while [ "$(now_ms)" -lt "$_end" ]; do
		_b=$(log_bytes "$@")
		_t=$(now_ns)
		if [ "$_b" != "$_last" ]; then _last=$_b; _tl=$_t; fi
		if grep -q '^end' "$STAMPS/writer" 2>/dev/null; then
			[ "$_exp" -gt 0 ] && [ "$_b" -ge "$_exp" ] && break
			[ $(( (_t - _tl) / 1000000 )) -ge 1500 ] && break
		fi
		sleep 0.02
	done
	echo "$_tl"
}
scn_logs() {
	for mode in out mixed time; do
		[ "$SV" = supervisord ] && [ "$mode" = time ] && { echo "note logs_time supervisord has no per-line timestamps"; continue; }
		( sv_begin "$W/svl$mode"
		  stamps_reset
		  wmode=out; [ "$mode" = mixed ] && wmode=mixed
		  echo "writer $TOOLS/logwriter $LOG_LINES $wmode $STAMPS/writer" >"$W/spec"
		  btime=0; [ "$mode" = time ] && btime=1
		  B_RESTART=never B_TIME=$btime sv_start "$W/spec"
		  set -- $(sv_logs writer)
		  out=$1; err=$2
		  files=$out; [ "$err" != - ] && files="$out $err"
		  exp=$((LOG_LINES * 100)); [ "$mode" = time ] && exp=0
		  poll_until 30000 test -s "$STAMPS/writer"
		  tl=$(wait_logs "$exp" $files)
		  t0=$(awk '$1 == "start" { print $2 }' "$STAMPS/writer")
		  echo "mbps_$mode $(echo "$t0 $tl $LOG_LINES" | awk '{ printf "%.0f", $3 * 100 / (($2 - $1) / 1e9) / 1e6 }')"
		  echo "peak_mib_$mode $(hwm_kib $(sv_owned_pids) | awk '{ printf "%.1f", $1 / 1024 }')"
		  cmode=out
		  if [ "$mode" = mixed ]; then cmode=split; [ "$err" = - ] && cmode=merged; fi
		  res=$("$TOOLS/logcheck" "$LOG_LINES" "$cmode" $files)
		  for kv in $res; do
			k=${kv%%=*}; v=${kv#*=}
			case $k in torn|dup|lost|misrouted) echo "${k}_$mode $v";; esac
		  done
		  # A torn line also counts as lost (its number never shows whole):
		  # lost - torn is what went missing entirely (a tail not written).
		  echo "$res" | sed 's/=/ /g' | awk '{ for (i = 1; i < NF; i += 2) v[$i] = $(i + 1)
			g = v["lost"] - v["torn"]; print "gone_'"$mode"' " (g > 0 ? g : 0) }'
		  sv_teardown )
	done
}
# The physical limit: the same writer redirected straight to files.
scn_logs_direct() {
	for mode in out mixed; do
		stamps_reset; rm -f "$W"/d.out "$W"/d.err
		"$TOOLS/logwriter" "$LOG_LINES" "$mode" "$STAMPS/writer" >"$W/d.out" 2>"$W/d.err"
		echo "mbps_$mode $(awk '$1 == "start" { s = $2 } $1 == "end" { e = $2 } END { printf "%.0f", '"$LOG_LINES"' * 100 / ((e - s) / 1e9) / 1e6 }' "$STAMPS/writer")"
		echo "lost_$mode $("$TOOLS/logcheck" "$LOG_LINES" "$([ $mode = out ] && echo out || echo split)" "$W/d.out" "$W/d.err" | sed 's/.*lost=\([0-9]*\).*/\1/')"
	done
	rm -f "$W"/d.out "$W"/d.err
}

# 5. Control latency: the status command with 100 apps, median of 7 calls.
time_cmd_ms() {
	for _i in 1 2 3 4 5 6 7; do
		_t0=$(now_ns); "$@" >/dev/null 2>&1; _t1=$(now_ns)
		echo $(( (_t1 - _t0) / 1000 ))
	done | stats 0 | awk '{ printf "%.2f\n", $1 / 1000 }'
}
scn_control() {
	( sv_begin "$W/svc"
	  stamps_reset
	  make_spec 100 "$W/spec"
	  sv_start "$W/spec"
	  poll_until 30000 have_stamps 100
	  sleep 2
	  echo "status_ms $(time_cmd_ms sv_status)"
	  if [ -n "$(sv_status2 2>/dev/null | head -1)" ]; then
		echo "status2_ms $(time_cmd_ms sv_status2)"
	  fi
	  sv_teardown )
}

# 6. Stop: an app that ignores SIGTERM with a child in its process group and
# a setsid() child; kill timeout 3 s. Time until the app is gone and the
# stop command returned; which of the three survive.
scn_stop() {
	( sv_begin "$W/svs"
	  stamps_reset
	  echo "hard $TOOLS/termignore $STAMPS/hard" >"$W/spec"
	  B_KILL_MS=3000; export B_KILL_MS
	  sv_start "$W/spec"
	  poll_until 30000 test -s "$STAMPS/hard"
	  sleep 1.5   # past every min_uptime/startsecs, so the app counts as started
	  app=$(awk '$1 == "app" { print $2 }' "$STAMPS/hard")
	  child=$(awk '$1 == "child" { print $2 }' "$STAMPS/hard")
	  ssid=$(awk '$1 == "setsid" { print $2 }' "$STAMPS/hard")
	  t0=$(now_ns)
	  sv_stop hard
	  t1=$(now_ns)
	  poll_until 10000 sh -c "! [ -d /proc/$app ] || grep -q '^State:.*Z' /proc/$app/status"
	  t2=$(now_ns)
	  tmax=$t1; [ "$t2" -gt "$t1" ] && tmax=$t2
	  echo "stop_ms $(ms_between "$t0" "$tmax")"
	  sleep 1
	  s=0; alive "$app" && s=$((s + 1)); echo "app_survives $([ $s -gt 0 ] && echo 1 || echo 0)"
	  echo "child_survives $(alive "$child" && echo 1 || echo 0)"
	  echo "setsid_child_survives $(alive "$ssid" && echo 1 || echo 0)"
	  # termignore pids are not stampapp lines: kill them here, by pid.
	  kill_pids $app $child $ssid
	  sv_teardown )
}

# 7. Survival: 10 apps, kill -9 the daemon; 5 s later how many apps still
# run; then kill -9 each app: how many are restarted (still supervised);
# then how many the status command lists.
scn_survival() {
	( sv_begin "$W/svk"
	  stamps_reset
	  make_spec 10 "$W/spec"
	  sv_start "$W/spec"
	  poll_until 30000 have_stamps 10
	  sleep 2
	  d=$(sv_daemon_pid)
	  kill -KILL "$d"
	  sleep 5
	  a=0; pids=
	  for f in "$STAMPS"/*; do
		p=$(tail -1 "$f" | awk '{ print $2 }')
		alive "$p" && { a=$((a + 1)); pids="$pids $p"; }
	  done
	  echo "alive_after_5s $a"
	  kill -KILL $pids 2>/dev/null
	  # restarted = a new exec line appears within 3 s
	  sleep 3
	  r=0
	  for f in "$STAMPS"/*; do [ "$(wc -l <"$f")" -ge 2 ] && r=$((r + 1)); done
	  echo "restarted_after_kill $r"
	  echo "listed_after $(sv_listed)"
	  sv_teardown )
}

# 8. A fleet: FLEET_N apps (1,000; 200 with --quick) in one file. Start
# until all exec'd (daemon up); jlist/status spaced 0.5 s apart (past any
# cache); PSS; restart all until every app exec'd again; stop all until
# every app is gone, with one jlist timed while it runs; delete all; start
# again, then kill (the supervisor's own shutdown) until every app is gone.
# Each adapter maps these to its supervisor's commands (sv_all, sv_kill).
one_cmd_ms() { _t0=$(now_ns); "$@" >/dev/null 2>&1; ms_between "$_t0" "$(now_ns)"; }
fleet_alive() { for _p in $(stamped_pids "$STAMPS"); do [ -d "/proc/$_p" ] && echo "$_p"; done | wc -l; }
fleet_none() { [ "$(fleet_alive)" -eq 0 ]; }
stamp_lines() { cat "$STAMPS"/* 2>/dev/null | wc -l; }
lines_ge() { [ "$(stamp_lines)" -ge "$1" ]; }
# Every step is bounded at FLEET_STEP_S (60 s) from its command: the
# command itself (bounded) and the wait for the apps. A step that runs out
# gives METRIC_cut (the bound: the report shows "> bound") and a note
# saying how far it got. The daemon is then still busy with the cut step
# (a cut `pm2 restart all` left pm2 restarting; its next `stop all` and
# `delete all` were cut too and its next start failed), so the steps after
# it on that daemon are skipped, with a note; the cold start still runs.
left_ms() { echo $(( FLEET_STEP_S * 1000 - ($(now_ns) - t0) / 1000000 )); }
# fleet_cmd CMD...: runs CMD bounded by what is left of the step; says so
# when it ran out or the command failed (a fleet command must exit 0).
fleet_cmd() {
	_fl=$(( $(left_ms) / 1000 )); [ "$_fl" -ge 1 ] || _fl=1
	bounded "$_fl" "$@" >/dev/null 2>&1
	_fr=$?
	case $_fr in
	0) ;;
	124) echo "note fleet: \`$*\` was cut after ${FLEET_STEP_S} s" ;;
	*) echo "note fleet: \`$*\` exited $_fr" ;;
	esac
	return "$_fr"
}
# fleet_cut METRIC WHAT: the step ran out; WHAT is evaluated for the note.
fleet_cut() {
	echo "${1}_cut $((FLEET_STEP_S * 1000))"
	echo "note $1: $(eval "$2") after ${FLEET_STEP_S} s; the next steps on this daemon are skipped"
	return 1
}
# fleet_wait METRIC WHAT CMD...: polls CMD until the step's end; prints the
# figure, or says it was cut and how far it got (and fails).
fleet_wait() {
	_fm=$1 _fw=$2; shift 2
	if poll_until "$(left_ms)" "$@"; then
		echo "$_fm $(ms_between "$t0" "$(now_ns)")"
	else
		fleet_cut "$_fm" "$_fw"
	fi
}
# The steps with the daemon up; returns at the first cut.
fleet_up() {
	sv_boot; sleep 1
	t0=$(now_ns)
	fleet_cmd sv_start "$W/spec"
	if poll_until "$(left_ms)" have_stamps "$n"; then
		echo "fleet_start_ms $(ms_between "$t0" "$(stamps_last_ns)")"
	else
		fleet_cut fleet_start_ms 'echo "only $(stamps_count) of $n apps started"' || return
	fi
	sleep 2
	for i in 1 2 3 4 5; do one_cmd_ms sv_status; sleep 0.5; done | sort -n | sed -n 3p |
		sed 's/^/fleet_status_ms /'
	echo "fleet_pss_mib $(pss_kib $(sv_owned_pids) | awk '{ printf "%.1f", $1 / 1024 }')"
	t0=$(now_ns)
	fleet_cmd sv_all restart
	fleet_wait fleet_restart_ms 'echo "only $(($(stamp_lines) - n)) of $n apps restarted"' lines_ge "$((2 * n))" || return
	sleep 1
	t0=$(now_ns)
	fleet_cmd sv_all stop & sp=$!
	sleep 0.2
	echo "fleet_status_during_stop_ms $(one_cmd_ms sv_status)"
	wait $sp
	fleet_wait fleet_stop_ms 'echo "$(fleet_alive) apps still ran"' fleet_none || return
	t0=$(now_ns)
	if fleet_cmd sv_all delete || [ $? != 124 ]; then
		echo "fleet_delete_ms $(ms_between "$t0" "$(now_ns)")"
	else
		fleet_cut fleet_delete_ms 'echo "the command had not returned"' || return
	fi
	t0=$(now_ns)
	fleet_cmd sv_start "$W/spec"
	if poll_until "$(left_ms)" lines_ge "$((3 * n))"; then
		echo "fleet_start_again_ms $(ms_between "$t0" "$(now_ns)")"
	else
		fleet_cut fleet_start_again_ms 'echo "only $(($(stamp_lines) - 2 * n)) of $n apps started again"' || return
	fi
	sleep 1
	t0=$(now_ns)
	fleet_cmd sv_kill
	fleet_wait fleet_kill_ms 'echo "$(fleet_alive) apps still ran"' fleet_none
}
scn_fleet() {
	n=$FLEET_N
	FLEET_STEP_S=${FLEET_STEP_S:-60}
	echo "fleet_apps $n"
	( sv_begin "$W/svf"
	  stamps_reset
	  make_spec "$n" "$W/spec"
	  fleet_up
	  sv_teardown )
	# cold: the start command also starts the supervisor, in a fresh place
	( sv_begin "$W/svfc"
	  stamps_reset
	  make_spec "$n" "$W/spec"
	  t0=$(now_ns)
	  fleet_cmd sv_start "$W/spec"
	  if poll_until "$(left_ms)" have_stamps "$n"; then
		echo "fleet_start_cold_ms $(ms_between "$t0" "$(stamps_last_ns)")"
	  else
		fleet_cut fleet_start_cold_ms 'echo "only $(stamps_count) of $n apps started"'
	  fi
	  sv_teardown )
}
