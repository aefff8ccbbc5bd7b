# A private PostgreSQL server (its own data directory and unix socket in a
# temp dir, no TCP), sourced by worker/stores.sh, as tests/e2e/31 starts one.
#   pg_start DIR   initdb + start; sets PG_URL (empty when it cannot)
#   pg_stop        stops it by its pid file
#   pg_reset       drops psup's tables: the next init makes a fresh job
#   pg_cpu_ticks   the server's CPU so far, in clock ticks: its processes'
#                  and those of its backends that have ended
# The server refuses to run as root: it runs as postgres then.
PG_BIN=
for _d in /usr/lib/postgresql/*/bin; do
	[ -x "$_d/initdb" ] && [ -x "$_d/pg_ctl" ] && PG_BIN=$_d
done

_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
	PG_DIR=$1 PG_URL=
	[ -n "$PG_BIN" ] || { log "worker: no PostgreSQL server binaries: PostgreSQL rows skipped"; return 1; }
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || { log "worker: root and no postgres user: PostgreSQL rows skipped"; return 1; }
		chmod 711 "$(dirname "$PG_DIR")"
	fi
	mkdir -p "$PG_DIR"
	[ "$(id -u)" -ne 0 ] || chown postgres "$PG_DIR"
	_pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-sync \
	    >"$PG_DIR/initdb.log" 2>&1 || { log "worker: initdb failed"; return 1; }
	# Durable commits as a user's server would make them (fsync on).
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
	    -o "-k $PG_DIR -c listen_addresses= -p 5432 -c max_connections=50" start >/dev/null 2>&1 ||
	    { log "worker: the PostgreSQL server did not start"; return 1; }
	PG_URL="postgresql:///postgres?host=$PG_DIR&port=5432&user=postgres"
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/data/postmaster.pid" ] || return 0
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 ||
	    kill "$(head -n 1 "$PG_DIR/data/postmaster.pid")" 2>/dev/null
}

pg_reset() {
	"$PG_BIN/psql" "$PG_URL" -q -c "SET client_min_messages = warning" \
	    -c "DROP TABLE IF EXISTS psup_items, psup_meta, psup_counts, psup_payloads" \
	    -c "DROP FUNCTION IF EXISTS psup_count_cb() CASCADE" >/dev/null 2>&1
}

# The postmaster's own CPU with its reaped children's (backends that ended),
# plus the CPU of its children still running. The /proc files are read in
# one cat, as processes come and go while they are read.
pg_cpu_ticks() {
	local pm
	pm=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pm="$pm" '{
		i = index($0, ") "); split(substr($0, i + 2), f, " ")
		if ($1 == pm) s += f[12] + f[13] + f[14] + f[15]
		else if (f[2] == pm) s += f[12] + f[13]
	} END { print s + 0 }'
}
