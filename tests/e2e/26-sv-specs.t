#!/bin/sh
# The home's spec file ($PSUP_HOME/specs): each change appends a record,
# and once superseded records outweigh live ones (past 1 MiB) the daemon
# rewrites it with only the live ones (a second later unless they outweigh
# them four times over); the apps and their last settings
# come back from it after the daemon dies; kill leaves it empty. A record
# this daemon cannot load (a newer psup's) stays until an app of its name
# replaces it.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
sv_setup
require_cmd stat head tr python3
plan 16

SPECS=$PSUP_HOME/specs
# a 100 KB value: each version of the app's spec is over 100 KB
BIG=$(head -c 100000 /dev/zero | tr '\0' 'x')
eco() {
	cat > "$TMPD/eco.yaml" <<YAML
apps:
  - name: big
    script: $H/sleeper
    env:
      VERSION: "$1"
      BIG: "$BIG"
YAML
}
eco 0
psup start "$TMPD/eco.yaml" > /dev/null 2>&1
ok "big online" wait_for -t 10 all_state online big
one=$(stat -c %s "$SPECS")
ok "its record is in the spec file ($one bytes)" test "$one" -gt 100000

# nine new versions: 0.9 MB superseded, not yet a rewrite
for v in 1 2 3 4 5 6 7 8 9; do
	eco "$v"
	psup start "$TMPD/eco.yaml" > /dev/null 2>&1
done
nine=$(stat -c %s "$SPECS")
ok "nine changes append nine records ($nine bytes)" test "$nine" -gt $((9 * 100000))
# two more: past 1 MiB superseded, the file is rewritten with the last one
for v in 10 11; do
	eco "$v"
	psup start "$TMPD/eco.yaml" > /dev/null 2>&1
done
last=$(stat -c %s "$SPECS")
ok "then it is rewritten with the live record only ($last bytes)" \
    test "$last" -lt $((2 * one))
ok "big runs its last version" wait_for -t 10 sh -c \
    "tr '\\0' '\\n' < /proc/\$(psup jlist | jq -r '.[] | select(.name == \"big\") | .pid')/environ | grep -qx VERSION=11"

D=$(daemon_pid)
kill -9 "$D"
ok "the daemon is gone" wait_for -t 5 pid_gone "$D"
is "$(psup describe big | grep -o 'VERSION=[0-9]*')" "VERSION=11" "a new daemon has its last settings"

# superseded records that outweigh the live ones less than four times over
# (1.2 MB against 0.5 MB) are rewritten a second after they were added, out
# of the way of the command that added them
for v in 0 1 2 3; do
	cat > "$TMPD/huge.yaml" <<YAML
apps:
  - name: huge
    script: $H/sleeper
    env:
      VERSION: "$v"
      HUGE1: "$BIG"
      HUGE2: "$BIG"
      HUGE3: "$BIG"
      HUGE4: "$BIG"
YAML
	psup start "$TMPD/huge.yaml" > /dev/null 2>&1
done
is "$(psup describe huge | grep -o 'VERSION=[0-9]*')" "VERSION=3" \
    "four versions of a 0.4 MB spec, 1.6 MB appended"
specs_small() { [ "$(stat -c %s "$SPECS")" -lt 1000000 ]; }
ok "then the file is rewritten with the live records" wait_for -t 20 specs_small

psup kill > /dev/null 2>&1
is "$(cat "$SPECS")" "psup-specs 1" "kill leaves the spec file empty"
psup ping > /dev/null 2>&1
is "$(psup jlist | jq length)" 0 "and a new daemon loads no app"

# a record of a newer psup: a key this one does not know
python3 - "$SPECS" <<'PY'
import sys
def fnv(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return h
name, spec = b"fut", b"name=fut\nargv=/bin/true\nfrom_the_future=1\n"
with open(sys.argv[1], "ab") as f:
    f.write(b"P %d %d %016x\n" % (len(name), len(spec), fnv(name + spec)) + name + spec + b"\n")
PY
D=$(daemon_pid)
kill -9 "$D"
wait_for -t 5 pid_gone "$D"
is "$(psup jlist | jq length)" 0 "a record this daemon cannot load is not an app"
like "$(cat "$PSUP_HOME/daemon.log")" "specs \(fut\): .*from_the_future.*skipped" "the log says why"
like "$(cat "$PSUP_HOME/daemon.log")" "specs \(fut\): kept in the file as it is" "and that it is kept"
psup start "$H/sleeper" --name fut > /dev/null 2>&1
ok "an app of its name replaces it" wait_for -t 10 all_state online fut
psup kill > /dev/null 2>&1
is "$(cat "$SPECS")" "psup-specs 1" "and goes with kill like any app"
