# The state file (SPEC §3 state_file, catchup; §4 interrupted): SIGKILL and
# restart many times at random points; no scheduled second may run twice,
# none may be lost while the daemon runs, and every downtime that swallowed
# a slot is caught up by one run. An attempt killed with the daemon is
# interrupted, what is left of it is killed, and it is retried; a damaged or
# foreign state file is set aside.
. "$(dirname "$0")/lib.sh"

CYCLES=${STATE_CYCLES:-12}
out=$TMPDIR/tick.out
cat >"$TMPDIR/schedd.conf" <<EOT
[job:tick]
schedule = * * * * * *
command = echo "\$SCHEDD_SCHEDULED" >> $out
catchup = true
EOT
: > "$out"
: > "$TMPDIR/windows"
rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
i=0
while [ "$i" -lt "$CYCLES" ]; do
	start_daemon "$TMPDIR/schedd.conf"
	n=$(wc -l < "$out")
	wait_for 10 sh -c "[ \$(wc -l < '$out') -gt $n ]" || fail "cycle $i: no run"
	sleep "0.$(( $(rnd) % 9 + 1 ))"
	down=$(date +%s)
	kill -KILL "$PID"; wait "$PID" 2>/dev/null
	sleep "$(( $(rnd) % 3 )).$(( $(rnd) % 10 ))"
	up=$(date +%s)
	echo "$down $up" >> "$TMPDIR/windows"
	i=$((i + 1))
done
start_daemon "$TMPDIR/schedd.conf"
n=$(wc -l < "$out")
wait_for 10 sh -c "[ \$(wc -l < '$out') -gt $((n + 1)) ]" || fail "no run after the last restart"
stop_daemon

dups=$(sort "$out" | uniq -d)
[ -z "$dups" ] || fail "slots ran twice: $dups"
# Every second missing from the output lies in a downtime window.
first=$(sort -n "$out" | head -n 1)
last=$(sort -n "$out" | tail -n 1)
sort -n "$out" > "$TMPDIR/sorted"
awk -v first="$first" -v last="$last" '
	FILENAME == ARGV[1] { down[NR] = $1; up[NR] = $2; n = NR; next }
	{ seen[$1] = 1 }
	END {
		for (s = first; s <= last; s++) {
			if (s in seen) continue
			ok = 0
			for (w = 1; w <= n; w++) if (s >= down[w] && s <= up[w] + 1) ok = 1
			if (!ok) { print "lost slot " s; bad = 1 }
		}
		# A downtime of two seconds or more holds a slot: one catch-up run for it.
		for (w = 1; w <= n; w++) {
			if (up[w] - down[w] < 2) continue
			c = 0
			for (s = down[w] + 1; s <= up[w]; s++) if (s in seen) c++
			if (c == 0) { print "downtime " down[w] "-" up[w] " not caught up"; bad = 1 }
		}
		exit bad
	}' "$TMPDIR/windows" "$TMPDIR/sorted" > "$TMPDIR/check.out" || fail "$(cat "$TMPDIR/check.out")"

# Interrupted: the daemon dies while an attempt runs; the next start counts
# that attempt as interrupted and retries the same slot.
cat >"$TMPDIR/slow.conf" <<EOT
[job:slow]
schedule = * * * * * *
command = echo "\$SCHEDD_SCHEDULED \$SCHEDD_ATTEMPT" >> $TMPDIR/slow.out; sleep 2; echo "end \$SCHEDD_SCHEDULED \$SCHEDD_ATTEMPT" >> $TMPDIR/slow.out
overlap = skip
retries = 1
retry_delay = 100ms
EOT
start_daemon "$TMPDIR/slow.conf"
wait_for 10 test -s "$TMPDIR/slow.out" || fail "slow job did not start"
slot=$(head -n 1 "$TMPDIR/slow.out" | cut -d' ' -f1)
kill -KILL "$PID"; wait "$PID" 2>/dev/null
start_daemon "$TMPDIR/slow.conf"
wait_for 10 grep -q "^$slot 2\$" "$TMPDIR/slow.out" || fail "interrupted slot $slot not retried: $(cat "$TMPDIR/slow.out")"
grep -q "interrupted" "$LOG" || fail "no interrupted outcome logged"
# The attempt that outlived the killed daemon is killed before its retry.
grep -q "outlived schedd: killing it" "$LOG" || fail "leftover of the interrupted attempt not killed"
wait_for 10 grep -q "^end $slot 2\$" "$TMPDIR/slow.out" || fail "retry of $slot did not finish"
grep -q "^end $slot 1\$" "$TMPDIR/slow.out" && fail "the interrupted attempt ran on beside its retry"
stop_daemon

# Damaged files: a torn last line is skipped; a foreign file is set aside.
st=$TMPDIR/state/state
[ -s "$st" ] || fail "no state file at $st"
head -c $(( $(wc -c < "$st") - 3 )) "$st" > "$st.cut" && mv "$st.cut" "$st"
start_daemon "$TMPDIR/schedd.conf"
wait_for 10 grep -q 'ready:' "$LOG" || fail "no start with a torn state file"
stop_daemon
echo "garbage, not a state file" > "$st"
start_daemon "$TMPDIR/schedd.conf"
wait_for 10 grep -q 'ready:' "$LOG" || fail "no start with a garbage state file"
grep -q 'not a schedd state file' "$LOG" || fail "garbage state file not reported"
ls "$st".bad-* >/dev/null 2>&1 || fail "garbage state file not set aside"
stop_daemon
exit 0
