#!/bin/sh
# psup web's job view of a PostgreSQL job store, on a private server started
# here (its own data directory and unix socket, no TCP): the store a worker
# app names by URL is read (through psup-worker status, in a read-only
# session), and its password shows nowhere: not in /api/jobs, the page's
# boot data or /metrics. Skips when no PostgreSQL server binaries are
# installed.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/web-lib.sh"
require_bin psup-web psup-worker
require_cmd curl jq
sv_setup
. "$PSUP_SRC/tests/e2e/pg-lib.sh"
pg_start || plan_skip_all "$PG_WHY"
cd "$TMPD" || bail_out "no $TMPD"
plan 8

# trust authentication ignores the password: it only has to stay hidden
URL="postgresql://postgres:pw-sekret-1@/postgres?host=$PGD&port=$PG_PORT"
gen_items 12 items.jsonl
"$PSUP_BIN/psup-worker" init --job "$URL" --input items.jsonl > init.out 2>&1 ||
	{ diag_file init.out; bail_out "psup-worker init on PostgreSQL failed"; }
cat > eco.yaml <<EOF
log_dir: $TMPD/logs
apps:
  - name: pgworker
    script: $PSUP_BIN/psup-worker
    args: ["run", "--job", "$URL", "--config", "missing.yaml"]
    autorestart: false
EOF
psup start eco.yaml > start.out 2>&1 || { diag_file start.out; bail_out "psup start failed"; }
web_start pg --listen 127.0.0.1:0 || bail_out "psup-web did not start"

total() { [ "$(curl -s -m 10 "$WEB_URL/api/jobs" | jq '.[0].status.total')" = 12 ]; }
ok "the job view reads the PostgreSQL store" wait_for -t 15 total
is "$(curl -s "$WEB_URL/api/jobs" | jq -c '[.[0].store, .[0].apps, .[0].status.pending, .[0].error]')" \
	'["postgresql://postgres@/postgres",["pgworker"],12,null]' \
	"shown without its password or parameters, with its app and counts"
is "$(metric psup_job_items 'state="pending"')" 12 "/metrics: its pending items"
like "$(curl -s "$WEB_URL/metrics" | grep '^psup_job_items{' | head -n 1)" 'job="postgresql://postgres@/postgres"' \
	"/metrics: labelled with the shown store"
for what in /api/jobs / /metrics; do
	curl -s "$WEB_URL$what" > "body-$(echo "$what" | tr -c 'a-z\n' _)"
done
is "$(cat body-* | grep -c sekret)" 0 "the password shows nowhere (the job view, the page, /metrics)"
# The status runs are read-only: a store that looks one schema version
# old (which a writable open would migrate) gets a read-only error in the
# job view, and stays as it was.
psql=$PGBIN/psql
if [ -x "$psql" ]; then
	"$psql" -X -q "$URL" -c "UPDATE psup_meta SET value = '1' WHERE key = 'schema_version'" > psql.out 2>&1
	ro() { curl -s -m 10 "$WEB_URL/api/jobs" | jq -r '.[0].error // ""' | grep -q 'read-only transaction'; }
	ok "the job view's status runs are read-only sessions" wait_for -t 15 ro ||
		diag "$(cat psql.out; curl -s "$WEB_URL/api/jobs" | jq -c '.[0] | [.error, .status.total]')"
	is "$("$psql" -X -A -t "$URL" -c "SELECT value FROM psup_meta WHERE key = 'schema_version'" 2>&1)" 1 \
		"and left the store as it was"
else
	skip 2 "no psql"
fi
kill "$WEB_PID"
ok "psup web stops on SIGTERM" wait_for -t 10 pid_gone "$WEB_PID"
