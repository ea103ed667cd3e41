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
kill -0 "$child" 2>/dev/null && fail "background grandchild survived"
kill -0 "$job" 2>/dev/null && fail "job survived"
grep -q 'shutdown grace over' "$LOG" || fail "no log line about the kill"
exit 0
