# SIGTERM while a long job runs: the daemon waits up to shutdown_grace, then
# kills the job's whole process group and exits 0; nothing is left behind.
. "$(dirname "$0")/lib.sh"

cat >"$TMPDIR/schedd.conf" <<EOT
[daemon]
shutdown_grace = 1s

[job:long]
schedule = @reboot
command = sleep 300 & echo \$! > $TMPDIR/child.pid; echo \$\$ > $TMPDIR/job.pid; wait
EOT
start_daemon "$TMPDIR/schedd.conf"
wait_for 10 test -s "$TMPDIR/child.pid" || fail "job did not start"
wait_for 10 test -s "$TMPDIR/job.pid" || fail "job did not start"
child=$(cat "$TMPDIR/child.pid")
job=$(cat "$TMPDIR/job.pid")
kill -TERM "$PID"
sleep 0.3
kill -0 "$PID" 2>/dev/null || fail "daemon did not wait for the running job"
wait_for 15 sh -c "! kill -0 $PID" || fail "daemon did not exit after the grace"
wait "$PID"; rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc"
# Killed processes may stay zombies for a moment, until whoever inherits
# them reaps them: alive means present and not in state Z.
alive() { [ -r /proc/$1/stat ] && [ "$(awk '{print $3}' /proc/$1/stat 2>/dev/null)" != Z ]; }
wait_for 5 sh -c "! { [ -r /proc/$child/stat ] && [ \$(awk '{print \$3}' /proc/$child/stat 2>/dev/null) != Z ]; }" ||
	fail "background grandchild survived"
alive "$job" && fail "job survived"
grep -q 'shutdown grace over' "$LOG" || fail "no log line about the kill"
exit 0
