#!/bin/sh
# Soak test of the schedd daemon: a few hundred jobs that succeed, fail,
# time out, daemonize, hold their output pipe, flood it, die by signal or
# fail to spawn, under mixed overlap policies and a max_concurrent below the
# burst, while SIGHUP (config unchanged, changed, broken) and SIGUSR1 bursts
# arrive. Then every job is disabled by a reload and, once quiet, checked:
# no lasting zombie, fd count back to where it was, RSS bounded, every
# attempt started and finished exactly once, status counters equal to the
# log; after SIGTERM (exit 0) no process of any job is left.
#
# usage: soak.sh DIR     (DIR is created; it keeps the logs for inspection)
# env:   SCHEDD (the binary), SOAK_SECONDS (60), SOAK_JOBS (300),
#        SOAK_CHURN (20 jobs added and removed by reloads), SOAK_SEED,
#        SOAK_MAX_CONCURRENT (32), SOAK_RSS_MAX_KIB (65536; 0: no check),
#        SOAK_RSS_GROWTH_KIB (4096; 0: no check), SOAK_ZOMBIE_MAX_S (3),
#        SOAK_SLOW (1; a factor for every wait, e.g. under valgrind)
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: soak.sh DIR" >&2; exit 2; }
[ -n "${SCHEDD:-}" ] && [ -x "$SCHEDD" ] || { echo "soak: SCHEDD must name the binary" >&2; exit 2; }
mkdir -p "$1" || exit 2
TMPDIR=$(cd "$1" && pwd)
export TMPDIR
. "$here/../cli/lib.sh"

seconds=${SOAK_SECONDS:-60}
njobs=${SOAK_JOBS:-300}
churn=${SOAK_CHURN:-20}
seed=${SOAK_SEED:-$(( $(date +%s) % 100000 + $$ ))}
mc=${SOAK_MAX_CONCURRENT:-32}
rss_max=${SOAK_RSS_MAX_KIB:-65536}
rss_growth=${SOAK_RSS_GROWTH_KIB:-4096}
zombie_max=${SOAK_ZOMBIE_MAX_S:-3}
slow=${SOAK_SLOW:-1}
tag=soak$$x$seed
conf=$TMPDIR/schedd.conf
table=$TMPDIR/jobs.tsv
mon=$TMPDIR/monitor.log
MPID=

soak_cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null
	cleanup
	# Whatever a failed run left behind of the jobs.
	for _p in $(tagged_pids); do
		kill -KILL "$_p" 2>/dev/null
	done
	true
}
trap soak_cleanup EXIT

