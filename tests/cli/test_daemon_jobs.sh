# End to end: a per-second job runs once per second with the exact slot in
# SCHEDD_SCHEDULED, never twice; a stuck job is killed at its timeout; a
# failing job is retried; the status dump reflects all of it.
. "$(dirname "$0")/lib.sh"

cat >"$TMPDIR/schedd.conf" <<EOT
[job:tick]
schedule = * * * * * *
command = echo "\$SCHEDD_SCHEDULED \$SCHEDD_ATTEMPT" >> $TMPDIR/tick.out

[job:stuck]
schedule = @every 1s
command = echo start >> $TMPDIR/stuck.out; sleep 100; echo never >> $TMPDIR/stuck.out
timeout = 500ms
kill_grace = 1s
overlap = skip

[job:flaky]
schedule = @reboot
command = echo "attempt \$SCHEDD_ATTEMPT" >> $TMPDIR/flaky.out; exit 3
retries = 2
retry_delay = 200ms
retry_backoff = 2
EOT
start_daemon "$TMPDIR/schedd.conf"
wait_for 15 sh -c "[ \$(wc -l < '$TMPDIR/tick.out') -ge 5 ]" || fail "per-second job did not run 5 times"
wait_for 15 sh -c "[ \$(grep -c attempt '$TMPDIR/flaky.out') -ge 3 ]" || fail "retries did not run"
wait_for 15 grep -q 'timed out' "$LOG" || fail "no timeout logged"

# Status through the CLI while running.
RUNTIME_DIRECTORY="$TMPDIR/run" "$SCHEDD" status -c "$TMPDIR/schedd.conf" > "$TMPDIR/status.out" ||
	fail "schedd status failed"
grep -q '^daemon version=[0-9.]* pid='"$PID"' uptime=[0-9]* ' "$TMPDIR/status.out" || fail "bad daemon line: $(cat $TMPDIR/status.out)"
grep -q '^job name=flaky state=idle .*last_result=failed last_exit=3 .* runs=3 failures=3 retries=2 ' "$TMPDIR/status.out" ||
	fail "bad flaky line: $(grep flaky $TMPDIR/status.out)"
grep -q '^job name=stuck .*timeouts=[1-9]' "$TMPDIR/status.out" || fail "bad stuck line: $(grep stuck $TMPDIR/status.out)"
grep -q '^job name=tick .*next=20[0-9-]*T[0-9:]*[+-][0-9][0-9]:[0-9][0-9] ' "$TMPDIR/status.out" || fail "bad tick line"
stop_daemon

# Each scheduled second ran once, and the seconds are consecutive.
dups=$(cut -d' ' -f1 "$TMPDIR/tick.out" | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "a slot ran twice: $(cut -d' ' -f1 "$TMPDIR/tick.out" | sort | uniq -d)"
first=$(head -n1 "$TMPDIR/tick.out" | cut -d' ' -f1)
last=$(tail -n1 "$TMPDIR/tick.out" | cut -d' ' -f1)
n=$(wc -l < "$TMPDIR/tick.out")
[ $((last - first + 1)) -eq "$n" ] || fail "slots missing: $n runs for $first..$last"
grep -q never "$TMPDIR/stuck.out" && fail "the stuck job was not killed"
[ "$(grep -c attempt "$TMPDIR/flaky.out")" -eq 3 ] || fail "flaky ran $(grep -c attempt "$TMPDIR/flaky.out") times, want 3"
exit 0
