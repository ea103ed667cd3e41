# SIGHUP: a broken config is rejected whole and the old one keeps running; a
# change to one job leaves the other's next fire time alone, and no
# scheduled second runs twice across reloads.
. "$(dirname "$0")/lib.sh"

conf=$TMPDIR/schedd.conf
cat >"$conf" <<EOT
[job:steady]
schedule = 0 0 1 1 *
command = true

[job:tick]
schedule = * * * * * *
command = echo "\$SCHEDD_SCHEDULED" >> $TMPDIR/tick.out
EOT
start_daemon "$conf"
wait_for 10 test -s "$TMPDIR/tick.out" || fail "tick did not run"
st() { RUNTIME_DIRECTORY="$TMPDIR/run" "$SCHEDD" status -c "$conf"; }
next_before=$(st | grep '^job name=steady' | sed 's/.* next=\([^ ]*\).*/\1/')
[ -n "$next_before" ] || fail "no next for steady"

# Broken config: rejected, the daemon and its jobs go on.
printf '[job:tick]\nschedule = 61 * * * *\ncommand = true\n' > "$conf.bad"
cp "$conf" "$conf.good"
cp "$conf.bad" "$conf"
kill -HUP "$PID"
wait_for 10 grep -q 'reload rejected' "$LOG" || fail "broken config not rejected"
grep -q "schedd.conf:2:" "$LOG" || fail "the error does not name FILE:LINE"
n1=$(wc -l < "$TMPDIR/tick.out")
wait_for 10 sh -c "[ \$(wc -l < '$TMPDIR/tick.out') -ge $((n1 + 2)) ]" || fail "tick stopped after a rejected reload"
kill -0 "$PID" || fail "daemon died"

# Change tick only (add an env entry): steady keeps its next fire time.
cp "$conf.good" "$conf"
echo "env = CHANGED=1" >> "$conf"
for i in 1 2 3; do
	kill -HUP "$PID"
	wait_for 10 sh -c "[ \$(grep -c 'reloaded:' '$LOG') -ge $i ]" || fail "reload $i not done"
done
next_after=$(st | grep '^job name=steady' | sed 's/.* next=\([^ ]*\).*/\1/')
[ "$next_before" = "$next_after" ] || fail "steady's next changed: $next_before -> $next_after"
n2=$(wc -l < "$TMPDIR/tick.out")
wait_for 10 sh -c "[ \$(wc -l < '$TMPDIR/tick.out') -ge $((n2 + 2)) ]" || fail "tick stopped after reload"
stop_daemon
dups=$(sort "$TMPDIR/tick.out" | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "a slot ran twice across reloads"
exit 0
