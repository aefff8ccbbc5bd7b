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
	PG_PORT=$(free_port)
	if ! pg_as "$PGBIN/initdb" -D "$PGD/data" -U postgres -A trust -E UTF8 --no-sync > "$PGD/initdb.log" 2>&1; then
		PG_WHY="initdb failed: $(tail -n 1 "$PGD/initdb.log")"
		return 1
	fi
	if ! pg_as "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t 30 \
		-o "-k $PGD -c listen_addresses=127.0.0.1 -p $PG_PORT -c fsync=off -c full_page_writes=off" \
		start > /dev/null 2>&1; then
		PG_WHY="the server did not start: $(tail -n 1 "$PGD/server.log")"
		return 1
	fi
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
