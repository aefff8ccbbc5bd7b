#!/bin/sh
# Many hosts, one job: three "hosts" (network namespaces A, B and C, each
# joined to this one by a veth pair) each run their own psup on the same
# ecosystem file of 3 chunk workers over one PostgreSQL job, with the
# request limit shared by the cluster (limits.scope: cluster, rpm 6000)
# against a test API that enforces the same limit. The database and the
# API listen on C's host-side address. Host A is killed early (every
# process in its namespace, by pid); then B and C (2 hosts x 3 workers)
# together send 6000 a minute within 3 %; then host B's link is cut for
# 4 s. The job completes; every item is exported once; A's leases are
# taken over; the API saw at most 1 % more answers than items; and the
# undisturbed host's three workers share its work evenly.
#
# The issue's scenario cut the link for 20 s under the default 5 min
# lease. Here the lease is 10 s, so that A's leases come back within the
# test, and the cut 4 s: it outlasts the cluster limit's 3 s TCP timeouts,
# while B's leases outlast the cut and TCP's retransmission backoff after
# it (up to about twice the cut). A cut longer than the lease would hand
# B's held items to C, and the API would be called twice for them. What
# the workers do while the link is down (HTTP going on, results buffered)
# is the store's own test. B's workers come back from the cut each at its
# own time (TCP's backoff on each connection), so only C's shares are
# checked for evenness.
#
# Needs root (network namespaces), ip, and PostgreSQL's server binaries
# with a postgres user; skips with the reason otherwise. Touches only the
# namespaces and veth pairs it makes, named after its pid, removed at exit
# even on failure.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup psup-worker psup-testapi
require_cmd curl jq
set -u

[ "$(id -u)" -eq 0 ] || plan_skip_all "needs root for network namespaces"
command -v ip > /dev/null 2>&1 || plan_skip_all "no ip command (iproute2)"
PGBIN=""
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/psql" ] && PGBIN=$d
done
[ -n "$PGBIN" ] || plan_skip_all "no PostgreSQL server binaries (initdb, pg_ctl, psql)"
id postgres > /dev/null 2>&1 || plan_skip_all "running as root and no postgres user"
command -v runuser > /dev/null 2>&1 || plan_skip_all "no runuser to start PostgreSQL as postgres"
as_pg() { runuser -u postgres -- "$@"; }

mk_home
cd "$TMPD" || bail_out "cannot cd to $TMPD"

# ---- the network: one namespace and one /24 per host -----------------------
ID=$$
NET=$((ID % 250 + 1))
HOSTS="A B C"
octet() { case $1 in A) echo 201 ;; B) echo 202 ;; C) echo 203 ;; esac; }
ns() { echo "psup$ID$1"; }
veth() { echo "ps$ID$1"; }          # this side; the namespace's end is ...n
SERVER=10.$(octet C).$NET.1

