#!/bin/sh
# The psup CLI against a fake daemon (a small Perl server answering canned
# replies): usage errors and exit codes, the status table, jlist, describe,
# start with a bad file, logs (--lines, --nostream, --err/--out, following
# across rotation and truncation), wait, monit. Needs no real daemon, so it
# pins the CLI's own behaviour.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup
require_cmd perl jq script
plan 68

mk_home
export PSUP_NO_AUTOSTART=1
F=$TMPD/fake
mkdir -p "$F" "$TMPD/logs"
L=$TMPD/logs

cat > "$F/fake.pl" <<'EOF'
use strict;
use warnings;
use IO::Socket::UNIX;
use Socket;
use JSON::PP;
my ($sock, $dir) = @ARGV;
unlink $sock;
my $srv = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $sock, Listen => 16)
	or die "listen $sock: $!";
open(my $r, '>', "$dir/ready") or die; close $r;
while (my $c = $srv->accept) {
	while (defined(my $line = <$c>)) {
		open(my $log, '>>', "$dir/requests") or die; print $log $line; close $log;
		my $req = eval { decode_json($line) } || {};
		my $cmd = $req->{cmd} // '';
		my $t = $req->{target} // '';
		my ($f) = grep { -f $_ } ("$dir/$cmd-$t.json", "$dir/$cmd.json");
		my $known = $cmd =~ /^(ping|start|stop|restart|delete|list|describe|flush|signal|save|resurrect|kill)$/;
		my $body = $known ? qq({"ok":false,"error":"unknown app '$t'"}\n)
			: qq({"ok":false,"error":"unknown cmd '$cmd'"}\n);
		if ($f) { open(my $in, '<', $f) or die; local $/; $body = <$in>; close $in; }
		last if $body eq "CLOSE\n";
		print $c $body;
		$c->flush;
		if ($cmd eq 'kill') { close $c; unlink $sock; exit 0; }
	}
	close $c;
}
EOF

# ---- no daemon -------------------------------------------------------------
out=$(psup --version); rc=$?
is "$rc:$out" "0:psup 0.1.0" "--version"
psup --help > "$TMPD/help" 2>&1; rc=$?
is "$rc" 0 "--help exits 0"
like "$(cat "$TMPD/help")" "wait \[NAME\|all\] \[--timeout DUR\]" "--help lists commands"
psup help logs > "$TMPD/help" 2>&1
like "$(cat "$TMPD/help")" "usage: psup logs" "help CMD"
psup > /dev/null 2>&1; is "$?" 2 "no command: usage error"
psup frobnicate > /dev/null 2> "$TMPD/err"; rc=$?
is "$rc" 2 "unknown command: exit 2"
like "$(head -1 "$TMPD/err")" "^psup: unknown command 'frobnicate'" "unknown command: reason on stderr"
psup stop > /dev/null 2> "$TMPD/err"; is "$?" 2 "stop without an app: exit 2"
is "$(cat "$TMPD/err")" "psup: stop: which app? (usage: psup stop NAME...|all|FILE [--only A,B])" "a usage error is one line"
psup logs --lines many > /dev/null 2>&1; is "$?" 2 "logs --lines needs a number"
psup wait --timeout soon > /dev/null 2>&1; is "$?" 2 "wait --timeout needs a duration"
psup status --bogus > /dev/null 2>&1; is "$?" 2 "unknown option: exit 2"
psup signal NOPE app > /dev/null 2>&1; is "$?" 2 "unknown signal: exit 2"
psup status > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 3 "status without a daemon (autostart off): exit 3"
is "$(wc -l < "$TMPD/err" | tr -d ' ')" 1 "one line on stderr"
like "$(cat "$TMPD/err")" "^psup: daemon not running" "says the daemon is not running"
PSUP_HOME=/proc/nonexistent/psup PSUP_NO_AUTOSTART=0 psup status > /dev/null 2> "$TMPD/err"; rc=$?
is "$rc" 3 "a daemon that cannot start: exit 3"
psup kill > "$TMPD/out" 2>&1; rc=$?
is "$rc:$(cat "$TMPD/out")" "0:daemon not running" "kill with nothing running is a no-op"
script -qfec "psup monit" /dev/null > /dev/null 2>&1 < /dev/null
psup monit < /dev/null > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 1 "monit without a terminal: exit 1"
like "$(cat "$TMPD/err")" "needs a terminal" "monit says why"