echo "soak: seed $seed, $njobs jobs (+$churn churn), ${seconds}s, max_concurrent $mc, dir $TMPDIR"
# A fresh start: a state file of an earlier daemon would add interrupted
# attempts of its own.
rm -rf "$TMPDIR/state" "$TMPDIR/run" "$TMPDIR/out" "$TMPDIR/work"
rm -f "$TMPDIR"/*.log "$TMPDIR"/*.txt "$TMPDIR/monitor.stop"
mkdir -p "$TMPDIR/work" "$TMPDIR/out"

# err: a failed check that lets the others run (fail stops at once).
errors=0
err() {
	echo "FAIL: $*"
	errors=$((errors + 1))
}

# rand N: a number in [0, N) from a seeded LCG, so a run can be repeated.
rnd=$seed
rand() {
	rnd=$(( (rnd * 1103515245 + 12345) % 2147483648 ))
	r=$(( (rnd / 65536) % $1 ))
}

# write_conf [AWK-ARGS...]: the config from the table, replaced atomically
# so that a reload never reads half a file.
write_conf() {
	awk -v mc="$mc" -v tag="$tag" -v work="$TMPDIR/work" -v outdir="$TMPDIR/out" "$@" \
		-f "$here/conf.awk" "$table" > "$conf.tmp" && mv "$conf.tmp" "$conf" ||
		fail "cannot write the config"
}

now_s() { date +%s; }
kib_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status" 2>/dev/null; }
nfds() { ls "/proc/$PID/fd" 2>/dev/null | wc -l; }
nlines() { grep -c -- "$1" "$LOG" 2>/dev/null || true; }
# Processes of the jobs, wherever they went: they all carry the tag.
tagged_pids() {
	grep -lsz "^SOAK_TAG=$tag\$" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3
}
tagged() { tagged_pids | wc -l; }
# list_tagged: "pid pgid sid ppid job args" of each one.
list_tagged() {
	for _p in $(tagged_pids); do
		_j=$( { tr '\0' '\n' < "/proc/$_p/environ"; } 2>/dev/null | sed -n 's/^SCHEDD_JOB=//p')
		ps -o pid=,pgid=,sid=,ppid=,args= -p "$_p" | sed "s|^ *\([0-9]* *[0-9]* *[0-9]* *[0-9]*\)|\1 ${_j:-?}|"
	done
}

# CPU time of the daemon so far, in clock ticks (utime + stime).
ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat" 2>/dev/null; }

# monitor: every 0.5 s, the daemon's zombie children (Z uptime pid), and
# R uptime rss_kib fds children cpu_ticks. Stops when told to.
monitor() {
	while [ ! -e "$TMPDIR/monitor.stop" ] && kill -0 "$PID" 2>/dev/null; do
		read -r up _ < /proc/uptime
		ps -e -o pid=,ppid=,stat= | awk -v d="$PID" -v t="$up" -v rss="$(kib_rss)" \
		    -v fds="$(nfds)" -v cpu="$(ticks)" '
			$2 == d { n++; if ($3 ~ /^Z/) print "Z", t, $1 }
			END { print "R", t, rss + 0, fds + 0, n + 0, cpu + 0 }' >> "$mon"
		sleep 0.5
	done
}

# status_quiet: a fresh dump shows no attempt running or queued and
# every job disabled (no run left waiting for a retry or a slot).
status_quiet() {
	RUNTIME_DIRECTORY="$TMPDIR/run" "$SCHEDD" status -c "$conf" > "$TMPDIR/status.now" 2>/dev/null ||
		return 1
	awk '$1 == "daemon" && / running=0 / && / queued=0 / { d = 1 }
	     $1 == "job" && !/ state=disabled / { busy++ }
	     END { exit !(d && busy == 0) }' "$TMPDIR/status.now"
}

# --- start quiet, take the baseline -----------------------------------------
awk -v mode=gen -v seed="$seed" -v n="$njobs" -v churn="$churn" -f "$here/jobs.awk" > "$table" ||
	fail "cannot generate the jobs"
write_conf -v alloff=1
"$SCHEDD" check -c "$conf" > "$TMPDIR/check.out" 2>&1 || { cat "$TMPDIR/check.out"; fail "config rejected"; }
start_daemon "$conf"
wait_for $((10 * slow)) test -s "$TMPDIR/run/schedd.pid" || fail "daemon did not start"
wait_for $((20 * slow)) status_quiet || fail "no status from the quiet daemon"
fds0=$(nfds)
rss0=$(kib_rss)
echo "soak: daemon pid $PID, quiet baseline: $fds0 fds, RSS $rss0 KiB"

# --- the soak ------------------------------------------------------------------
write_conf
kill -HUP "$PID"
wait_for $((10 * slow)) grep -q 'reloaded:' "$LOG" || fail "first reload not done"
monitor &
MPID=$!
start=$(now_s)
end=$((start + seconds))
nhup=0 nbroken=0 nusr1=0 nmod=0
while [ "$(now_s)" -lt "$end" ]; do
	kill -0 "$PID" 2>/dev/null || fail "daemon died"
	rand 100
	if [ "$r" -lt 40 ]; then
		# A burst of status requests; signals may merge, dumps are counted.
		rand 6
		i=0
		while [ "$i" -le "$r" ]; do
			kill -USR1 "$PID"
			i=$((i + 1)) nusr1=$((nusr1 + 1))
		done
	elif [ "$r" -lt 55 ]; then
		kill -HUP "$PID"	# unchanged config
		nhup=$((nhup + 1))
	elif [ "$r" -lt 80 ]; then
		rand 6
		awk -v mode=mutate -v seed="$rnd" -v k=$((r + 1)) -f "$here/jobs.awk" "$table" \
			> "$table.new" && mv "$table.new" "$table" || fail "cannot change the jobs"
		rand 10
		if [ "$r" -eq 0 ]; then
			rand 33
			mc=$((16 + r))
		fi
		write_conf
		kill -HUP "$PID"
		nhup=$((nhup + 1)) nmod=$((nmod + 1))
	elif [ "$r" -lt 85 ]; then
		# A broken config must be rejected whole; put the good one back
		# once the daemon has read the broken one.
		n0=$(nlines 'reload rejected')
		write_conf -v broken=1
		kill -HUP "$PID"
		nhup=$((nhup + 1)) nbroken=$((nbroken + 1))
		wait_for $((10 * slow)) sh -c "[ \$(grep -c 'reload rejected' '$LOG') -gt $n0 ]" ||
			fail "a broken config was not rejected"
		write_conf
	fi
	rand 5
	sleep "0.$((r * 2 + 1))"
done
echo "soak: sent $nhup SIGHUP ($nmod with changes, $nbroken broken), $nusr1 SIGUSR1"

# --- quiesce: every job disabled, wait for the runs and their leftovers -----
write_conf -v alloff=1
kill -HUP "$PID"
wait_for $((60 * slow)) status_quiet || fail "jobs still active 60 s after disabling all: $(head -n 1 "$TMPDIR/status.now")"
# Background processes of the jobs end within 5 s of their attempt; any
# still there are reported and killed, so that the other checks can run.
if ! wait_for $((30 * slow)) sh -c "[ \$(grep -lsz '^SOAK_TAG=$tag\$' /proc/[0-9]*/environ | wc -l) -eq 0 ]"; then
	list_tagged > "$TMPDIR/left.quiet"
	err "$(wc -l < "$TMPDIR/left.quiet") job process(es) alive 30 s after every run ended (pid pgid sid ppid job args):"
	head -n 10 "$TMPDIR/left.quiet"
	for p in $(tagged_pids); do
		kill -KILL "$p" 2>/dev/null
	done
