#!/bin/sh
# pm2's verbs and selectors: several names at once, /regex/, a script's
# path, verbs on a process file and --only, reload one instance at a time,
# startOrRestart, startOrReload, reset, pid, env, prettylist, ls --sort,
# ls -m, sendSignal, scale, cleardump, logs --highlight, pm2's other names;
# the options pm2 gives every command (-s/--silent, --no-color), and its
# start options for node (a warning) or another user (refused).
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 75

cat > "$TMPD/svc.sh" <<'EOF'
#!/bin/sh
trap 'echo usr1 >> "$OUT/$PSUP_APP_NAME.sig"' USR1
echo "up $(date +%s%N)" >> "$OUT/$PSUP_APP_NAME.runs"
while :; do sleep 0.1; done
EOF
cat > "$TMPD/other.sh" <<'EOF'
#!/bin/sh
exec sleep 1000
EOF
chmod +x "$TMPD/svc.sh" "$TMPD/other.sh"
cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: web
    script: $TMPD/svc.sh
    instances: 3
    env: {OUT: $TMPD}
  - name: a
    script: $TMPD/svc.sh
    env: {OUT: $TMPD}
  - name: b
    script: $TMPD/other.sh
EOF
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
ok "the file's apps run" wait_for -t 10 all_state online web-1 web-2 web-3 a b

# several names, a regex, a script's path
psup stop a b > "$TMPD/out" 2>&1
like "$(cat "$TMPD/out")" "stopped: a, b" "stop a b: both"
ok "both stopped" all_state stopped a b
psup start a b > /dev/null 2>&1
ok "start a b: both run" wait_for -t 10 all_state online a b
psup stop '/^web-[12]$/' > "$TMPD/out" 2>&1
like "$(cat "$TMPD/out")" "stopped: web-1, web-2" "a /regex/ selects by name"
is "$(jl web-3 .state)" online "and only those"
psup stop "$TMPD/other.sh" > /dev/null 2>&1
ok "a script's path selects the apps running it" state_is b stopped
psup stop ghost a > "$TMPD/out" 2>&1
is "$?" 1 "a selector that names nothing fails the command"
is "$(jl a .state)" online "and nothing is done"

# verbs on a process file: --only, restart FILE, stop FILE
psup restart "$TMPD/eco.yaml" --only web > /dev/null 2>&1
ok "restart FILE --only web: the group runs again" wait_for -t 10 all_state online web-1 web-2 web-3
is "$(jl b .state)" stopped "the other apps are left alone"
pid=$(jl a .pid)
psup startOrRestart "$TMPD/eco.yaml" > /dev/null 2>&1
ok "startOrRestart FILE: a restarted" wait_for -t 10 pid_changed a "$pid"
ok "and b started" wait_for -t 10 state_is b online
psup stop "$TMPD/eco.yaml" > /dev/null 2>&1
ok "stop FILE stops every app of the file" all_state stopped web-1 web-2 web-3 a b
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
ok "start FILE starts them again" wait_for -t 10 all_state online web-1 web-2 web-3 a b
# pm2 acts on a file's names: another file naming b (and an app not
# loaded) stops b, and the name not loaded is passed over
printf 'apps:\n  - name: b\n    script: sleep\n  - name: notloaded\n    script: sleep\n' \
	> "$TMPD/names.yaml"
psup stop "$TMPD/names.yaml" > "$TMPD/out" 2>&1
is "$?" 0 "stop OTHER-FILE: exit 0"
is "$(head -1 "$TMPD/out")" "stopped: b" "it stops the app of its name, started from another file"
psup start b > /dev/null 2>&1
ok "b runs again" wait_for -t 10 state_is b online

# reload: one instance at a time, each up before the next goes down
: > "$TMPD/web-1.runs"; : > "$TMPD/web-2.runs"; : > "$TMPD/web-3.runs"
psup reload web > "$TMPD/out" 2>&1
is "$?" 0 "reload web: exit 0"
is "$(grep -c '^restarted:' "$TMPD/out")" 3 "one restart per instance"
ok "all three run again" wait_for -t 10 all_state online web-1 web-2 web-3
ok "each instance ran anew" wait_for -t 10 sh -c "[ -s '$TMPD/web-1.runs' ] && [ -s '$TMPD/web-2.runs' ] && [ -s '$TMPD/web-3.runs' ]"
# Each restart is answered once its new process runs, and the next is sent
# only then: the order of the answers is the order of the restarts. (The
# apps' own "up" lines cannot show it: a new shell may write after the next
# one on a loaded machine.)
is "$(grep '^restarted:' "$TMPD/out" | tr '\n' ' ')" "restarted: web-1 restarted: web-2 restarted: web-3 " \
    "in turn: web-1, then web-2, then web-3, each up before the next goes down"
