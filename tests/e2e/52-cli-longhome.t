#!/bin/sh
# A PSUP_HOME deeper than a Unix socket path allows (108 bytes): the daemon
# and the CLI both reach psup.sock through its directory, so every command
# works there as anywhere else.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup psup-keeper
plan 4

mk_home
deep=$PSUP_HOME/$(printf 'd%.0s' $(seq 1 60))/$(printf 'e%.0s' $(seq 1 60))
PSUP_HOME=$deep
export PSUP_HOME
cmp_ok "$(printf '%s/psup.sock' "$deep" | wc -c)" -gt 108 "the socket path is longer than sun_path"
cat > "$TMPD/eco.yaml" <<EOF
apps:
  - name: svc
    script: /bin/sleep
    args: "1000"
EOF
ok "start works from a deep home" "$PSUP_BIN/psup" start "$TMPD/eco.yaml"
like "$("$PSUP_BIN/psup" jlist)" '"name":"svc"' "jlist answers from a deep home"
ok "kill works from a deep home" "$PSUP_BIN/psup" kill