net_down() {
	for h in $HOSTS; do
		for p in $(ip netns pids "$(ns "$h")" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$(ns "$h")" 2>/dev/null
		ip link del "$(veth "$h")" 2>/dev/null
	done
}
at_exit net_down
for h in $HOSTS; do
	o=$(octet "$h")
	if ! { ip netns add "$(ns "$h")" &&
		ip link add "$(veth "$h")" type veth peer name "$(veth "$h")n" &&
		ip link set "$(veth "$h")n" netns "$(ns "$h")" &&
		ip addr add "10.$o.$NET.1/24" dev "$(veth "$h")" &&
		ip link set "$(veth "$h")" up &&
		ip -n "$(ns "$h")" addr add "10.$o.$NET.2/24" dev "$(veth "$h")n" &&
		ip -n "$(ns "$h")" link set "$(veth "$h")n" up &&
		ip -n "$(ns "$h")" link set lo up &&
		ip -n "$(ns "$h")" route add default via "10.$o.$NET.1"; } 2> net.err; then
		plan_skip_all "cannot make network namespace $h: $(tail -n 1 net.err)"
	fi
done

# ---- PostgreSQL on C's host-side address ------------------------------------
PGD=$TMPD/pg
mkdir "$PGD"
chmod 711 "$TMPD"
chown postgres "$PGD"
pg_stop() {
	[ -f "$PGD/data/postmaster.pid" ] &&
		as_pg "$PGBIN/pg_ctl" -D "$PGD/data" -m immediate -w stop > /dev/null 2>&1
}
at_exit pg_stop
PGPORT=$(free_port)
as_pg "$PGBIN/initdb" -D "$PGD/data" -U postgres -A trust -E UTF8 --no-sync > "$PGD/initdb.log" 2>&1 ||
	plan_skip_all "initdb failed: $(tail -n 1 "$PGD/initdb.log")"
for h in $HOSTS; do
	echo "host all postgres 10.$(octet "$h").$NET.0/24 trust" >> "$PGD/data/pg_hba.conf"
done
as_pg "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t 30 \
	-o "-k $PGD -c listen_addresses=$SERVER -p $PGPORT -c fsync=off -c full_page_writes=off -c max_connections=100" \
	start > /dev/null 2>&1 || plan_skip_all "the server did not start: $(tail -n 1 "$PGD/server.log")"
as_pg "$PGBIN/createdb" -h "$PGD" -p "$PGPORT" -U postgres psupjob > /dev/null 2>&1 ||
	bail_out "createdb failed"
URL="postgresql://postgres@$SERVER:$PGPORT/psupjob?connect_timeout=5"
sql() { "$PGBIN/psql" -h "$PGD" -p "$PGPORT" -U postgres -d psupjob -Atc "$1"; }

# ---- the test API on the same address, enforcing the limit -----------------
mkdir api
psup-testapi --host "$SERVER" --port 0 --port-file api/port --max-seconds 300 \
	--delay-ms 20 --limit-rpm 6000 --limit-window 2 > api/out 2>&1 &
TESTAPI_PID=$!
track_pid "$TESTAPI_PID"
wait_for -t 10 test -s api/port || bail_out "psup-testapi did not start: $(cat api/out)"
TESTAPI_URL="http://$SERVER:$(cat api/port)"
export TESTAPI_URL
if ! ip netns exec "$(ns B)" curl -fsS -o /dev/null --max-time 5 "$TESTAPI_URL/health"; then
	plan_skip_all "namespace B cannot reach $SERVER (a firewall between veths?)"
fi

plan 16

# The cluster limit's own tests on this server (a row of their own),
# beside the hosts' start-up.
PSUP_TEST_STORE_URL=$URL "$PSUP_TESTBIN/test_clusterlimit" > clusterlimit.out 2>&1 &
UNIT_PID=$!
track_pid "$UNIT_PID"

# ---- the job: the same files on every host ---------------------------------
N=900
RPM=6000
gen_items $N items.jsonl
chat_job_head "30s" "" "$TESTAPI_URL" > job.yaml
cat >> job.yaml <<EOF
limits:
  concurrency: 8
  rpm: $RPM
  scope: cluster
lease: 10s
EOF
job_retry 8 20ms 200ms >> job.yaml
psup-worker init --job "$URL" --input items.jsonl > init.out 2>&1
is "$?" 0 "init loads $N items into PostgreSQL" || diag_file init.out

for h in $HOSTS; do
	mkdir "host$h" "home$h"
	chmod 700 "home$h"
	cat > "host$h/eco.yaml" <<EOF
apps:
  - name: chunk
    script: $PSUP_BIN/psup-worker
    args: run --job $URL --config $TMPD/job.yaml
    instances: 3
    autorestart: on-failure
    max_restarts: 3
    kill_timeout: 5s
    time: true
EOF
done
# host_psup HOST ARGS...: psup of HOST, run in its namespace (its daemon
# and apps live there); PSUP_WORKER_HOST_ID names the host in lease owners,
# as its hostname would on a real machine.
host_psup() {
	_h=$1
	shift
	ip netns exec "$(ns "$_h")" env PSUP_HOME="$TMPD/home$_h" PSUP_WORKER_HOST_ID="host$_h" \
		psup "$@"
}
psup_kill_all() {
	for h in $HOSTS; do
		[ -S "$TMPD/home$h/psup.sock" ] &&
			PSUP_HOME="$TMPD/home$h" timeout 15 psup kill > /dev/null 2>&1
	done
	return 0
}
at_exit psup_kill_all

started=""
for h in $HOSTS; do
	host_psup "$h" start "$TMPD/host$h/eco.yaml" > "start$h.out" 2>&1 && started="$started$h"
done
is "$started" "ABC" "psup starts the same ecosystem file on hosts A, B and C"

# ---- host A dies early: every process in its namespace, by pid ---------------
ok "the job gets going on all three hosts" wait_for -t "$(slow_bound 20)" testapi_ge .requests 60
a_pids=$(ip netns pids "$(ns A)")
# shellcheck disable=SC2086
kill -9 $a_pids
# shellcheck disable=SC2086
ok "host A's psup, keepers and workers are killed" wait_for -t "$(slow_bound 5)" pids_gone $a_pids
a_ids=$(sql "SELECT string_agg(id, ',') FROM psup_items WHERE state = 'leased' AND owner LIKE 'chunk-%@hostA/%'")
a_held=$(echo "$a_ids" | tr ',' '\n' | grep -c .)
cmp_ok "$a_held" -gt 0 "host A held leases when it died ($a_held)"

wait_exit "$UNIT_PID" "$(slow_bound 30)"
is "${WAIT_STATUS:-timeout}" 0 "the cluster limit's tests pass on this server" ||
	grep -E '^(not ok|#)' clusterlimit.out | head -10 | while IFS= read -r l; do diag "$l"; done

# ---- two hosts of three workers share the limit --------------------------------
# Measured over arrivals 250 to 550 (about 3 s): by then the places A had
# booked (at most 100 ms of the schedule per worker, less than a second
# ahead) are past; a host that dies takes them with it.
ok "hosts B and C go on" wait_for -t "$(slow_bound 20)" testapi_ge .requests 560
curl -fsS "$TESTAPI_URL/requests" > arrivals.json
rpm=$(jq '.t_ms as $t | 300 / (($t[549] - $t[249]) / 60000) | floor' arrivals.json)
in_range "$rpm" $((RPM * 97 / 100)) $((RPM * 103 / 100)) \
	"2 hosts x 3 workers together send $RPM a minute within 3 % ($rpm)"

# ---- host B's link is cut for 4 s ---------------------------------------------
ip link set "$(veth B)" down
# The cut's length is the scenario, not a wait for something.
sleep 4
ip link set "$(veth B)" up

# ---- the job completes on B and C --------------------------------------------
codes=""
for h in B C; do
	PSUP_HOME="$TMPD/home$h" psup wait chunk --timeout "$(slow_bound 60)s" > "wait$h.out" 2>&1
	codes="$codes$?"
done
is "$codes" "00" "psup wait on hosts B and C: every chunk completed" || {
	diag_file waitB.out 5
	diag_file waitC.out 5
	diag_file hostB/logs/chunk-1-error.log 10
}
js=$(psup-worker status --job "$URL" --json)
is "$(echo "$js" | jq -c '[.done,.failed,.pending,.leased]')" "[$N,0,0,0]" "the job is done: $N items, none left"
is "$(sql "SELECT count(*) FROM psup_items WHERE state = 'done' AND id = ANY(string_to_array('$a_ids', ','))")" \
	"$a_held" "host A's leases were taken over and finished"
psup-worker export --job "$URL" --output export.jsonl > export.out 2>&1
is "$(wc -l < export.jsonl | tr -d ' ')" "$N" "the export has a line per item"
is "$(jq -r .id export.jsonl | sort -u | wc -l | tr -d ' ')" "$N" "every item exported exactly once"

# ---- what the API saw --------------------------------------------------------
answered=$(testapi_stats .by_fault.none)
cmp_ok "$answered" -le $((N + N / 100)) "the API answered at most 1 % more calls than items ($answered for $N)"
limited=$(testapi_stats '.by_fault.rate_429 // 0')
requests=$(testapi_stats .requests)
cmp_ok "$limited" -le $((requests / 100)) "the API's own limit refused at most 1 % ($limited of $requests)"

# ---- a host's workers share its work -------------------------------------------
# ok_of HOST I: the items chunk-I of HOST finished, from its summary line.
ok_of() {
	sed -n 's/.*psup-worker: chunk-[0-9]*: ok \([0-9]*\),.*/\1/p' "host$1/logs/chunk-$2-error.log" | tail -n 1
}
n1=$(ok_of C 1) n2=$(ok_of C 2) n3=$(ok_of C 3)
mean=$(( (${n1:-0} + ${n2:-0} + ${n3:-0}) / 3 ))
even=1
[ "$mean" -gt 0 ] || even=0
for n in "${n1:-0}" "${n2:-0}" "${n3:-0}"; do
	[ "$n" -ge $((mean / 2)) ] && [ "$n" -le $((mean * 3 / 2)) ] || even=0
done
is "$even" 1 "host C's three workers each did within half of their mean ($n1 / $n2 / $n3)"
note "host B's workers: $(ok_of B 1) / $(ok_of B 2) / $(ok_of B 3)"
said=$(grep -h 'cluster limit' hostB/logs/chunk-*-error.log | sed 's/.*psup-worker: //' | sort | uniq -c)
[ -z "$said" ] || note "host B's cluster limit said: $(echo "$said" | tr -s ' ' | tr '\n' ';')"
