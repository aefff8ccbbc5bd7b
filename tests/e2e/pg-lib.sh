# shellcheck shell=sh disable=SC2034 # PG_* are for the test that sources it
# A private PostgreSQL server for a test, on top of lib.sh (after mk_home):
#	. "$PSUP_SRC/tests/e2e/pg-lib.sh"
#	pg_start || plan_skip_all "$PG_WHY"
# starts one in $TMPD/pg (its own data directory and unix socket, TCP on
# 127.0.0.1 at a free port; no fsync), stopped at exit, and sets PG_PORT
# and PG_URL (postgresql://postgres@127.0.0.1:PORT/postgres; through the
# socket: postgresql:///postgres?host=$PGD&port=$PG_PORT&user=postgres).
# pg_as CMD... runs a server tool as the server's user. Fails with
# PG_WHY set when none can run here (no server binaries, root without a
# postgres user, initdb or start failing).

pg_start() {
	PGBIN=""
	for _d in /usr/lib/postgresql/*/bin; do
		[ -x "$_d/initdb" ] && [ -x "$_d/pg_ctl" ] && PGBIN=$_d
	done
	[ -n "$PGBIN" ] || { PG_WHY="no PostgreSQL server binaries (initdb, pg_ctl)"; return 1; }
	# The server refuses to run as root: run it as postgres then.
	_PG_AS=""
	if [ "$(id -u)" -eq 0 ]; then
		id postgres > /dev/null 2>&1 || { PG_WHY="running as root and no postgres user"; return 1; }
		command -v runuser > /dev/null 2>&1 || { PG_WHY="running as root and no runuser"; return 1; }
		_PG_AS=1
	fi
	PGD=$TMPD/pg
	mkdir "$PGD" || { PG_WHY="cannot make $PGD"; return 1; }
	# The server's user must reach its directory: let it through (not list) ours.
	[ -z "$_PG_AS" ] || { chmod 711 "$TMPD"; chown postgres "$PGD"; }
	at_exit _pg_stop
	if ! pg_as "$PGBIN/initdb" -D "$PGD/data" -U postgres -A trust -E UTF8 --no-sync > "$PGD/initdb.log" 2>&1; then
		PG_WHY="initdb failed: $(tail -n 1 "$PGD/initdb.log")"
		return 1
	fi
	# A port free when picked can be taken before the server binds it (by
	# another test running beside this one): then a new port, three times.
	for _try in 1 2 3; do
		PG_PORT=$(free_port)
		pg_as "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t 60 \
			-o "-k $PGD -c listen_addresses=127.0.0.1 -p $PG_PORT -c fsync=off -c full_page_writes=off" \
			start > "$PGD/pg_ctl.out" 2>&1 && break
		grep -q "Address already in use" "$PGD/server.log" 2>/dev/null && [ "$_try" -lt 3 ] || {
			PG_WHY="the server did not start: $(grep -E 'FATAL|ERROR|could not' "$PGD/server.log" | tail -n 2 | tr '\n' ' ')$(tail -n 1 "$PGD/pg_ctl.out")"
			return 1
		}
		: > "$PGD/server.log"
	done
	PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
}

pg_as() {
	if [ -n "$_PG_AS" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Stopped by its data directory's pid file, before TMPD goes.
_pg_stop() {
	[ -f "$PGD/data/postmaster.pid" ] &&
		pg_as "$PGBIN/pg_ctl" -D "$PGD/data" -m immediate -w stop > /dev/null 2>&1
}