fi
wait_for $((10 * slow)) sh -c "[ \$(ps -e -o ppid= | awk -v d=$PID '\$1 == d' | wc -l) -eq 0 ]" ||
	fail "the daemon still has children: $(ps -e -o pid=,ppid=,stat=,args= | awk -v d=$PID '$2 == d')"
# The last EOF on an output pipe may be read just after the last reap.
wait_for $((5 * slow)) sh -c "[ \$(ls /proc/$PID/fd | wc -l) -eq $fds0 ]"
fds1=$(nfds)
rss1=$(kib_rss)
RUNTIME_DIRECTORY="$TMPDIR/run" "$SCHEDD" status -c "$conf" > "$TMPDIR/status.final" ||
	fail "schedd status failed"
head -n "$(wc -l < "$LOG")" "$LOG" > "$TMPDIR/quiet.log"
{
	echo "- 0"
	for f in "$TMPDIR"/out/*.out; do
		[ -e "$f" ] && echo "$(basename "$f" .out) $(wc -c < "$f")"
	done
} > "$TMPDIR/sizes"
: > "$TMPDIR/monitor.stop"
wait "$MPID"
MPID=

# --- SIGTERM while busy: shutdown_grace 1s, then the process groups die ----
mark=$(wc -l < "$LOG")
write_conf -v grace=1s
kill -HUP "$PID"
want=$((njobs < 100 ? 2 * njobs : 200))
wait_for $((20 * slow)) sh -c "[ \$(tail -n +$((mark + 1)) '$LOG' | grep -c ': started run ') -ge $want ]" ||
	fail "jobs did not start again after re-enabling them"
stop_daemon
tail -n +$((mark + 1)) "$LOG" | awk '$6 == "started" && $11 == "pid" { print $12 }' | sort -u > "$TMPDIR/pgids"
# Members of the jobs' process groups that got SIGKILL are gone within
# moments; anything else in those groups outlived the daemon.
in_groups() {
	list_tagged | awk 'NR == FNR { g[$1] = 1; next } ($2 in g)' "$TMPDIR/pgids" - \
		> "$TMPDIR/left.groups"
	[ ! -s "$TMPDIR/left.groups" ]
}
i=0
while ! in_groups && [ "$i" -lt $((10 * slow)) ]; do
	sleep 0.05
	i=$((i + 1))
done
# Daemonized grandchildren have their own session and end within 3 s.
wait_for $((10 * slow)) sh -c "[ \$(grep -lsz '^SOAK_TAG=$tag\$' /proc/[0-9]*/environ | wc -l) -eq 0 ]"
left=$(tagged)

# --- checks ---------------------------------------------------------------------
awk -f "$here/check.awk" "$table" "$TMPDIR/sizes" "$TMPDIR/status.final" "$TMPDIR/quiet.log" \
	> "$TMPDIR/check.txt"
