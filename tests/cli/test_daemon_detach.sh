# -d detaches (the command returns, the daemon lives on), -p writes the
# pidfile and SIGTERM removes it; JOURNAL_STREAM naming stderr switches to
# journal logging, which falls back to priority-prefixed lines on stderr
# when there is no journal socket.
. "$(dirname "$0")/lib.sh"

cat >"$TMPDIR/schedd.conf" <<EOT
[job:tick]
schedule = * * * * * *
command = echo tick >> $TMPDIR/tick.out
EOT
mkdir -p "$TMPDIR/run" "$TMPDIR/state"
RUNTIME_DIRECTORY="$TMPDIR/run" STATE_DIRECTORY="$TMPDIR/state" \
	"$SCHEDD" -d -p "$TMPDIR/schedd.pid" -c "$TMPDIR/schedd.conf" || fail "schedd -d failed"
wait_for 10 test -s "$TMPDIR/schedd.pid" || fail "no pidfile"
PID=$(cat "$TMPDIR/schedd.pid")
kill -0 "$PID" || fail "pidfile names no live process"
[ "$(cat /proc/$PID/comm)" = schedd ] || fail "pidfile names $(cat /proc/$PID/comm)"
wait_for 10 test -s "$TMPDIR/tick.out" || fail "detached daemon runs no job"
sid=$(awk '{print $6}' /proc/$PID/stat)
[ "$sid" != "$PID" ] || fail "detached daemon is a session leader"
kill -TERM "$PID"
wait_for 15 sh -c "! kill -0 $PID" || fail "detached daemon did not stop"
wait_for 5 sh -c "! test -e '$TMPDIR/schedd.pid'" || fail "pidfile left behind"

# A second daemon on the same pidfile is refused while the first runs.
start_daemon "$TMPDIR/schedd.conf"
wait_for 10 test -s "$TMPDIR/run/schedd.pid" || fail "no default pidfile"
RUNTIME_DIRECTORY="$TMPDIR/run" "$SCHEDD" -c "$TMPDIR/schedd.conf" 2>"$TMPDIR/second.err"
[ $? -eq 3 ] || fail "second daemon not refused with exit 3"
grep -q 'another schedd' "$TMPDIR/second.err" || fail "no message for the second daemon"
stop_daemon

if [ ! -S /run/systemd/journal/socket ]; then
	: > "$TMPDIR/journal.log"
	js=$(stat -c '%d:%i' "$TMPDIR/journal.log")
	RUNTIME_DIRECTORY="$TMPDIR/run" STATE_DIRECTORY="$TMPDIR/state" JOURNAL_STREAM=$js \
		"$SCHEDD" -c "$TMPDIR/schedd.conf" 2>>"$TMPDIR/journal.log" &
	PID=$!
	wait_for 10 grep -q '^<6>job tick: started run' "$TMPDIR/journal.log" ||
		fail "no priority-prefixed job line: $(head -n 3 $TMPDIR/journal.log)"
	stop_daemon
fi
exit 0
