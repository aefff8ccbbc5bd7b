#!/bin/sh
# psup start as pm2 users type it: a script with pm2's options and its own
# arguments after --, pm2's name rule, a command string run with bash -c,
# interpreters by extension, start again (pm2's "already launched", and
# start NAME restarting a running app), several scripts at once, stop and
# delete of a process file on stdin, describe printing
# the app as a process file that loads back, save and resurrect of such
# apps, a process file on stdin, and usage errors.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 52

mkdir -p "$TMPD/work"
cd "$TMPD/work" || exit 1
cat > worker.sh <<'EOF'
echo "worker $PSUP_INSTANCE args: $*"
exec sleep 1000
EOF
# a .sh without the execute bit: bash runs it, as under pm2

psup start worker.sh -i 2 --max-restarts 3 --kill-timeout 2s -- --queue "a b" > "$TMPD/out" 2>&1
is "$?" 0 "start SCRIPT -i 2 -- ARGS: exit 0"
like "$(cat "$TMPD/out")" "started: worker-1, worker-2" "named after the script, without extension"
ok "both run" wait_for -t 10 all_state online worker-1 worker-2
ok "the arguments arrive whole" wait_for -t 10 grep -q 'worker 2 args: --queue a b' \
	"$PSUP_HOME/logs/worker-2-out.log"
describe_json "$TMPD/d.json" worker-1
is "$(jq -r '.apps[0].config.argv[0]' "$TMPD/d.json" | sed 's|.*/||')" bash ".sh runs with bash"
is "$(jq -r '.apps[0].config.max_restarts, .apps[0].config.kill_timeout_ms' "$TMPD/d.json" | tr '\n' ' ')" \
	"3 2000 " "the options set the app's settings"
is "$(jq -r '.apps[0].source' "$TMPD/d.json")" null "an app from the command line has no file"
is "$(psup jlist | jq -c '.[] | select(.name == "worker-1") | .pm2_env | [.node_args, .args]')" \
	'[[],["--queue","a b"]]' "jlist's pm2_env: node_args (the interpreter's) and args, as pm2's"

# again, the same: pm2's "Script already launched", and nothing restarts
pid=$(jl worker-1 .pid)
psup start worker.sh -i 2 --max-restarts 3 --kill-timeout 2s -- --queue "a b" > "$TMPD/out" 2>&1
is "$?" 1 "start again: exit 1, as pm2's"
is "$(cat "$TMPD/out")" "psup: worker-1: already started (psup restart worker-1 restarts it; one app a name: --name starts another)" \
	"start again: already started, said once"
is "$(jl worker-1 .pid)" "$pid" "and it runs on"

# start NAME of a running app restarts it, as pm2's start does; of a
# stopped one starts it, its restarts as they were
psup start worker-1 > "$TMPD/out" 2>&1
is "$(cat "$TMPD/out" | head -1)" "restarted: worker-1" "start worker-1 (running): restarted"
ok "it runs again, a new process" wait_for -t 10 pid_changed worker-1 "$pid"
is "$(jl worker-1 .restarts)" 1 "one restart counted"
psup stop worker-2 > /dev/null 2>&1
psup start worker > "$TMPD/out" 2>&1
is "$(head -2 "$TMPD/out" | tr '\n' ' ')" "started: worker-2 restarted: worker-1 " \
	"start worker: the stopped one started, the running one restarted"
ok "both run" wait_for -t 10 all_state online worker-1 worker-2
is "$(jl worker-2 .restarts)" 0 "starting a stopped one is no restart"
# the script of a stopped group, started again without -i: the group starts
# (pm2 names every instance alike, and starts them all again)
psup stop worker > /dev/null 2>&1
psup start worker.sh > "$TMPD/out" 2>&1
is "$(head -1 "$TMPD/out")" "started: worker-1, worker-2" "start SCRIPT of its stopped group: the group starts"
ok "both run again" wait_for -t 10 all_state online worker-1 worker-2
is "$(psup jlist | jq '[.[] | select(.name == "worker")] | length')" 0 "and no app worker beside it"

# a command string, named after its first word
psup start "sleep 300" > "$TMPD/out" 2>&1
is "$?" 0 "start 'COMMAND STRING': exit 0"
ok "it runs" wait_for -t 10 state_is sleep online
describe_json "$TMPD/d.json" sleep
is "$(jq -c '.apps[0].config.argv[1:]' "$TMPD/d.json")" '["-c","sleep 300"]' "with bash -c"

# --name, --no-autorestart, and a program from PATH
psup start true --name once --no-autorestart > /dev/null 2>&1
ok "a program from PATH runs and, not restarted, completes" wait_for -t 10 state_is once completed
is "$(jl once .restarts)" 0 "--no-autorestart: no restart"
# started again, a completed script runs again (pm2 restarts a stopped one)
printf 'echo run >> "%s/runs"\n' "$TMPD" > count.sh
psup start count.sh --no-autorestart > /dev/null 2>&1
ok "a one-shot script completes" wait_for -t 10 state_is count completed
psup start count.sh --no-autorestart > "$TMPD/out" 2>&1
is "$(head -1 "$TMPD/out")" "started: count" "start SCRIPT of its completed app: started"
ok "and it runs a second time" wait_for -t 10 sh -c "[ \$(wc -l < '$TMPD/runs') -eq 2 ]"

