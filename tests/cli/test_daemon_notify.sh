# sd_notify: READY once running, WATCHDOG at half of WATCHDOG_USEC from the
# loop, RELOADING/READY around SIGHUP, STOPPING at SIGTERM; jobs never see
# NOTIFY_SOCKET or WATCHDOG_USEC.
. "$(dirname "$0")/lib.sh"

cat >"$TMPDIR/schedd.conf" <<EOT
[job:env]
schedule = * * * * * *
command = env > $TMPDIR/env.out
EOT
start_notify
start_daemon "$TMPDIR/schedd.conf" NOTIFY_SOCKET="$NOTIFY_SOCKET_PATH" WATCHDOG_USEC=400000
wait_for 10 grep -q 'READY=1' "$NLOG" || fail "no READY=1"
wait_for 10 test -s "$TMPDIR/env.out" || fail "job did not run"
grep -q NOTIFY_SOCKET "$TMPDIR/env.out" && fail "job saw NOTIFY_SOCKET"
grep -q WATCHDOG "$TMPDIR/env.out" && fail "job saw WATCHDOG_USEC"

# Watchdog every 200 ms: at least 5 pings within 2 s of READY.
wait_for 10 sh -c "[ \$(grep -c 'WATCHDOG=1' '$NLOG') -ge 8 ]" || fail "too few WATCHDOG=1"
first=$(grep 'WATCHDOG=1' "$NLOG" | sed -n 2p | cut -d' ' -f1)
eighth=$(grep 'WATCHDOG=1' "$NLOG" | sed -n 8p | cut -d' ' -f1)
gap=$(( (eighth - first) / 6 ))
[ "$gap" -ge 150 ] && [ "$gap" -le 300 ] || fail "watchdog interval $gap ms, want about 200"

# A stopped loop stops the pings.
kill -STOP "$PID"
n1=$(grep -c 'WATCHDOG=1' "$NLOG")
sleep 1
n2=$(grep -c 'WATCHDOG=1' "$NLOG")
kill -CONT "$PID"
[ "$n2" -le $((n1 + 1)) ] || fail "watchdog pinged while the loop was stopped"

kill -HUP "$PID"
wait_for 10 grep -q 'RELOADING=1' "$NLOG" || fail "no RELOADING=1"
wait_for 10 sh -c "sed -n '/RELOADING=1/,\$p' '$NLOG' | grep -q 'READY=1'" || fail "no READY=1 after reload"
grep -q "STATUS=jobs=1 running=[01] queued=0 .* next=env@20" "$NLOG" || fail "no STATUS= with jobs and the next run: $(grep STATUS= $NLOG | tail -n 2)"

stop_daemon
grep -q 'STOPPING=1' "$NLOG" || fail "no STOPPING=1"
exit 0