# ---- the fake daemon -----------------------------------------------------
app() { # NAME ID GROUP STATE PID PROGRESS REASON
	printf '{"id":%s,"name":"%s","group":"%s","instance":1,"pid":%s,"keeper_pid":99,"state":"%s","reason":"%s","restarts":2,"unstable":0,"uptime_ms":125000,"started_at":1700000000000,"exit_code":null,"exit_signal":null,"cpu":1.5,"memory":12582912,"progress":%s,"log_files":{"out":"%s/%s-out.log","error":"%s/%s-error.log","combined":"%s/%s-combined.log"},"source":"/x/eco.yaml"}' \
		"$2" "$1" "$3" "$5" "$4" "$7" "$6" "$L" "$1" "$L" "$1" "$L" "$1"
}
put() { printf '%s\n' "$2" > "$F/$1.tmp" && mv "$F/$1.tmp" "$F/$1"; }
P1='{"done":1200,"total":3000,"failed":3,"inflight":4,"rate":40.5,"eta_s":44,"at":1700000100000}'
P2='{"done":3000,"total":3000,"failed":0,"inflight":0,"rate":0,"eta_s":null,"at":1700000100000}'
APPS="[$(app api 0 api online 4242 null ''),$(app chunk-1 1 chunk online 4243 "$P1" ''),$(app chunk-2 2 chunk completed 0 "$P2" ''),$(app crash 3 crash errored 0 null 'too many unstable restarts (16)')]"
put list.json "{\"ok\":true,\"apps\":$APPS}"
put describe-chunk-1.json "{\"ok\":true,\"apps\":[$(app chunk-1 1 chunk online 4243 "$P1" '' | sed 's/}$/,"config":{"script":"\/bin\/worker","env":{"API_KEY":"****","MODE":"fast"}},"exits":[{"at":1700000000000,"code":1,"signal":null,"runtime_ms":3000}]}/')]}"
put describe-chunk.json "{\"ok\":true,\"apps\":[$(app chunk-1 1 chunk online 4243 "$P1" ''),$(app chunk-2 2 chunk completed 0 "$P2" '')]}"
put describe-chunk-2.json "{\"ok\":true,\"apps\":[$(app chunk-2 2 chunk completed 0 "$P2" '')]}"
put describe-crash.json "{\"ok\":true,\"apps\":[$(app crash 3 crash errored 0 null 'too many')]}"
put describe-api.json "{\"ok\":true,\"apps\":[$(app api 0 api online 4242 null '')]}"
put start.json '{"ok":false,"error":"eco.yaml: 2 errors, nothing changed","errors":["eco.yaml:3:5: autorestrat: unknown key","eco.yaml:7:3: script: missing"],"warnings":["eco.yaml:9:5: watch: pm2 option not supported, ignored"]}'
put stop.json '{"ok":true,"apps":["api"]}'
put kill.json '{"ok":true}'
put ping.json '{"ok":true,"pid":1,"version":"0.1.0","home":"x"}'
perl "$F/fake.pl" "$PSUP_HOME/psup.sock" "$F" 2> "$F/perl.err" &
FAKE=$!
track_pid $FAKE
wait_for -t 10 test -f "$F/ready" || { diag_file "$F/perl.err"; bail_out "fake daemon did not start"; }

psup status > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 0 "status: exit 0"
st=$(cat "$TMPD/out")
like "$st" "│ id +│ name +│ pid +│ state +│ uptime +│ ↺ +│ cpu +│ mem +│ progress +│ done/total +│ failed +│ rate +│ eta +│" "status: header with progress columns"
like "$st" "│ 0 +│ api +│ 4242 +│ online +│ 2m +│ 2 +│ 1.5% +│ 12M" "status: api row"
like "$st" "chunk-1 .*████░░░░░░  40% │ 1200/3000 +│ 3 +│ 40.5/s +│ 44s" "status: progress bar, counts, rate, eta"
like "$st" "chunk-2 .*██████████ 100% │ 3000/3000 .*│ done" "status: a finished job"
like "$st" "│ +│ chunk \(2\) +│ +│ 1/2 online +│ +│ 4 +│ 3.0% +│ 24M +│ .*4200/6000" "status: summed group row"
like "$st" "crash errored: too many unstable restarts" "status: the reason of an errored app"
unlike "$st" "$(printf '\033')" "status: no colour when not a terminal"
script -qfec "psup status" /dev/null > "$TMPD/tty" 2>&1
like "$(cat "$TMPD/tty")" "$(printf '\033\\[32m')online" "status: coloured state on a terminal"
NO_COLOR=1 script -qfec "psup status" /dev/null > "$TMPD/tty" 2>&1
unlike "$(cat "$TMPD/tty")" "$(printf '\033\\[')" "status: NO_COLOR turns colour off"

psup jlist > "$TMPD/j"; rc=$?
is "$rc" 0 "jlist: exit 0"
is "$(jq -r 'length' "$TMPD/j")" 4 "jlist: a JSON array of every app"
is "$(jq -r '.[1] | [.id,.name,.pid,.state,.restarts,.uptime_ms,.cpu,.memory,.progress.done,.log_files.out != null] | map(tostring) | join(" ")' "$TMPD/j")" \
	"1 chunk-1 4243 online 2 125000 1.5 12582912 1200 true" "jlist: the fields"

psup describe chunk-1 > "$TMPD/out"; rc=$?
is "$rc" 0 "describe: exit 0"
d=$(cat "$TMPD/out")
like "$d" "│ state +│ online" "describe: state"
like "$d" "API_KEY=\*\*\*\*" "describe: masked env as the daemon sent it"
like "$d" "code 1 after 3s" "describe: last exits"
like "$d" "out log +│ $L/chunk-1-out.log" "describe: log paths"
psup describe nope > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 1 "describe an unknown app: exit 1"
like "$(cat "$TMPD/err")" "^psup: unknown app 'nope'" "describe: the daemon's reason"

