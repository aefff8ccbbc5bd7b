# Helpers for the psup web tests (5[67]-web*.t), on top of sv-lib.sh:
#	web_start TAG ARGS...   psup-web ARGS in the background (tracked), output
#	                        in $TMPD/web-TAG.out; sets WEB_PID and WEB_URL
#	                        (http://127.0.0.1:PORT) once it listens
#	hcode ARGS...           curl ARGS: prints only the HTTP status code
#	metric NAME [LABELS]    the value of one sample of $WEB_URL/metrics
#	                        (LABELS: a substring of its label set)
#	worker_app NAME JOB CONFIG  psup starts one app running `psup-worker
#	                        run` on JOB with CONFIG (paths under $TMPD),
#	                        logs in $TMPD/logs; bails out when it cannot

. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"

web_start() {
	_ws_tag=$1
	shift
	"$PSUP_BIN/psup-web" "$@" > "$TMPD/web-$_ws_tag.out" 2>&1 &
	WEB_PID=$!
	track_pid "$WEB_PID"
	if ! wait_for -t 10 grep -q '^psup web: http://' "$TMPD/web-$_ws_tag.out"; then
		diag_file "$TMPD/web-$_ws_tag.out"
		WEB_URL=
		return 1
	fi
	WEB_URL=$(sed -n 's|^psup web: \(http://[^/]*\)/.*|\1|p' "$TMPD/web-$_ws_tag.out")
}

worker_app() {
	cat > "$TMPD/eco-$1.yaml" <<EOF
log_dir: $TMPD/logs
apps:
  - name: $1
    script: $PSUP_BIN/psup-worker
    args: run --job $TMPD/$2 --config $TMPD/$3
    autorestart: false
EOF
	psup start "$TMPD/eco-$1.yaml" > "$TMPD/start-$1.out" 2>&1 ||
		{ diag_file "$TMPD/start-$1.out"; bail_out "psup start of the worker app $1 failed"; }
}

hcode() { curl -s -o /dev/null -w '%{http_code}' -m 10 "$@"; }

metric() {
	curl -s -m 10 "$WEB_URL/metrics" | awk -v n="$1" -v l="${2:-}" '
		$1 !~ /^#/ { split($1, p, "{"); if (p[1] == n && index($1, l)) { print $2; exit } }'
}

# metric_ge NAME LABELS MIN: for wait_for.
metric_ge() { _mv=$(metric "$1" "$2"); [ -n "$_mv" ] && [ "${_mv%.*}" -ge "$3" ]; }

# app_field NAME JQ: a field of app NAME from $WEB_URL/api/apps.
app_field() { curl -s -m 10 "$WEB_URL/api/apps" | jq -r --arg n "$1" ".[] | select(.name == \$n) | $2"; }
app_field_ge() { _af=$(app_field "$1" "$2"); [ -n "$_af" ] && [ "$_af" -ge "$3" ] 2>/dev/null; }
