# Shared by the black-box daemon tests (sourced). POSIX sh.
# Every wait polls with a generous bound: no test relies on a fixed sleep.

fail() {
	echo "FAIL: $*" >&2
	[ -n "${LOG:-}" ] && [ -f "$LOG" ] && { echo "--- daemon log:" >&2; tail -n 60 "$LOG" >&2; }
	exit 1
}

# wait_for SECONDS COMMAND...: polls COMMAND every 50 ms until it succeeds.
wait_for() {
	_limit=$(( $1 * 20 )); shift
	_i=0
	while ! "$@" 2>/dev/null; do
		_i=$((_i + 1))
		[ "$_i" -ge "$_limit" ] && return 1
		sleep 0.05
	done
	return 0
}

count_lines() { # count_lines PATTERN FILE
	grep -c -- "$1" "$2" 2>/dev/null || true
}

# start_daemon CONFIG [ENV=VALUE...]: starts schedd in the background with its
# runtime and state directories under $TMPDIR; sets PID and LOG.
start_daemon() {
	_conf=$1; shift
	LOG=$TMPDIR/daemon.log
	mkdir -p "$TMPDIR/run" "$TMPDIR/state"
	# Emptied here, not by the background redirection, so that no wait
	# can see the previous daemon's lines.
	: > "$LOG"
	env RUNTIME_DIRECTORY="$TMPDIR/run" STATE_DIRECTORY="$TMPDIR/state" "$@" \
		"$SCHEDD" -c "$_conf" >>"$LOG" 2>&1 &
	PID=$!
}

# stop_daemon: SIGTERM, then wait for the exit; fails on a non-zero status.
stop_daemon() {
	kill -TERM "$PID" 2>/dev/null || return 0
	_i=0
	while kill -0 "$PID" 2>/dev/null; do
		_i=$((_i + 1))
		[ "$_i" -ge 600 ] && { kill -KILL "$PID"; fail "daemon did not stop within 30 s"; }
		sleep 0.05
	done
	wait "$PID"
	_rc=$?
	[ "$_rc" -eq 0 ] || fail "daemon exited with $_rc"
}

cleanup() {
	for _p in ${PID:-} ${NPID:-}; do kill -KILL "$_p" 2>/dev/null; done
	true
}
trap cleanup EXIT

# start_notify: a notify socket listener; sets NOTIFY_SOCKET_PATH and NLOG.
start_notify() {
	NOTIFY_SOCKET_PATH=$TMPDIR/notify.sock
	NLOG=$TMPDIR/notify.log
	"$SCHEDD_HELPERS/notifysock" "$NOTIFY_SOCKET_PATH" >"$NLOG" 2>&1 &
	NPID=$!
	wait_for 5 test -S "$NOTIFY_SOCKET_PATH" || fail "notify socket not created"
}
