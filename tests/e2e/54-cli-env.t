#!/bin/sh
# The environment as pm2 gives it: apps start from the environment of the
# `psup start` that started them (not the daemon's), then the file's env,
# then env_NAME with --env NAME; NODE_APP_INSTANCE, instance_var,
# increment_var and PWD; restart keeps the environment unless --update-env;
# save and resurrect keep it, in a dump only the user can read; a broken
# dump falls back to the one before.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
plan 28

mkdir -p "$TMPD/web"
# writes its environment where the test reads it, then stays up
cat > "$TMPD/envdump.sh" <<'EOF'
#!/bin/sh
env > "$OUT/$PSUP_APP_NAME.tmp" && mv "$OUT/$PSUP_APP_NAME.tmp" "$OUT/$PSUP_APP_NAME.env"
exec sleep 1000
EOF
cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: web
    script: $TMPD/envdump.sh
    cwd: $TMPD/web
    instances: 2
    increment_var: PORT
    env:
      PORT: 3000
      LEVEL: file
      OUT: $TMPD
    env_production:
      LEVEL: production
  - name: one
    script: $TMPD/envdump.sh
    instance_var: INSTANCE_ID
    env:
      OUT: $TMPD
EOF
# envv APP KEY: KEY's value in what APP last wrote
envv() { sed -n "s/^$2=//p" "$TMPD/$1.env" 2>/dev/null; }
has_env() { [ -f "$TMPD/$1.env" ]; }

# the daemon starts with a variable the apps must not get
env DAEMON_ONLY=leak "$PSUP_BIN/psup" ping > /dev/null 2>&1
FROM_CLI=one psup start "$TMPD/eco.yaml" --env production > "$TMPD/out" 2>&1
is "$?" 0 "start FILE --env production: exit 0"
ok "every app wrote its environment" wait_for -t 10 sh -c \
	"[ -f '$TMPD/web-1.env' ] && [ -f '$TMPD/web-2.env' ] && [ -f '$TMPD/one.env' ]"
is "$(envv web-1 FROM_CLI)" one "the caller's environment reaches the app"
is "$(envv web-1 DAEMON_ONLY)" "" "the daemon's own does not"
is "$(envv web-1 LEVEL)" production "env_production is set over env"
is "$(envv web-1 NODE_APP_INSTANCE)/$(envv web-2 NODE_APP_INSTANCE)" 0/1 "NODE_APP_INSTANCE counts from 0"
is "$(envv web-1 PORT)/$(envv web-2 PORT)" 3000/3001 "increment_var counts up from env"
is "$(envv one INSTANCE_ID)" 0 "instance_var names the variable"
is "$(envv web-1 PWD)" "$TMPD/web" "PWD is the app's cwd"
is "$(envv one PSUP_APP_NAME)" one "psup's own variables are set"

# restart keeps the environment; --update-env takes the caller's
rm -f "$TMPD/web-1.env"
FROM_CLI=two psup restart web-1 > /dev/null 2>&1
ok "restart: web-1 wrote again" wait_for -t 10 has_env web-1
is "$(envv web-1 FROM_CLI)" one "restart keeps the environment the app started with"
rm -f "$TMPD/web-1.env" "$TMPD/web-2.env"
FROM_CLI=three psup restart web --update-env > /dev/null 2>&1
ok "restart --update-env: both wrote again" wait_for -t 10 sh -c \
	"[ -f '$TMPD/web-1.env' ] && [ -f '$TMPD/web-2.env' ]"
is "$(envv web-2 FROM_CLI)" three "--update-env gives the caller's environment"
is "$(envv web-2 LEVEL)/$(envv web-2 PORT)" production/3001 \
	"over which the app's settings still apply"

# start NAME --update-env: a stopped app starts with the caller's
psup stop one > /dev/null 2>&1
rm -f "$TMPD/one.env"
FROM_CLI=again psup start one --update-env > /dev/null 2>&1
ok "start one --update-env: it runs again" wait_for -t 10 has_env one
is "$(envv one FROM_CLI)" again "with the caller's environment"

# start FILE again from another environment: no change, nothing restarts
pid=$(jl one .pid)
FROM_CLI=four psup start "$TMPD/eco.yaml" --env production > "$TMPD/out" 2>&1
like "$(cat "$TMPD/out")" "unchanged: .*one" "start FILE again: the caller's environment is no change"
is "$(jl one .pid)" "$pid" "and the app runs on"

# save, kill, resurrect: the environment comes back, the dump is private
psup save > /dev/null 2>&1
is "$(stat -c %a "$PSUP_HOME/dump.json")" 600 "dump.json is readable by its owner only"
psup kill > /dev/null 2>&1
ok "kill stops everything" wait_for -t 10 no_home_procs
rm -f "$TMPD"/*.env
FROM_CLI=five psup resurrect > /dev/null 2>&1
ok "resurrect: the apps wrote again" wait_for -t 10 sh -c \
	"[ -f '$TMPD/web-2.env' ] && [ -f '$TMPD/one.env' ]"
is "$(envv web-2 FROM_CLI)" three "a resurrected app has the environment it had"
is "$(psup env web-2 | sed -n 's/^FROM_CLI: //p')" three "psup env shows the app's environment"

# a second save keeps the first as dump.json.bak; resurrect falls back to it
psup save > /dev/null 2>&1
ok "save keeps the previous dump" test -f "$PSUP_HOME/dump.json.bak"
echo '{"broken' > "$PSUP_HOME/dump.json"
psup kill > /dev/null 2>&1
psup resurrect > "$TMPD/out" 2>&1
is "$?" 0 "resurrect with an unreadable dump: exit 0"
like "$(cat "$TMPD/out")" "resurrected from the previous save, .*dump.json.bak" "saying it uses the previous one"
ok "whose apps are back" wait_for -t 10 all_state online web-1 web-2 one
