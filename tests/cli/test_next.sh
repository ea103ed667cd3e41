#!/bin/sh
# Black-box tests of `schedd next` (SPEC §1, §2): output format, count,
# --from in folds and gaps, --tz and $TZ, @every and @reboot, and exit
# codes with their messages for invalid schedules and bad usage.
set -u
errors=0

bad() {
	echo "FAIL: $*" >&2
	errors=$((errors + 1))
}

# expect NAME RC STDOUT [ARGS...]: runs `schedd next ARGS`, compares the exit
# status and the whole stdout (lines joined by '|'); stderr goes to $err.
out=$TMPDIR/stdout err=$TMPDIR/stderr
expect() {
	_name=$1 _rc=$2 _want=$3
	shift 3
	"$SCHEDD" next "$@" >"$out" 2>"$err"
	_grc=$?
	_got=$(tr '\n' '|' <"$out")
	_got=${_got%|}
	[ "$_grc" -eq "$_rc" ] || bad "$_name: exit $_grc, want $_rc ($(cat "$err"))"
	[ "$_got" = "$_want" ] || bad "$_name: stdout
   got:  $_got
   want: $_want"
}

# stderr_is NAME TEXT: the last run's stderr was exactly TEXT.
stderr_is() {
	[ "$(cat "$err")" = "$2" ] || bad "$1: stderr '$(cat "$err")', want '$2'"
}

# stderr_has NAME TEXT: the last run's stderr contains TEXT.
stderr_has() {
	grep -qF -- "$2" "$err" || bad "$1: stderr '$(cat "$err")' lacks '$2'"
}

# --- format, count, EXPR as one or several words ----------------------------

expect "utc default count" 0 \
	"2026-01-01T00:15:00+00:00|2026-01-01T00:30:00+00:00|2026-01-01T00:45:00+00:00|2026-01-01T01:00:00+00:00|2026-01-01T01:15:00+00:00" \
	--tz UTC --from '2026-01-01 00:00' '*/15 * * * *'
[ -s "$err" ] && bad "utc default count: unexpected stderr: $(cat "$err")"

expect "-n and words" 0 \
	"2026-01-01T03:00:00+00:00|2026-01-02T03:00:00+00:00|2026-01-03T03:00:00+00:00" \
	--tz UTC --from '2026-01-01 00:00' -n 3 0 3 '*' '*' '*'

expect "options after the words; strictly after" 0 \
	"2026-01-02T03:00:00+00:00|2026-01-03T03:00:00+00:00" \
	0 3 '*' '*' '*' --tz UTC -n 2 --from '2026-01-01 03:00'

expect "--from with seconds, 6 fields" 0 \
	"2026-01-01T00:00:45+00:00|2026-01-01T00:01:00+00:00" \
	--tz UTC --from '2026-01-01 00:00:30' -n 2 '*/15 * * * * *'

expect "--count= and --tz=" 0 "2026-07-01T00:00:00+00:00" \
	--tz=UTC --count=1 --from='2026-06-30 12:00' '@daily'

expect "extensions" 0 \
	"2026-01-16T12:00:00+00:00|2026-01-30T12:00:00+00:00|2026-02-20T12:00:00+00:00|2026-02-27T12:00:00+00:00" \
	--tz UTC --from '2026-01-01 00:00' -n 4 '0 12 * * fri#3,5L'

# --- zones and DST ----------------------------------------------------------

expect "fixed-time in a gap fires at its end" 0 \
	"2026-03-29T03:00:00+02:00|2026-03-30T02:30:00+02:00" \
	--tz Europe/Berlin --from '2026-03-28 12:00' -n 2 '30 2 * * *'

expect "fixed-time in a fold fires once" 0 \
	"2026-10-25T02:30:00+02:00|2026-10-26T02:30:00+01:00" \
	--tz Europe/Berlin --from '2026-10-24 12:00' -n 2 '30 2 * * *'

expect "periodic in a fold fires in both passes" 0 \
	"2026-10-25T02:00:00+02:00|2026-10-25T02:30:00+02:00|2026-10-25T02:00:00+01:00|2026-10-25T02:30:00+01:00|2026-10-25T03:00:00+01:00" \
	--tz Europe/Berlin --from '2026-10-25 01:45' '*/30 * * * *'

expect "--from in a gap is the end of the gap" 0 \
	"2026-03-29T03:00:01+02:00|2026-03-29T03:00:02+02:00" \
	--tz Europe/Berlin --from '2026-03-29 02:30' -n 2 '* * * * * *'

expect "--from in a fold is its first occurrence" 0 \
	"2026-10-25T02:00:00+01:00|2026-10-25T02:30:00+01:00|2026-10-25T03:00:00+01:00" \
	--tz Europe/Berlin --from '2026-10-25 02:30' -n 3 '*/30 * * * *'

expect "half-hour zone" 0 \
	"2026-10-04T02:30:00+11:00|2026-10-05T02:15:00+11:00" \
	--tz Australia/Lord_Howe --from '2026-10-04 00:00' -n 2 '15 2 * * *'

# $TZ is the default zone, with or without a leading ':' or as a path.
got=$(TZ=America/New_York "$SCHEDD" next --from '2026-11-01 00:30' -n 3 '0 * * * *' | tr '\n' '|')
[ "$got" = "2026-11-01T01:00:00-04:00|2026-11-01T01:00:00-05:00|2026-11-01T02:00:00-05:00|" ] ||
	bad "\$TZ: got $got"
