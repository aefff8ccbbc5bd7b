#!/bin/sh
# Logs under faults. A full disk (a 1 MiB tmpfs): an app writes numbered
# lines until the disk is full and on, then space is freed and it writes
# more; every line in its log is whole (a write cut short is cut back to
# its last whole line), and the loss is written down in the file with the
# right count and shown by describe. Log files are created 0640. Then
# `psup logs --raw` over a 200 MB log into a slow reader keeps the CLI's
# memory bounded (it reads, writes and blocks on the reader).
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/sv-lib.sh"
require_cmd mount umount dd
sv_setup
plan 19
umask 022

# --- a full disk -------------------------------------------------------------
DISK=$TMPD/disk
mkdir -p "$DISK"
if mount -t tmpfs -o size=1m psup-e2e "$DISK" 2> "$TMPD/mount.err"; then
	# lazily: the keepers may still hold their logs open at exit
	at_exit "umount -l '$DISK'"
	MOUNTED=1
else
	diag "cannot mount a tmpfs: $(cat "$TMPD/mount.err")"
	MOUNTED=0
fi

# w writes 100-byte lines "line NNNNNN xxx": 3000, then once the disk is
# full 3000 more, then once space is back 100 more.
cat > "$TMPD/w.sh" <<'EOF'
#!/bin/sh
PAD=$(printf '%087d' 0 | tr 0 x)
i=0
lines() {
	n=$1
	while [ "$n" -gt 0 ]; do
		i=$((i + 1))
		printf 'line %06d %s\n' "$i" "$PAD"
		n=$((n - 1))
	done
}
await() { while [ ! -e "$1" ]; do sleep 0.05; done; }
lines 3000
await full
lines 3000
await freed
lines 100
exec sleep 600
EOF
chmod +x "$TMPD/w.sh"

# phase2 FILE: lines of the disk-full phase (3001..6000) in FILE
phase2() { awk '$1 == "line" && $2 + 0 > 3000 && $2 + 0 <= 6000' "$1" | wc -l | tr -d ' '; }
# dropped: the app's lost lines as the daemon reports them
dropped() { describe_json "$TMPD/d.json" w; jq -r '.apps[0].lines_dropped' "$TMPD/d.json"; }
# accounted FILE: every line of the full-disk phase is in FILE or counted lost
accounted() { [ $(($(phase2 "$1") + $(dropped))) -eq 3000 ]; }

if [ "$MOUNTED" = 1 ]; then
	cat > "$TMPD/disk.yaml" <<EOF
apps:
  - name: w
    script: $TMPD/w.sh
    cwd: $TMPD
    out_file: $DISK/w-out.log
    error_file: /dev/null
    log_file: /dev/null
    autorestart: false
EOF
	psup start "$TMPD/disk.yaml" > /dev/null 2>&1
	is "$?" 0 "start: exit 0"
	OUT=$DISK/w-out.log
	ok "the first 3000 lines are written" wait_for -t 30 lines_ge 3000 "$OUT"
	is "$(stat -c %a "$OUT")" 640 "the log file is created 0640 under umask 022"
	# fill the disk (dd stops at ENOSPC), then let the app go on
	dd if=/dev/zero of="$DISK/filler" bs=4096 > /dev/null 2>&1
	touch "$TMPD/full"
	ok "every line of the full-disk phase is written or counted lost" \
		wait_for -t 60 accounted "$OUT"
	lost=$(dropped)
	cmp_ok "$lost" -gt 0 "lines were lost to the full disk ($lost)"
	rm -f "$DISK/filler"
	touch "$TMPD/freed"
	ok "once space is freed the app's lines are written again" \
		wait_for -t 30 lines_ge 1 "$OUT" '^line 006100 '
	is "$(awk 'length($0) != 99 || $1 != "line" || $3 !~ /^x+$/' "$OUT" |
		grep -Evc '^psup: [0-9]+ lines? lost: No space left on device$')" 0 \
		"every line is whole: numbered lines and loss lines only"
	is "$(awk '$1 == "line" && $2 + 0 <= 3000' "$OUT" | wc -l | tr -d ' ')" 3000 \
		"the lines before the disk filled are all there"
	is "$(awk '$1 == "line" && $2 + 0 > 6000' "$OUT" | wc -l | tr -d ' ')" 100 \
		"the lines after space was freed are all there"
	is "$(awk '$1 == "line" { if ($2 + 0 <= last) bad++; last = $2 + 0 } END { print bad + 0 }' "$OUT")" 0 \
		"lines in order"
	is "$(awk '$1 == "psup:" { n += $2 } END { print n + 0 }' "$OUT")" "$lost" \
		"the loss lines add up to the lines lost ($lost)"
	like "$(grep -B1 '^line 006001 ' "$OUT" | head -n 1)" \
		'^psup: [0-9]+ lines? lost: No space left on device$' \
		"a loss line comes right before the first line after recovery"
	is "$((3000 - $(phase2 "$OUT")))" "$lost" "what is missing is what was counted"
	psup describe w > "$TMPD/describe.txt" 2>&1
	like "$(grep 'log lines lost' "$TMPD/describe.txt")" " $lost " "describe shows the lost lines"
	like "$(grep 'log error' "$TMPD/describe.txt")" "No space left on device" \
		"describe shows the last write error"
	psup delete w > /dev/null 2>&1
else
	skip "cannot mount a tmpfs here (mount -t tmpfs needs root or CAP_SYS_ADMIN)" 15
fi

# --- psup logs into a slow reader ---------------------------------------------
N=2000000
cat > "$TMPD/big.yaml" <<EOF
apps:
  - name: big
    script: $H/spew
    args: [$N, 100, out]
    out_file: $TMPD/big-out.log
    error_file: /dev/null
    log_file: /dev/null
    autorestart: false
EOF
psup start "$TMPD/big.yaml" > /dev/null 2>&1
ok "a 200 MB log is written" wait_for -t 120 state_is big completed
is "$(stat -c %s "$TMPD/big-out.log")" $((N * 100)) "the whole log is there"

# The reader sleeps 2 s before it reads: the CLI must block on it, not
# read ahead. Its peak memory (VmHWM) is sampled until it exits.
mkfifo "$TMPD/pipe"
(sleep 2; wc -c) < "$TMPD/pipe" > "$TMPD/count" &
RP=$!
track_pid "$RP"
"$PSUP_BIN/psup" logs big --raw --lines $N --nostream > "$TMPD/pipe" &
LP=$!
track_pid "$LP"
hwm=0
end=$(($(now_ms) + 120000))
while pid_alive "$LP" && [ "$(now_ms)" -lt "$end" ]; do
	h=$(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\) kB/\1/p' "/proc/$LP/status" 2>/dev/null)
	[ -n "$h" ] && hwm=$h
	sleep 0.1
done
wait_exit "$RP" 60
is "$(tr -d ' ' < "$TMPD/count")" $((N * 100)) "the reader got every byte"
# ASan's shadow memory and quarantine add a fixed overhead
case $PSUP_BIN in */asan/*) bound=$((48 * 1024)) ;; *) bound=$((32 * 1024)) ;; esac
cmp_ok "$hwm" -lt "$bound" "psup logs peaked at ${hwm} kB (< ${bound} kB) over a 200 MB log"
