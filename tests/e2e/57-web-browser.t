#!/bin/sh
# The dashboard in a real browser: headless Chromium (driven over the
# DevTools protocol by web-browser.py) loads the page of `psup web` against
# running apps, waits for a live update, clicks restart on an app and sees
# its restart count rise, opens the log of an app printing markup and sees
# it as text that ran nothing, and takes a screenshot that is not blank.
# PSUP_WEB_SHOT=FILE keeps the screenshot.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/web-lib.sh"
require_bin psup-web
require_cmd python3
CHROMIUM=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$CHROMIUM" ] || plan_skip_all "no chromium installed (.ci/deps.sh installs it)"
sv_setup
plan 10

cat > "$TMPD/eco.yaml" <<EOF
log_dir: $TMPD/logs
apps:
  - name: api
    script: $H/sleeper
  - name: chunk
    script: $H/progress
    args: "100000 25"
    instances: 3
  - name: xss
    script: /bin/sh
    args: ["-c", "while :; do echo '<img src=x onerror=\"window.__xss=1\"> <script>window.__xss=2</script>'; sleep 0.3; done"]
EOF
psup start "$TMPD/eco.yaml" > "$TMPD/start.out" 2>&1 || { diag_file "$TMPD/start.out"; bail_out "psup start failed"; }
# through the CLI, as a user starts it
PSUP_WEB=$PSUP_BIN/psup-web
export PSUP_WEB
"$PSUP_BIN/psup" web --listen 127.0.0.1:0 > "$TMPD/web-cli.out" 2>&1 &
WEB_PID=$!
track_pid "$WEB_PID"
ok "psup web starts psup-web" wait_for -t 10 grep -q '^psup web: http://' "$TMPD/web-cli.out"
WEB_URL=$(sed -n 's|^psup web: \(http://[^/]*\)/.*|\1|p' "$TMPD/web-cli.out")
ok "the apps are online" wait_for -t 10 all_state online api chunk-1 chunk-2 chunk-3 xss

shot=${PSUP_WEB_SHOT:-$TMPD/web.png}
timeout 90 python3 "$PSUP_SRC/tests/e2e/web-browser.py" "$CHROMIUM" "$WEB_URL/" api xss "$shot" > "$TMPD/browser.out" 2>&1
while IFS= read -r line; do
	case $line in
	"ok "*) pass "${line#ok }" ;;
	"not ok "*) fail "${line#not ok }" ;;
	*) diag "$line" ;;
	esac
done < "$TMPD/browser.out"
# a browser session cut short (timeout) leaves steps unreported: the plan says so
