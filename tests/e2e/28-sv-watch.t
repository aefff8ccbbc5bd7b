#!/bin/sh
# watch as pm2 users write it: a change under a watched folder restarts the
# app once (a burst of changes too), new folders are watched, ignore_watch
# and the app's own logs never restart it, the folder limit is said
# clearly; log_type: json and day.js log_date_format lines as pm2 writes them.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 24

# the project: its folder is watched (the test writes its own files beside it)
P=$TMPD/proj
mkdir -p "$P/src/lib" "$P/src/node_modules" "$P/many"
cat > "$P/eco.yaml" <<EOF
apps:
  - name: w
    script: /bin/sh
    args: ["-c", "echo up; exec sleep 100"]
    watch: true
    ignore_watch: [node_modules, "*.tmp", many]
    watch_delay: 300ms
    log_type: json
  - name: late
    script: $H/sleeper
    watch: [dist]
  - name: d
    script: /bin/sh
    args: ["-c", "echo hello; echo oops >&2; exec sleep 100"]
    log_date_format: "YYYY-MM-DD HH:mm:ss.SSS Z"
EOF
psup start "$P/eco.yaml" > /dev/null 2> "$TMPD/err"
is "$?" 0 "start a file with watch"
diag_file "$TMPD/err"
ok "w runs" wait_for -t 10 state_is w online
# its own log lines are in a watched folder: they must not restart it
ok "it logged" wait_for -t 5 lines_ge 1 "$P/logs/w-out.log" up
P0=$(jl w .pid)
ok "its own logs do not restart it" not wait_for -t 1 pid_changed w "$P0"

echo x > "$P/src/lib/a.js"
ok "a change under a watched folder restarts it" wait_for -t 5 pid_changed w "$P0"
P1=$(jl w .pid)
is "$(jl w .restarts)" 1 "once"

for i in 1 2 3 4 5 6 7 8 9 10; do echo "$i" >> "$P/src/burst.js"; done
ok "a burst of changes restarts it" wait_for -t 5 pid_changed w "$P1"
P2=$(jl w .pid)
ok "once, after the changes settle" not wait_for -t 1 pid_changed w "$P2"

mkdir "$P/src/new"
ok "a new folder" wait_for -t 5 pid_changed w "$P2"
P3=$(jl w .pid)
ok "settles" wait_for -t 5 state_is w online
echo y > "$P/src/new/b.js"
ok "is watched too" wait_for -t 5 pid_changed w "$P3"
P4=$(jl w .pid)
echo z > "$P/src/node_modules/c.js"
echo z > "$P/src/scratch.tmp"
ok "ignore_watch: a name and a glob" not wait_for -t 1 pid_changed w "$P4"

like "$(grep -m1 '"message":"up' "$P/logs/w-out.log")" \
    '^\{"message":"up\\n","timestamp":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z","type":"out","app_name":"w"\}$' \
    "log_type: json writes pm2's JSON lines"
like "$(grep -m1 'hello' "$P/logs/d-out.log")" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} [+-][0-9]{2}:[0-9]{2}: hello$' \
    "a day.js log_date_format stamps lines (no time: true needed)"

mkdir "$P/dist"
ok "a watched folder made after the start" wait_for -t 5 field_ge late .restarts 1
ok "settles" wait_for -t 5 state_is late online
echo x > "$P/dist/bundle.js"
ok "is watched whole" wait_for -t 5 field_ge late .restarts 2

# the folder limit: said in the app's error log, the app still runs
i=0
while [ $i -lt 4100 ]; do mkdir "$P/many/d$i"; i=$((i + 1)); done
cat > "$P/big.yaml" <<EOF
apps:
  - name: big
    script: $H/sleeper
    watch: [many]
EOF
psup start "$P/big.yaml" > /dev/null 2>&1
ok "an app over the watch limit runs" wait_for -t 10 state_is big online
ok "and its error log says so" wait_for -t 5 grep -q "watch: more than 4096 folders to watch" "$P/logs/big-error.log"

# pm2's restart --watch toggles: d watched nothing, now its cwd; again, no more
psup restart d --watch > /dev/null 2>&1
ok "restart --watch: d runs again" wait_for -t 10 state_is d online
D0=$(jl d .pid)
touch "$P/toggled-on"
ok "restart --watch makes an app watch its cwd" wait_for -t 5 pid_changed d "$D0"
ok "settles" wait_for -t 10 state_is d online
psup restart d --watch > /dev/null 2>&1
ok "d runs" wait_for -t 10 state_is d online
D1=$(jl d .pid)
touch "$P/toggled-off"
ok "and again stops the watching" not wait_for -t 1 pid_changed d "$D1"
