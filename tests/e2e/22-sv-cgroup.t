#!/bin/sh
# A cgroup per app (as root, with cgroup2 mounted): the app and a child
# that left its process group and session both land in the app's cgroup;
# describe says so; stop kills them all; a keeper killed -9 leaves nothing
# behind (its successor kills what the cgroup still holds); delete removes
# the app's cgroup and `kill` the home's. PSUP_CGROUP=off goes without. A
# daemon that never ran an app, killed -9, leaves no cgroup.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
[ "$(id -u)" = 0 ] || plan_skip_all "needs root to make cgroups"
grep -q ' - cgroup2 ' /proc/self/mountinfo || plan_skip_all "no cgroup2 file system mounted"
sv_setup
plan 21

cat > "$TMPD/cg.yaml" <<EOF
apps:
  - name: esc
    script: $H/ignore_term
    args: [--setsid]
    kill_timeout: 1s
EOF

procs_of() { sort -n "$1/cgroup.procs" 2>/dev/null | tr '\n' ' '; }
empty_cg() { grep -qx 'populated 0' "$1/cgroup.events"; }
two_procs() { [ "$(app_procs esc | wc -l)" = 2 ]; }

psup start "$TMPD/cg.yaml" > /dev/null
ok "the app and its escaped child run" wait_for -t 10 two_procs
describe_json "$TMPD/d.json" esc
if [ "$(jq -r '.apps[0].processes_by' "$TMPD/d.json")" != cgroup ]; then
	# root, yet the daemon could not make one (a read-only mount, say)
	diag "$(grep 'cgroup' "$PSUP_HOME/daemon.log")"
	skip 17 "the daemon found no writable cgroup2 tree"
	exit 0
fi
pass "describe: processes found by cgroup"
CG=$(jq -r '.apps[0].cgroup' "$TMPD/d.json")
BASE=${CG%/*}
like "$CG" "/psup-[0-9a-f]{16}/app-esc$" "describe names the app's cgroup, under the home's base"
is "$(procs_of "$CG")" "$(app_procs esc | tr '\n' ' ')" \
	"the cgroup holds the app and the child that left its session"
like "$(psup describe esc)" "cgroup .*app-esc" "psup describe shows the cgroup"

psup stop esc > /dev/null
is "$?" 0 "stop: exit 0"
ok "nothing of the app is left" wait_for -t 5 not two_procs
is "$(app_procs esc)" "" "the escaped child was killed too"
ok "the cgroup is empty" empty_cg "$CG"

# a keeper killed -9: the next keeper kills what its app left
psup start esc > /dev/null
ok "running again" wait_for -t 10 two_procs
OLD=$(app_procs esc | tr '\n' ' ')
K=$(jl esc .keeper_pid)
kill -9 "$K"
ok "a fresh keeper runs the app again" wait_for -t 10 field_isnt esc .keeper_pid "$K"
ok "and two processes run" wait_for -t 10 two_procs
for p in $OLD; do pid_alive "$p" && diag "left: $p"; done
is "$(for p in $OLD; do pid_alive "$p" && echo "$p"; done)" "" \
	"nothing of the old run is left, the escaped child included"

psup delete esc > /dev/null
ok "delete removes the app's cgroup" wait_for -t 5 not test -d "$CG"
psup kill > /dev/null
ok "kill removes the home's cgroup" wait_for -t 5 not test -d "$BASE"

# going without
PSUP_CGROUP=off psup start "$TMPD/cg.yaml" > /dev/null
ok "started with PSUP_CGROUP=off" wait_for -t 10 two_procs
describe_json "$TMPD/d2.json" esc
like "$(jq -r '.apps[0].processes_by' "$TMPD/d2.json")" "^(keeper subtree|/proc scan)$" \
	"without cgroups, the keeper's subtree"
ok "no cgroup was made for the home" not test -d "$BASE"

# a daemon that has run no app keeps no cgroup, so one killed -9 leaves none
psup kill > /dev/null
psup ls > /dev/null
D=$(daemon_pid)
like "$(grep 'cgroup' "$PSUP_HOME/daemon.log" | tail -n 1)" "a cgroup per app, under .*$BASE" \
	"a new daemon could make the home's cgroup"
ok "and keeps none while it has no app" not test -d "$BASE"
kill -9 "$D"
wait_for -t 10 pid_gone "$D" || diag "daemon $D still there after kill -9"
ok "killed -9, it leaves no cgroup behind" not test -d "$BASE"