got=$(TZ=:Asia/Kolkata "$SCHEDD" next --from '2026-01-01 00:00' -n 1 '0 0 * * *')
[ "$got" = "2026-01-02T00:00:00+05:30" ] || bad "TZ=:Asia/Kolkata: got $got"
got=$(TZ=/usr/share/zoneinfo/Asia/Kolkata "$SCHEDD" next --from '2026-01-01 00:00' -n 1 '0 0 * * *')
[ "$got" = "2026-01-02T00:00:00+05:30" ] || bad "TZ as a path: got $got"
got=$(TZ=Asia/Kolkata "$SCHEDD" next --tz UTC --from '2026-01-01 00:00' -n 1 '0 0 * * *')
[ "$got" = "2026-01-02T00:00:00+00:00" ] || bad "--tz over \$TZ: got $got"

# Without --from: the next times from now.
before=$(date +%s)
got=$("$SCHEDD" next --tz UTC -n 1 '* * * * *')
after=$(date +%s)
t=$(date -d "$got" +%s 2>/dev/null) || bad "now: unparsable '$got'"
[ -n "${t:-}" ] && { [ "$t" -gt "$before" ] && [ "$t" -le $((after + 60)) ]; } ||
	bad "now: '$got' not within the next minute of $before..$after"
[ "$(TZ=UTC "$SCHEDD" next '@hourly' | grep -c '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:00:00+00:00$')" -eq 5 ] ||
	bad "now: five hourly lines expected"

# --- @every and @reboot ------------------------------------------------------

expect "@every from --from" 0 \
	"2026-01-01T01:30:00+00:00|2026-01-01T03:00:00+00:00|2026-01-01T04:30:00+00:00" \
	--tz UTC --from '2026-01-01 00:00' -n 3 '@every 90m'
expect "@every is real time across a gap" 0 \
	"2026-03-29T01:30:00+01:00|2026-03-29T03:00:00+02:00|2026-03-29T03:30:00+02:00" \
	--tz Europe/Berlin --from '2026-03-29 01:00' -n 3 '@every 30m'
expect "@every with milliseconds" 0 \
	"2026-01-01T00:00:01.500+00:00|2026-01-01T00:00:03.000+00:00" \
	--tz UTC --from '2026-01-01 00:00' -n 2 '@every 1500ms'
expect "@reboot" 0 "" --tz UTC '@reboot'
stderr_has "@reboot" "@reboot"

# The end of the supported range: prints what there is.
expect "end of range" 0 "9999-12-31T23:00:00+00:00" \
	--tz UTC --from '9999-12-31 22:00' -n 3 '0 * * * *'

# --- invalid schedules: exit 1 -----------------------------------------------

expect "out of range" 1 "" --tz UTC '61 * * * *'
stderr_is "out of range" "schedd: invalid schedule '61 * * * *': minute field: value 61 out of range 0-59"
expect "bad name, words joined" 1 "" --tz UTC 0 0 '*' '*' fri3
stderr_is "bad name" "schedd: invalid schedule '0 0 * * fri3': day-of-week field: unknown name 'fri3'"
expect "never fires" 1 "" --tz UTC '0 0 30 2 *'
stderr_has "never fires" "never fires"
expect "field count" 1 "" --tz UTC '* * * *'
stderr_is "field count" "schedd: invalid schedule '* * * *': expected 5 or 6 fields, got 4"
expect "@every 0" 1 "" --tz UTC '@every 0s'
stderr_has "@every 0" "greater than 0"

# --- usage errors: exit 2 ----------------------------------------------------

expect "unknown option" 2 "" --bogus '* * * * *'
stderr_has "unknown option" "unknown option '--bogus'"
expect "-n 0" 2 "" -n 0 '* * * * *'
stderr_has "-n 0" "invalid count '0'"
expect "-n abc" 2 "" -n abc '* * * * *'
expect "-n without value" 2 "" '* * * * *' -n
stderr_has "-n without value" "needs a value"
expect "missing EXPR" 2 "" --tz UTC
stderr_has "missing EXPR" "missing schedule"
expect "bad --from format" 2 "" --tz UTC --from '2026-1-1 00:00' '* * * * *'
stderr_has "bad --from format" "YYYY-MM-DD HH:MM[:SS]"
expect "impossible --from date" 2 "" --tz UTC --from '2026-02-30 00:00' '* * * * *'
expect "--from trailing text" 2 "" --tz UTC --from '2026-02-03 00:00:00Z' '* * * * *'
expect "unknown zone" 2 "" --tz Nowhere/Atlantis '* * * * *'
stderr_has "unknown zone" "unknown time zone 'Nowhere/Atlantis'"
expect "zone path refused" 2 "" --tz ../../etc/passwd '* * * * *'
got=$(TZ=Nowhere/Atlantis "$SCHEDD" next '* * * * *' 2>&1)
[ $? -eq 2 ] || bad "unknown \$TZ: exit status"
case $got in *'$TZ'*) ;; *) bad "unknown \$TZ: '$got' does not name \$TZ" ;; esac

"$SCHEDD" next --help >"$TMPDIR/help" 2>&1 || bad "--help: exit $?"
grep -q '^usage: schedd next' "$TMPDIR/help" || bad "--help: no usage line"
grep -q 'unknown zone is a usage error' "$TMPDIR/help" || bad "--help: zone exit code not documented"

[ "$errors" -eq 0 ] || { echo "$errors failure(s)"; exit 1; }
echo "next: all passed"