crc=$?
head -n 40 "$TMPDIR/check.txt"
[ "$crc" -eq 0 ] || err "log and status disagree (see above, $TMPDIR/check.txt)"
awk -v final=0 -f "$here/check.awk" "$table" /dev/null /dev/null "$LOG" > "$TMPDIR/check-all.txt"
crc=$?
grep '^FAIL' "$TMPDIR/check-all.txt" | head -n 20
[ "$crc" -eq 0 ] || err "attempts of the busy shutdown not logged once each ($TMPDIR/check-all.txt)"
echo "busy shutdown: $(tail -n +$((mark + 1)) "$LOG" | grep -c ': started run ') attempts started," \
	"$(tail -n +$((mark + 1)) "$LOG" | grep -c 'shutdown grace over') grace expiries"
if [ -s "$TMPDIR/left.groups" ]; then
	err "$(wc -l < "$TMPDIR/left.groups") process(es) of the jobs' process groups outlived the daemon (pid pgid sid ppid job args):"
	head -n 10 "$TMPDIR/left.groups"
fi
[ "$left" -eq 0 ] || err "$left job process(es) still alive 10 s after the daemon exited"

# Zombies: transient ones are normal between an exit and SIGCHLD; one that
# stays a zombie child of the daemon for zombie_max seconds is a leak.
awk -v max="$zombie_max" '
	$1 == "Z" { if (!($3 in first)) first[$3] = $2; last[$3] = $2 }
	$1 == "R" { n++; if (n == 1) t0 = $2; t1 = $2 }
	END {
		for (p in first) {
			z++
			age = last[p] - first[p]
			if (age > maxage) maxage = age
			if (age >= max) { stuck++; print "stuck zombie pid " p " for " age " s" }
		}
		printf "zombies: %d seen in %d samples over %.0f s, longest %.1f s, %d stuck\n",
		    z, n, t1 - t0, maxage, stuck
		exit stuck > 0
	}' "$mon" || err "a zombie child of the daemon was not reaped"
awk -v hz="$(getconf CLK_TCK)" '$1 == "R" { n++; if (n == 1) { t0 = $2; c0 = $6 } t1 = $2; c1 = $6
		if ($5 > kids) kids = $5 }
	END { printf "daemon CPU: %.1f s in %.0f s (%.0f%% of one core); at most %d children\n",
	    (c1 - c0) / hz, t1 - t0, (t1 > t0 ? 100 * (c1 - c0) / hz / (t1 - t0) : 0), kids }' "$mon"

echo "fds: $fds0 at the quiet start, $fds1 at the quiet end"
[ "$fds1" -eq "$fds0" ] || { err "fd count changed: $fds0 -> $fds1"; ls -l "/proc/$PID/fd" 2>/dev/null; }

# RSS: peak of the second quarter against the peak of the last quarter.
awk -v s="$(awk '$1 == "R" { print $2; exit }' "$mon")" -v len="$seconds" -v rss0="$rss0" \
    -v rss1="$rss1" -v max="$rss_max" -v growth="$rss_growth" '
	$1 == "R" && $3 > 0 {
		q = int(($2 - s) * 4 / len)
		if ($3 > peak[q]) peak[q] = $3
		if ($3 > top) top = $3
	}
	END {
		printf "RSS KiB: start %d, peak %d, peak in 2nd quarter %d, in 4th quarter %d, quiet end %d\n",
		    rss0, top, peak[1], peak[3], rss1
		if (max > 0 && top > max) { print "FAIL: RSS peak " top " KiB > " max; exit 1 }
		if (growth > 0 && peak[3] - peak[1] > growth) {
			print "FAIL: RSS grew " peak[3] - peak[1] " KiB from the 2nd to the 4th quarter"
			exit 1
		}
	}' "$mon" || err "RSS out of bounds"

grep -q 'stopped' "$LOG" || err "no 'stopped' line at the end of the log"
echo "state file: $(wc -c < "$TMPDIR/state/state" 2>/dev/null || echo none) bytes; log: $(wc -l < "$LOG") lines"
if [ "$errors" -gt 0 ]; then
	echo "soak: $errors check(s) failed; logs in $TMPDIR"
	exit 1
fi
echo "soak: OK"
exit 0