psup startOrReload "$TMPD/eco.yaml" > "$TMPD/out" 2>&1
is "$?" 0 "startOrReload FILE: exit 0"
is "$(grep '^restarted:' "$TMPD/out" | tr '\n' ' ')" \
    "restarted: web-1 restarted: web-2 restarted: web-3 restarted: a restarted: b " \
    "reloads the file's apps one at a time"
ok "which all run" wait_for -t 10 all_state online web-1 web-2 web-3 a b

# reset, pid, env, prettylist, ls --sort, sendSignal
psup restart a > /dev/null 2>&1
cmp_ok "$(jl a .restarts)" -ge 1 "a restarted once"
psup reset a > /dev/null 2>&1
is "$(jl a .restarts)" 0 "reset: restarts back to 0"
is "$(psup pid web | wc -l | tr -d ' ')" 3 "pid web: three pids"
is "$(psup pid a)" "$(jl a .pid)" "pid a: its pid"
is "$(psup env a | sed -n 's/^PSUP_APP_NAME: //p')" a "env: the app's environment"
# prettylist is pm2's: node's util.inspect of pm2's keys, as pm2's own
# tests grep it (each app's status once, NODE_APP_INSTANCE in pm2_env)
psup prettylist > "$TMPD/pretty"
is "$(sed -n "s/^    name: '\(.*\)',\$/\1/p" "$TMPD/pretty" | tr '\n' ' ')" \
	"$(psup jlist | jq -r 'map(.name) | join(" ")') " "prettylist: every app, in jlist's order"
is "$(grep -c "status: 'online'" "$TMPD/pretty")" "$(psup jlist | jq '[.[] | select(.pm2_env.status == "online")] | length')" \
	"prettylist: status: 'online' once per online app"
is "$(grep -c 'NODE_APP_INSTANCE: 2,' "$TMPD/pretty")" 1 "prettylist: NODE_APP_INSTANCE, a number (web-3's)"
like "$(cat "$TMPD/pretty")" "monit: \\{ memory: [0-9]+, cpu: [0-9.]+ \\}" "prettylist: monit on one line, as node puts it"
is "$(grep -c '"' "$TMPD/pretty")" 0 "prettylist: no JSON quotes"
is "$(NO_COLOR=1 psup ls --sort name:desc | awk -F'│' 'NR == 4 { gsub(/ /, "", $3); print $3 }')" \
	web-3 "ls --sort name:desc: web-3 first"
ok "a is online" wait_for -t 10 state_is a online
psup ls -m > "$TMPD/mini"
is "$(grep -c '^+--- ' "$TMPD/mini")" 5 "ls -m: pm2's mini list, a block per app"
is "$(sed -n '/^+--- a$/,/^$/p' "$TMPD/mini" | sed -n 's/^pid : //p')" "$(jl a .pid)" "with its pid"
is "$(sed -n '/^+--- a$/,/^$/p' "$TMPD/mini" | sed -n 's/^status : //p')" online "its status"
is "$(sed -n '/^+--- a$/,/^$/p' "$TMPD/mini" | sed -n 's/^error log : //p')" "$(jl a .log_files.error)" \
	"and its error log"
is "$(psup ls --mini-list --sort name:desc | sed -n 1p)" "+--- web-3" "--mini-list, sorted"
is "$(NO_COLOR=1 psup l | sed -n 2p)" "$(NO_COLOR=1 psup ps | sed -n 2p)" "l and ps are ls"
is "$(psup id web | tr '\n' ' ')" "$(psup jlist | jq -r '[.[] | select(.group == "web") | .id] | join(" ")') " \
	"id web: the group's ids, one a line"
like "$(psup desc a)" "Describing a" "desc is describe"
psup sendSignal SIGUSR1 a > /dev/null 2>&1
ok "sendSignal is signal" wait_for -t 10 test -s "$TMPD/a.sig"

# scale: grow from the first instance, shrink from the last
psup scale web 5 > "$TMPD/out" 2>&1
like "$(cat "$TMPD/out")" "started: web-4, web-5" "scale web 5: two more"
ok "which run" wait_for -t 10 all_state online web-4 web-5
psup scale web -3 > "$TMPD/out" 2>&1
is "$(psup jlist | jq -r '[.[] | select(.group == "web") | .name] | join(",")')" web-1,web-2 \
	"scale web -3: the last three go"
psup scale nothere 2 > /dev/null 2>&1
is "$?" 1 "scale of no group fails"

# a namespace selects its apps
psup start sleep --name nsapp --namespace batch -- 300 > /dev/null 2>&1
ok "an app in namespace batch runs" wait_for -t 10 state_is nsapp online
psup stop batch > "$TMPD/out" 2>&1
like "$(cat "$TMPD/out")" "stopped: nsapp\$" "stop batch: the namespace's apps, no other"
psup delete nsapp > /dev/null 2>&1