printf 'apps:\n' > "$TMPD/eco.yaml"
psup start "$TMPD/eco.yaml" > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 4 "start a bad file: exit 4"
like "$(cat "$TMPD/err")" "eco.yaml:3:5: autorestrat: unknown key" "start: first error line"
like "$(cat "$TMPD/err")" "eco.yaml:7:3: script: missing" "start: second error line"
like "$(tail -1 "$F/requests")" "\"file\":\"$TMPD/eco.yaml\"" "start: sends the absolute path"
psup start "$TMPD/missing.yaml" > /dev/null 2>&1; is "$?" 4 "start a missing .yaml: exit 4"

psup stop api > "$TMPD/out" 2>&1; rc=$?
is "$rc" 0 "stop: exit 0"
like "$(head -1 "$TMPD/out")" "^stopped: api" "stop: says what it stopped"

# ---- logs --------------------------------------------------------------------
seq 1 20 | sed 's/^/api out /' > "$L/api-out.log"
seq 1 5 | sed 's/^/api err /' > "$L/api-error.log"
psup logs api --nostream --lines 3 > "$TMPD/out"; rc=$?
is "$rc" 0 "logs --nostream: exit 0"
is "$(cat "$TMPD/out")" "api | api out 18
api | api out 19
api | api out 20
api | api err 3
api | api err 4
api | api err 5" "logs --lines 3: the last 3 lines of out and err, prefixed"
is "$(psup logs api --nostream --err | wc -l | tr -d ' ')" 5 "logs --err: only the error log"
is "$(psup logs api --nostream --out --lines=100 | grep -c 'api | api out')" 20 "logs --out --lines=100"
is "$(psup logs api --nostream | wc -l | tr -d ' ')" 20 "logs: 15 + 5 lines by default"
is "$(psup logs api --nostream --raw --lines 1 --out)" "api out 20" "logs --raw: no prefix"

# Follow: new lines, then a rotation (rename + new file), then a truncation.
psup logs api --out --lines 1 > "$TMPD/follow" 2>&1 &
LOGS=$!
track_pid $LOGS
wait_for -t 5 grep -q "api out 20" "$TMPD/follow"
echo "after 1" >> "$L/api-out.log"
ok "logs follows new lines" wait_for -t 5 grep -q "after 1" "$TMPD/follow"
printf 'last before rotation\n' >> "$L/api-out.log"
mv "$L/api-out.log" "$L/api-out.log.1"
printf 'first after rotation\n' > "$L/api-out.log"
echo "second after rotation" >> "$L/api-out.log"
ok "logs follows across rotation" wait_for -t 5 grep -q "second after rotation" "$TMPD/follow"
like "$(cat "$TMPD/follow")" "last before rotation" "logs: the rotated file's last line is not lost"
: > "$L/api-out.log"
echo "after truncation" >> "$L/api-out.log"
ok "logs follows across truncation" wait_for -t 5 grep -q "after truncation" "$TMPD/follow"
printf 'partial' >> "$L/api-out.log"; printf ' line\n' >> "$L/api-out.log"
ok "logs joins a line written in two parts" wait_for -t 5 grep -q "api | partial line" "$TMPD/follow"
kill $LOGS

# A log whose folder does not exist yet (the app has not logged).
put describe-late.json "{\"ok\":true,\"apps\":[$(app late 9 late online 1 null '' | sed "s|$L/late-out|$TMPD/new/dir/late-out|")]}"
psup logs late --out > "$TMPD/late" 2>&1 &
LOGS=$!
track_pid $LOGS
wait_for -t 5 grep -q late "$F/requests"
mkdir -p "$TMPD/new/dir" && echo "first words" > "$TMPD/new/dir/late-out.log"
ok "logs waits for a log folder to appear" wait_for -t 5 grep -q "late | first words" "$TMPD/late"
kill $LOGS

# ---- wait ----------------------------------------------------------------
# This fake knows no `wait` command, so psup falls back to polling list.
psup wait chunk-2 > "$TMPD/out" 2> "$TMPD/err"; rc=$?
like "$rc:$(cat "$TMPD/out")" "^0:wait: 1 completed \([0-9]+\.[0-9]s\)$" "wait: a completed app: exit 0 and a summary"
psup wait crash > "$TMPD/out" 2> "$TMPD/err"; rc=$?
is "$rc" 1 "wait: an errored app: exit 1"
like "$(cat "$TMPD/out")" "1 errored \(crash\)" "wait: the summary names it"
wait_times_out api 3000

# ---- monit -----------------------------------------------------------------
# Under a pseudo-terminal: it draws the apps and quits on q.
( sleep 1.5; printf q ) | TERM=xterm timeout 10 script -qfec "psup monit" /dev/null > "$TMPD/monit" 2>&1; rc=$?
is "$rc" 0 "monit quits on q"
like "$(cat "$TMPD/monit")" "chunk-1" "monit draws the apps"

psup kill > "$TMPD/out" 2>&1; rc=$?
is "$rc:$(cat "$TMPD/out")" "0:daemon stopped" "kill: the daemon goes away"
