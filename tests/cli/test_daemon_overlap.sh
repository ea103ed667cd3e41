# Overlap policies and max_concurrent with real processes (SPEC §3):
# skip never overlaps and skips; queue never overlaps and starts the waiting
# slot when the active run ends; allow overlaps; replace stops the active run;
# max_concurrent caps running attempts across jobs.
. "$(dirname "$0")/lib.sh"

# Each run logs "start NS" and "end NS" (nanoseconds) to its job's file.
mark='echo "start $(date +%s%N)" >> '$TMPDIR'/$SCHEDD_JOB.out; sleep $NAP; echo "end $(date +%s%N)" >> '$TMPDIR'/$SCHEDD_JOB.out'
cat >"$TMPDIR/schedd.conf" <<EOT
[daemon]
shutdown_grace = 1s

[defaults]
command = $mark

[job:skip]
schedule = * * * * * *
env = NAP=2.5
overlap = skip

[job:queue]
schedule = * * * * * *
env = NAP=2.5
overlap = queue

[job:replace]
schedule = */2 * * * * *
env = NAP=30
overlap = replace
kill_grace = 1s
EOT
start_daemon "$TMPDIR/schedd.conf"
wait_for 30 sh -c "[ \$(grep -c end '$TMPDIR/queue.out') -ge 3 ]" || fail "queue: fewer than 3 runs"
wait_for 30 sh -c "[ \$(grep -c end '$TMPDIR/skip.out') -ge 2 ]" || fail "skip: fewer than 2 runs"
wait_for 30 sh -c "[ \$(grep -c start '$TMPDIR/replace.out') -ge 3 ]" || fail "replace: fewer than 3 runs"
stop_daemon

# Maximum number of overlapping runs in a file of start/end marks.
overlap() {
	awk '{ print $2, ($1 == "start" ? 1 : -1) }' "$1" | sort -n |
		awk '{ c += $2; if (c > m) m = c } END { print m + 0 }'
}
[ "$(overlap "$TMPDIR/skip.out")" -eq 1 ] || fail "skip: runs overlapped"
[ "$(overlap "$TMPDIR/queue.out")" -eq 1 ] || fail "queue: runs overlapped"
grep -q 'job skip: skipped' "$LOG" || fail "skip: no skipped line"
grep -q 'job queue: run [0-9]* queued' "$LOG" || fail "queue: no queued line"
# queue: the waiting slot starts as soon as the active run ends.
awk '$1 == "end" { e = $2 } $1 == "start" && e { d = ($2 - e) / 1e6; if (d > 1500) bad = 1 }
	END { exit bad }' "$TMPDIR/queue.out" || fail "queue: a waiting run started late"
grep -q 'job replace: run [0-9]* replaced' "$LOG" || fail "replace: no replaced line"
grep -q end "$TMPDIR/replace.out" && fail "replace: a replaced run went on to its end"
# replace: the new run starts only after the replaced one has finished.
grep 'job replace: \(started\|finished\) run' "$LOG" |
	awk '/started/ { if (running) bad = 1; running = 1 } /finished/ { running = 0 } END { exit bad }' ||
	fail "replace: old and new run overlapped"

# max_concurrent = 2: four jobs due together never run more than two at once.
for j in a b c d; do rm -f "$TMPDIR/$j.out"; done
cat >"$TMPDIR/cap.conf" <<EOT
[daemon]
max_concurrent = 2

[defaults]
command = $mark
env = NAP=1
schedule = @reboot

[job:a]
[job:b]
[job:c]
[job:d]
EOT
sed -i 's/^\[job:\(.\)\]$/[job:\1]\nenabled = true/' "$TMPDIR/cap.conf"
start_daemon "$TMPDIR/cap.conf"
wait_for 30 sh -c "cat '$TMPDIR'/[abcd].out 2>/dev/null | grep -c end | grep -qx 4" || fail "not all four capped jobs ran"
stop_daemon
cat "$TMPDIR"/[abcd].out > "$TMPDIR/all.out"
[ "$(overlap "$TMPDIR/all.out")" -eq 2 ] || fail "max_concurrent: $(overlap "$TMPDIR/all.out") ran at once"
[ "$(grep -c 'queued (max_concurrent reached)' "$LOG")" -eq 2 ] || fail "max_concurrent: not exactly two queued"
exit 0
