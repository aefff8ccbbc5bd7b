#!/bin/sh
# The cluster limit (limits.scope: cluster) with its database link paused
# and cut, without root: its unit test on a private server, then again
# through a TCP proxy (helpers/tcpproxy) that the test pauses (SIGSTOP:
# statements hang) and cuts (connections closed, new ones refused). No
# call of the limit waits meanwhile, nothing beyond the places booked is
# sent, places come again once the server is back, the limit says once
# that it is unreachable and once that it is back, and close does not
# wait for a statement that never ends. Skips without PostgreSQL.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
set -u
T="$PSUP_TESTBIN"
[ -x "$T/test_clusterlimit" ] || plan_skip_all "test_clusterlimit not built"
PROXY_BIN=$T/helpers/tcpproxy
[ -x "$PROXY_BIN" ] || plan_skip_all "helpers/tcpproxy not built"
mk_home
. "$PSUP_SRC/tests/e2e/pg-lib.sh"
pg_start || plan_skip_all "$PG_WHY"
cd "$TMPD" || bail_out "cannot cd to $TMPD"
plan 4

"$PROXY_BIN" proxy.port 127.0.0.1 "$PG_PORT" > proxy.log 2>&1 &
PROXY=$!
track_pid $PROXY
# A paused proxy takes no SIGTERM: let it go on first.
at_exit "kill -CONT $PROXY 2>/dev/null"
wait_for -t 10 test -s proxy.port || bail_out "the proxy did not start"
VIA="postgresql://postgres@127.0.0.1:$(cat proxy.port)/postgres"

PSUP_TEST_STORE_URL=$PG_URL PSUP_TEST_PROXY_URL=$VIA PSUP_TEST_PROXY_PID=$PROXY \
	"$T/test_clusterlimit" > unit.out 2> unit.err
rc=$?
is "$rc" 0 "the cluster limit's tests pass, through a paused and a cut link" ||
	grep -E '^(not ok|#)' unit.out | head -20 | while IFS= read -r l; do diag "$l"; done
like "$(cat unit.out)" "close leaves a statement" "(the pause and the cut were tried)"
# The cut fails the limit's statements: one "unreachable", one "back". A
# pause fails none (they wait, on the limit's thread, until it ends).
down=$(grep -c 'is unreachable' unit.err)
back=$(grep -c 'postgresql [^ ]* is back$' unit.err)
is "$down" 1 "the limit says once that the server is unreachable" || diag_file unit.err 10
is "$back" "$down" "and once that it is back" || diag_file unit.err 10
