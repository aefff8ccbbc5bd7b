#!/bin/sh
# pm2 process files through psup as a pm2 user drives them: an
# ecosystem.config.js evaluated by node,
# a file that is one app object, an app without a name, env values of any
# type, env_file; start FILE failing, named, when an app cannot be
# executed or its script is not there; psup init's skeleton; startup's unit checked by systemd-analyze.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
require_cmd node
plan 29

mkdir -p "$TMPD/proj"
cat > "$TMPD/proj/.env" <<'EOF2'
# read by env_file
TOKEN="from dotenv"
EOF2
cat > "$TMPD/proj/ecosystem.config.js" <<EOF2
// as pm2 users write it
module.exports = {
  apps: [{
    name: 'web',
    script: '$H/sleeper',
    env: { PORT: 3000, DEBUG: false, OPTS: { a: 1 } },
    env_file: '.env',
    time: true,
  }, {
    script: '$H/sleeper',
    instances: '2',
  }, {
    name: 'api/v2',
    script: '$H/sleeper',
  }],
};
EOF2
psup start "$TMPD/proj/ecosystem.config.js" > "$TMPD/out" 2> "$TMPD/err"
is "$?" 0 "psup start ecosystem.config.js"
diag_file "$TMPD/err"
ok "web runs" wait_for -t 10 state_is web online
ok "the app without a name is named after its script" wait_for -t 10 all_state online sleeper-1 sleeper-2
ok "a name with '/' runs" wait_for -t 10 state_is api/v2 online
ok "its log file name has '-' for '/'" test -f "$TMPD/proj/logs/api-v2-out.log"
WEB=$(jl web .pid)
envs=$(tr '\0' '\n' < "/proc/$WEB/environ")
like "$envs" "^PORT=3000$" "a number in env"
like "$envs" "^DEBUG=false$" "a boolean in env"
like "$envs" '^OPTS=\{"a":1\}$' "an object in env is JSON"
like "$envs" "^TOKEN=from dotenv$" "env_file"

# a file that is one app, with a mistake node reports
cat > "$TMPD/proj/one.json" <<EOF2
{ "name": "solo", "script": "$H/sleeper", "max_restrts": 2 }
EOF2
psup start "$TMPD/proj/one.json" > /dev/null 2> "$TMPD/err"
is "$?" 4 "a bad key in a one-app file: exit 4"
like "$(cat "$TMPD/err")" "one.json:1:[0-9]+: max_restrts: unknown option \(did you mean max_restarts\?\)" "named with its place"
cat > "$TMPD/proj/bad.config.js" <<EOF2
module.exports = { apps: [ { name: 'ok2', script: '$H/sleeper' }, { name: 'x', script: '$H/sleeper', instances: 'lots' } ] };
EOF2
psup start "$TMPD/proj/bad.config.js" > /dev/null 2> "$TMPD/err"
is "$?" 4 "a bad value in a JS file: exit 4"
like "$(cat "$TMPD/err")" "bad.config.js: apps\[1\] \(x\): instances: " "the error names the file and the app's index"
is "$(jl ok2 .name)" "" "nothing of it was started"

# a program that cannot be executed fails the start, named
cat > "$TMPD/proj/nox.yaml" <<EOF2
apps:
  - name: fine
    script: $H/sleeper
  - name: nox
    script: $TMPD/proj/no-such-program
EOF2
psup start "$TMPD/proj/nox.yaml" > /dev/null 2> "$TMPD/err"
is "$?" 1 "start FILE with a program that cannot run: exit 1"
like "$(cat "$TMPD/err")" "nox: cannot exec $TMPD/proj/no-such-program" "naming the app and why"
ok "the others run" wait_for -t 10 state_is fine online

# a script an interpreter would run that is not there fails the start at
# once, named, as a program not found does (pm2: "Script not found"),
# not after bash has been restarted until errored
(cd "$TMPD/proj" && psup start ./later.sh) > /dev/null 2> "$TMPD/err"
is "$?" 1 "start SCRIPT whose file is not there: exit 1"
like "$(cat "$TMPD/err")" "later: cannot find script $TMPD/proj/later.sh \\(/.*bash would run it\\)" \
    "naming the app, the file and what would run it"
is "$(jl later '.state + " " + (.restarts | tostring)')" "errored 0" "errored, never restarted"
printf 'exec sleep 60\n' > "$TMPD/proj/later.sh"
psup restart later > /dev/null 2> "$TMPD/err"
ok "once the file is there, a restart runs it" wait_for -t 10 state_is later online

# psup init: a skeleton that loads
(cd "$TMPD/proj" && psup init > /dev/null)
like "$(head -1 "$TMPD/proj/ecosystem.yaml")" "^# psup ecosystem file" "psup init writes ecosystem.yaml"
printf 'setInterval(() => {}, 1000);\n' > "$TMPD/proj/server.js"
printf 'import time\ntime.sleep(60)\n' > "$TMPD/proj/worker.py"
psup start "$TMPD/proj/ecosystem.yaml" > /dev/null 2> "$TMPD/err"
is "$?" 0 "and it starts as written"
diag_file "$TMPD/err"
(cd "$TMPD/proj" && psup init) > /dev/null 2>&1
is "$?" 1 "init never overwrites"
mkdir "$TMPD/proj2"
(cd "$TMPD/proj2" && psup ecosystem simple > /dev/null)
ok "pm2's ecosystem simple writes ecosystem.yaml, no file named simple" \
    sh -c "[ -f '$TMPD/proj2/ecosystem.yaml' ] && [ ! -e '$TMPD/proj2/simple' ]"

# startup: the unit, checked where systemd-analyze is installed
mkdir -p "$TMPD/units"
psup startup systemd --unit-dir "$TMPD/units" > "$TMPD/out" 2>&1
unit=$(ls "$TMPD/units")
like "$(cat "$TMPD/units/$unit" 2>/dev/null)" "ExecStart=\"$PSUP_BIN/psup\" resurrect" "startup writes a unit that resurrects"
if command -v systemd-analyze > /dev/null 2>&1; then
	systemd-analyze verify "$TMPD/units/$unit" > "$TMPD/verify" 2>&1
	is "$?" 0 "systemd-analyze verify accepts it"
	diag_file "$TMPD/verify"
else
	skip "systemd-analyze is not installed" 1
fi
# pm2's --service-name names the unit; --wait-ip is taken (the unit always
# waits for the network); unstartup with the same name removes it
psup startup systemd --unit-dir "$TMPD/units" --service-name batch --wait-ip > /dev/null 2>&1
is "$?.$(ls "$TMPD/units" | tr '\n' ' ')" "0.batch.service $unit " "startup --service-name batch writes batch.service"
psup unstartup --unit-dir "$TMPD/units" --service-name batch.service > /dev/null 2>&1
is "$?.$(ls "$TMPD/units" | tr '\n' ' ')" "0.$unit " "unstartup --service-name removes it"
