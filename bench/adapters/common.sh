# Helpers the adapters share (sourced after lib.sh).

# spec_each SPEC: prints "NAME<TAB>PROGRAM<TAB>ARGS" per app.
spec_each() {
	awk '{ n = $1; p = $2; a = ""; for (i = 3; i <= NF; i++) a = a (a == "" ? "" : " ") $i; printf "%s\t%s\t%s\n", n, p, a }' "$1"
}

# teardown_tree PID...: the pids, their descendants and every app pid the
# stamp dir recorded (a setsid child escapes any tree), killed by pid.
teardown_tree() {
	_all="$* $(descendants "$@") $(stamped_pids "${STAMPS:-/nonexistent}")"
	_live=
	for _p in $_all; do alive "$_p" && _live="$_live $_p"; done
	kill_pids $_live
}

# JSON from a jlist on stdin (not timed, so python is fine here).
json_count() {
	python3 -c 'import json,sys
try: print(len(json.load(sys.stdin)))
except Exception: print(0)'
}
# json_field NAME DOTTED.KEY: that field of the app called NAME.
json_field() {
	python3 -c 'import json,sys
name, key = sys.argv[1], sys.argv[2].split(".")
try: apps = json.load(sys.stdin)
except Exception: apps = []
for a in apps:
    if a.get("name") == name:
        v = a
        for k in key: v = v.get(k) if isinstance(v, dict) else None
        print(v); break
else: print("none")' "$1" "$2"
}

# sv_begin DIR: sv_init, and tear down whatever happens to the subshell.
sv_begin() {
	sv_init "$1"
	trap 'sv_teardown' EXIT
	trap 'exit 130' INT TERM
}
