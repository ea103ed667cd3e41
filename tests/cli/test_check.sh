#!/bin/sh
# schedd check (SPEC §1, §3): exit codes 0/1/2, one line per job with its
# next fire time, and for every invalid fixture in tests/config/bad exactly
# the FILE:LINE messages of its .err file on stderr, nothing else.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# Copies are owned by whoever runs the test, mode 0644: as root they pass
# the owner check whatever the checkout's ownership and umask.
umask 022
cp -R "$root/tests/config/bad" "$TMPDIR/bad" || exit 1
cp "$root/schedd.conf.example" "$TMPDIR/example.conf" || exit 1

# 1. Every invalid fixture: exit 1, empty stdout, the exact messages.
n=0
cd "$TMPDIR/bad" || exit 1
for conf in *.conf; do
	name=${conf%.conf}
	"$SCHEDD" check -c "$conf" > "$TMPDIR/out" 2> "$TMPDIR/err"
	rc=$?
	n=$((n + 1))
	[ "$rc" -eq 1 ] || fail "$conf: exit $rc, want 1"
	[ -s "$TMPDIR/out" ] && fail "$conf: output on stdout: $(head -n 3 "$TMPDIR/out")"
	if ! cmp -s "$TMPDIR/err" "$name.err"; then
		fail "$conf: stderr differs:"
		diff "$name.err" "$TMPDIR/err"
	fi
done
[ "$n" -ge 60 ] || fail "only $n invalid fixtures"
cd "$TMPDIR" || exit 1

# 2. The example is valid as it is, for anyone.
if ! "$SCHEDD" check -c example.conf > out 2> err; then
	fail "example rejected: $(cat err)"
fi
[ -s err ] && fail "example: stderr not empty: $(cat err)"
grep -Eq '^flaky +schedule="@every 15s"  zone=UTC  next=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\+00:00$' out ||
	fail "example: no flaky line in: $(cat out)"
grep -Eq '^hello +schedule="\*/5 \* \* \* \* \*"  zone=[^ ]+  next=[0-9-]{10}T[0-9:]{8}[+-][0-9]{2}:[0-9]{2}$' out ||
	fail "example: no hello line in: $(cat out)"
grep -Eq '^tick +schedule="@every 7s"  zone=' out || fail "example: no tick line"
grep -qx 'example.conf: 3 jobs, config OK' out || fail "example: summary: $(tail -n 1 out)"
[ "$(wc -l < out)" -eq 4 ] || fail "example: $(wc -l < out) lines"

# 3. Next fire times: fixed-time in two zones, @reboot, @every, disabled.
cat > next.conf <<'EOF'
[job:utc]
schedule = 30 2 * * *
command = true
timezone = UTC

[job:kolkata]
schedule = 0 9 * * *
command = true
timezone = Asia/Kolkata

[job:boot]
schedule = @reboot
command = true

[job:hourly-every]
schedule = @every 1h
command = true
timezone = UTC

[job:off]
schedule = @daily
command = true
enabled = no
EOF
before=$(date +%s)
"$SCHEDD" check -c next.conf > out 2> err || fail "next.conf rejected: $(cat err)"
after=$(date +%s)
grep -Eq '^utc +schedule="30 2 \* \* \*"  zone=UTC  next=[0-9-]{10}T02:30:00\+00:00$' out ||
	fail "utc line: $(grep '^utc' out)"
grep -Eq '^kolkata +schedule="0 9 \* \* \*"  zone=Asia/Kolkata  next=[0-9-]{10}T09:00:00\+05:30$' out ||
	fail "kolkata line: $(grep '^kolkata' out)"
grep -Eq '^boot +schedule="@reboot"  zone=[^ ]+  next=at-start$' out || fail "boot line: $(grep '^boot' out)"
grep -Eq '^off +schedule="@daily"  zone=[^ ]+  next=-  disabled$' out || fail "off line: $(grep '^off' out)"
grep -qx 'next.conf: 5 jobs (1 disabled), config OK' out || fail "summary: $(tail -n 1 out)"
# utc: the first 02:30 UTC strictly after now, so within a day.
t=$(sed -n 's/^utc .*next=\(.*\)$/\1/p' out)
ts=$(date -d "$t" +%s)
[ "$ts" -gt "$before" ] && [ "$ts" -le $((after + 86400)) ] || fail "utc next $t not within a day"
# @every 1h: one interval after now.
t=$(sed -n 's/^hourly-every .*next=\(.*\)$/\1/p' out)
ts=$(date -d "$t" +%s)
[ "$ts" -ge $((before + 3600)) ] && [ "$ts" -le $((after + 3601)) ] ||
	fail "@every 1h next $t is not an hour from now"
# lines are sorted by name and aligned
[ "$(sed -n 1p out | cut -d' ' -f1)" = boot ] || fail "first line: $(sed -n 1p out)"

# 4. A 100 KB command is read whole; `a ; b` is one value.
awk 'BEGIN { printf "[job:long]\nschedule = @daily\ncommand = echo "; for (i = 0; i < 102400; i++) printf "x"; printf " ; echo end\n" }' > long.conf
"$SCHEDD" check -c long.conf > out 2> err || fail "long line rejected: $(head -c 300 err)"

# 5. Missing file, not a file.
"$SCHEDD" check -c "$TMPDIR/nope.conf" > out 2> err
rc=$?
[ "$rc" -eq 1 ] || fail "missing file: exit $rc"
[ "$(cat err)" = "$TMPDIR/nope.conf:0: cannot open: No such file or directory" ] ||
	fail "missing file: $(cat err)"
"$SCHEDD" check -c "$TMPDIR" > out 2> err
[ $? -eq 1 ] && [ "$(cat err)" = "$TMPDIR:0: not a regular file" ] || fail "directory: $(cat err)"
if [ ! -e /etc/schedd/schedd.conf ]; then
	"$SCHEDD" check > out 2> err
	[ $? -eq 1 ] && [ "$(cat err)" = "/etc/schedd/schedd.conf:0: cannot open: No such file or directory" ] ||
		fail "default path: $(cat err)"
fi

# 6. Usage errors: exit 2, nothing on stdout.
for args in "-x" "-c" "extra" "-c example.conf extra" "--bogus"; do
	# shellcheck disable=SC2086
	"$SCHEDD" check $args > out 2> err
	rc=$?
	[ "$rc" -eq 2 ] || fail "check $args: exit $rc, want 2"
	[ -s out ] && fail "check $args: stdout not empty"
	grep -q '^usage: schedd check' err || fail "check $args: no usage line"
done
"$SCHEDD" check --help > out 2> err || fail "check --help failed"
grep -q '^usage: schedd check' out || fail "check --help: no usage"
"$SCHEDD" check --config example.conf > out 2> err || fail "--config FILE: $(cat err)"

# 7. As root, a file writable by others is refused (SPEC §3).
if [ "$(id -u)" -eq 0 ]; then
	cp example.conf open.conf
	chmod 666 open.conf
	"$SCHEDD" check -c open.conf > out 2> err
	rc=$?
	[ "$rc" -eq 1 ] || fail "open.conf: exit $rc"
	[ "$(cat err)" = "open.conf:0: refusing: writable by group or others" ] ||
		fail "open.conf: $(cat err)"
	cp example.conf other.conf
	chown 65534 other.conf
	"$SCHEDD" check -c other.conf > out 2> err
	[ "$(cat err)" = "other.conf:0: refusing: not owned by root" ] || fail "other.conf: $(cat err)"
fi

[ "$fails" -eq 0 ]