psup delete "$TMPD/eco.yaml" > /dev/null 2>&1
is "$(psup jlist | jq length)" 0 "delete FILE forgets its apps"

# -s/--silent: nothing on stdout, errors still said; --no-color
psup start "$TMPD/other.sh" --name quiet -s > "$TMPD/out" 2> "$TMPD/err"
is "$?" 0 "start -s"
is "$(cat "$TMPD/out")" "" "prints nothing"
is "$(psup ls --silent)" "" "ls --silent prints nothing"
psup stop nosuch -s > "$TMPD/out" 2> "$TMPD/err"
is "$?" 1 "a failing command -s still fails"
like "$(cat "$TMPD/err")" "no app named \"nosuch\"" "and says why on stderr"
if command -v script > /dev/null 2>&1; then
	TERM=xterm script -qfec "'$PSUP_BIN/psup' ls" /dev/null > "$TMPD/tty" 2>&1
	ok "ls on a terminal: in colour" grep -q "$(printf '\033')\\[3" "$TMPD/tty"
	TERM=xterm script -qfec "'$PSUP_BIN/psup' ls --no-color" /dev/null > "$TMPD/tty" 2>&1
	ok "ls --no-color on a terminal: the table, no colour" sh -c "grep -q quiet '$TMPD/tty' && ! grep -q \"$(printf '\033')\\[3\" '$TMPD/tty'"
else
	skip "no script(1)" 2
fi
psup start "$TMPD/other.sh" --name node-ish --wait-ready --listen-timeout 3000 > "$TMPD/out" 2> "$TMPD/err"
is "$?" 0 "start with pm2's node options"
like "$(tr "\n" " " < "$TMPD/err")" "--wait-ready is pm2.s, ignored: .*--listen-timeout is pm2.s, ignored" "each said ignored"
psup start "$TMPD/other.sh" --name other-user --uid 1000 > "$TMPD/out" 2> "$TMPD/err"
is "$?" 2 "start --uid is refused"

# cleardump: resurrect starts nothing, the last save is kept
psup save > /dev/null 2>&1
psup cleardump > "$TMPD/out" 2>&1
is "$?" 0 "cleardump: exit 0"
is "$(jq '.apps | length' "$PSUP_HOME/dump.json")" 0 "the dump holds no app"
cmp_ok "$(jq '.apps | length' "$PSUP_HOME/dump.json.bak")" -ge 1 "the save before it is the backup"
like "$(cat "$TMPD/out")" "empty dump to $PSUP_HOME/dump.json" "and says so"

# logs --highlight: the text marked in colour on a terminal, not in a pipe
echo "fine line" >> "$(jl quiet .log_files.out)"
echo "an ERROR here" >> "$(jl quiet .log_files.out)"
is "$(psup logs quiet --nostream --lines 2 --highlight ERROR)" "quiet | fine line
quiet | an ERROR here" "--highlight in a pipe: the lines, no colour"
if command -v script > /dev/null 2>&1; then
	TERM=xterm script -qfec "'$PSUP_BIN/psup' logs quiet --nostream --lines 2 --highlight ERROR" /dev/null > "$TMPD/tty" 2>&1
	ok "--highlight ERROR on a terminal: marked" grep -q "an $(printf '\033')\\[100mERROR$(printf '\033')\\[49m here" "$TMPD/tty"
	ok "other lines as they were" grep -q "m fine line" "$TMPD/tty"
else
	skip "no script(1)" 2
fi

# pm2's commands psup has not say why, not just "unknown"
psup install pm2-logrotate > "$TMPD/out" 2>&1
is "$?" 2 "install (a pm2 module) is a usage error"
like "$(cat "$TMPD/out")" "install: pm2's, not psup's: pm2 modules: not supported; pm2-logrotate is built in \\(log_max_size" \
	"saying why and what to use"
like "$(psup link 2>&1)" "Keymetrics" "link: the hosted service"
# every command of pm2 7.0.4's CLI (lib/binaries/CLI.js) is psup's (help
# knows it) or says why it is pm2's alone
PM2_CMDS="attach autoinstall backward cleardump conf config create dashboard deepUpdate delete
deploy desc describe dump ecosystem env examples flush forward get id imonit info inspect install
install-otel jlist kill l link login logout logrotate logs module:generate module:update monit
monitor multiset open package pid ping plus prettylist profile:cpu profile:mem ps publish pull
reload reloadLogs report reset restart resurrect scale send sendSignal serve set show slist start
startOrGracefulReload startOrReload startOrRestart startup status stop trigger uninstall
uninstall-otel unlink unmonitor unset unstartup update updatePM2"
unknown=
for w in $PM2_CMDS; do
	psup help "$w" > /dev/null 2>&1 && continue
	psup "$w" < /dev/null 2>&1 | grep -q "$w: pm2's, not psup's" || unknown="$unknown $w"
done
is "$unknown" "" "no pm2 command is just unknown to psup"