# several scripts at once, each an app with the same options (pm2's)
cp worker.sh w2.sh
cp worker.sh w3.sh
psup start w2.sh w3.sh --max-restarts 2 > "$TMPD/out" 2>&1
is "$(head -1 "$TMPD/out")" "started: w2, w3" "start A B: an app each"
ok "both run" wait_for -t 10 all_state online w2 w3
psup start w2.sh w3.sh --name both > "$TMPD/out" 2>&1
is "$?" 2 "with --name: a usage error"

# -i with -o: each instance its own file, FILE-0.log..., as pm2 (its
# --merge-logs: one file for all)
psup start worker.sh --name split -i 2 -o split.log > /dev/null 2>&1
ok "split-2 writes split-1.log" wait_for -t 10 grep -q 'worker 2 args' split-1.log
is "$(grep -c 'worker 1 args' split-0.log) $(ls split.log 2>/dev/null | wc -l)" "1 0" \
	"split-1 writes split-0.log, and no split.log"
psup start worker.sh --name merged -i 2 -o merged.log --merge-logs > /dev/null 2>&1
ok "--merge-logs: both write merged.log" wait_for -t 10 \
	sh -c "grep -q 'worker 1 args' merged.log && grep -q 'worker 2 args' merged.log"
psup delete split merged > /dev/null 2>&1

# stop and delete -: the apps of a process file on stdin (pm2's)
printf '{"apps":[{"script":"w2.sh"},{"name":"w3","script":"w3.sh"}]}' | psup stop - > "$TMPD/out" 2>&1
is "$(head -1 "$TMPD/out")" "stopped: w2, w3" "stop -: the apps the file on stdin names"
printf '[{"script":"w2.sh"},{"name":"w3","script":"w3.sh"}]' | psup delete - > /dev/null 2>&1
is "$(psup jlist | jq '[.[] | select(.name == "w2" or .name == "w3")] | length')" 0 "delete -: gone"

# describe prints the app as a process file entry that loads back
psup describe sleep | sed -n '/^# As a process file/,$p' > "$TMPD/sleep.yaml"
like "$(cat "$TMPD/sleep.yaml")" 'args: \["-c", "sleep 300"\]' "describe prints the app as YAML"
psup delete sleep > /dev/null 2>&1
psup start "$TMPD/sleep.yaml" > "$TMPD/out" 2>&1
is "$?" 0 "which starts as a file: exit 0"
ok "the same app runs again" wait_for -t 10 state_is sleep online
psup delete sleep > /dev/null 2>&1

# save, kill, resurrect: command-line apps come back with their arguments
psup save > /dev/null 2>&1
psup kill > /dev/null 2>&1
ok "kill stops everything" wait_for -t 10 no_home_procs
: > "$PSUP_HOME/logs/worker-2-out.log"
psup resurrect > /dev/null 2>&1
is "$?" 0 "resurrect: exit 0"
ok "worker-2 is back with its arguments" wait_for -t 10 grep -q 'worker 2 args: --queue a b' \
	"$PSUP_HOME/logs/worker-2-out.log"

# a process file on stdin
printf '{"apps":[{"name":"piped","script":"sleep","args":["301"]}]}' | psup start - > "$TMPD/out" 2>&1
is "$?" 0 "start - reads a JSON process file on stdin"
ok "its app runs" wait_for -t 10 state_is piped online

# errors
psup start worker.sh --bogus > "$TMPD/out" 2>&1
is "$?" 2 "an unknown option: usage error"
like "$(cat "$TMPD/out")" "unknown option '--bogus'" "naming it"
psup start nothere.js > "$TMPD/out" 2>&1
is "$?" 1 "a script that is nowhere: exit 1"
like "$(cat "$TMPD/out")" "nothere.js: not an app, a file or a program" "saying so"
psup start worker.sh -i lots > "$TMPD/out" 2>&1
is "$?" 2 "a bad value: refused by the loader"
is "$(cat "$TMPD/out")" "psup: start: instances: expected a whole number, got 'lots'" \
    "naming the option once, with no place in text psup wrote"
printf '[{"script":"sleep","max_restarts":"x"},{"script":"sleep","name":"w2","instances":"q"}]' |
    psup start - > "$TMPD/out" 2>&1
is "$?" 4 "a bad list on stdin: exit 4"
like "$(cat "$TMPD/out")" "^start: apps\[0\] \(sleep\): max_restarts: .*
start: apps\[1\] \(w2\): instances: .*
psup: start: 2 errors, nothing was changed$" "each app named by its place in the list"
