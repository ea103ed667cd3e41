# Checks the soak's daemon log against itself, the job table and the final
# status dump. Arguments, in this order: the job table (jobs.awk), a file of
# "NAME BYTES" sizes of output=file targets, the status file, the log.
# With -v final=0 only the log is checked (attempts started and finished
# once, expected outcomes); the other files may be /dev/null.
# Prints a summary, one "FAIL: ..." line per broken invariant, and exits 1
# when there is one. Log lines are the "job NAME: ..." lines of
# daemon/loop.c ops_event; run ids are unique per daemon lifetime.
# Portable awk.

function bad(msg) {
	print "FAIL: " msg
	nbad++
}

function allowed(name, outcome,	e) {
	e = expect[name]
	return e == "*" || index("," e ",", "," outcome ",") > 0
}

function bytes(size,	n) {
	n = size + 0
	if (size ~ /KiB$/)
		return n * 1024
	if (size ~ /MiB$/)
		return n * 1048576
	return n
}

BEGIN {
	FLOOD_BYTES = 2097152	# head -c 2M in the flood command
	if (final == "")
		final = 1
}

# 1: the job table.
FILENAME == ARGV[1] {
	split($0, f, "\t")
	type[f[1]] = f[2]
	output[f[1]] = f[9]
	limit[f[1]] = bytes(f[10])
	present[f[1]] = f[13]
	checked[f[1]] = f[14]
	expect[f[1]] = f[15]
	next
}

# 2: sizes of output files.
FILENAME == ARGV[2] {
	fsize[$1] = $2
	next
}

# 3: the status dump (logfmt; our names and values need no quoting).
FILENAME == ARGV[3] {
	delete kv
	for (i = 2; i <= NF; i++) {
		eq = index($i, "=")
		if (eq > 0)
			kv[substr($i, 1, eq - 1)] = substr($i, eq + 1)
	}
	if ($1 == "daemon") {
		d_runs = kv["runs"]; d_failures = kv["failures"]; d_running = kv["running"]
		d_queued = kv["queued"]; d_jobs = kv["jobs"]
		have_daemon = 1
	} else if ($1 == "job") {
		n = kv["name"]
		in_status[n] = 1
		s_state[n] = kv["state"]
		s_runs[n] = kv["runs"]; s_failures[n] = kv["failures"]
		s_retries[n] = kv["retries"]; s_timeouts[n] = kv["timeouts"]
		s_skipped[n] = kv["skipped"]; s_missed[n] = kv["missed"]
	}
	next
}

# 4: the daemon log. $3 is "schedd[PID]:", $4 "job" for job events.
$4 == "job" {
	name = substr($5, 1, length($5) - 1)
	if ($6 == "started" && $7 == "run" && $9 == "attempt") {
		key = $8 " " $10
		if (key in started)
			bad("run " $8 " attempt " $10 " of " name " started twice")
		started[key] = name
		nstarted++
		if (($8 in run_job) && run_job[$8] != name)
			bad("run " $8 " belongs to " run_job[$8] " and " name)
		run_job[$8] = name
	} else if ($6 == "finished" && $7 == "run" && $9 == "attempt") {
		a = $10
		sub(/:$/, "", a)
		key = $8 " " a
		outcome = $11
		if (key in finished)
			bad("run " $8 " attempt " a " of " name " finished twice")
		finished[key] = name
		if (!(key in started) && outcome != "spawn-error")
			bad("run " $8 " attempt " a " of " name " finished (" outcome ") but never started")
		if ((key in started) && started[key] != name)
			bad("run " $8 " attempt " a " started as " started[key] " finished as " name)
		if (($8 in run_job) && run_job[$8] != name)
			bad("run " $8 " belongs to " run_job[$8] " and " name)
		run_job[$8] = name
		if (a + 0 > max_attempt[$8] + 0)
			max_attempt[$8] = a + 0
		nattempts[$8]++
		runs[name]++
		total++
		outcomes[outcome]++
		if (outcome != "success") {
			failures[name]++
			total_failures++
		}
		if (outcome == "timeout")
			timeouts[name]++
		if (final && !allowed(name, outcome)) {
			nunexpected[name]++
			if (nunexpected[name] == 1)
				bad(name " (" type[name] ") run " $8 " attempt " a ": " outcome \
				    ", expected " expect[name] ": " $0)
		}
	} else if ($6 == "run" && $8 == "retry" && $9 == "in") {
		retries[name]++
	} else if ($6 == "run" && $8 == "timed" && $9 == "out") {
		timed_out[name]++
	} else if ($6 == "skipped") {
		skipped[name]++
	} else if ($6 == "missed") {
		missed[name] += $7
		nmissed_lines++
	} else if ($6 == "cannot" && $7 == "start" && $8 == "attempt") {
		fork_failures++
	} else if ($6 == "output" && $7 == "limit" && $8 == "reached,") {
		drops[name]++
		if (type[name] == "flood" && $9 != FLOOD_BYTES - limit[name])
			bad(name ": " $9 " bytes dropped, expected " FLOOD_BYTES - limit[name])
	}
	next
}
$4 == "reloaded:" { reloads++; next }
$4 == "reload" && $5 == "rejected:" { rejected++; next }
$4 == "status" && $5 == "written" { dumps++; next }

END {
	if (final && !have_daemon)
		bad("no daemon line in the status file")
	if (total == 0)
		bad("no finished attempt found in the log (has its format changed?)")
	for (key in started)
		if (!(key in finished))
			bad("attempt " key " of " started[key] " started but never finished")
	for (id in nattempts)
		if (nattempts[id] != max_attempt[id])
			bad("run " id " of " run_job[id] ": " nattempts[id] " attempts finished, " \
			    "the last numbered " max_attempt[id])
	for (name in expect) {
		if (!final)
			break
		if (present[name] == 1 && !(name in in_status))
			bad(name " is configured but missing from the status")
		if (checked[name] != 1 || !(name in in_status))
			continue
		nchecked++
		checked_attempts += runs[name]
		if (s_runs[name] != runs[name] + 0)
			bad(name ": status runs=" s_runs[name] ", log has " runs[name] + 0 " attempts")
		if (s_failures[name] != failures[name] + 0)
			bad(name ": status failures=" s_failures[name] ", log has " failures[name] + 0)
		if (s_timeouts[name] != timeouts[name] + 0)
			bad(name ": status timeouts=" s_timeouts[name] ", log has " timeouts[name] + 0)
		if (s_retries[name] != retries[name] + 0)
			bad(name ": status retries=" s_retries[name] ", log has " retries[name] + 0)
		if (s_skipped[name] != skipped[name] + 0)
			bad(name ": status skipped=" s_skipped[name] ", log has " skipped[name] + 0)
		if (s_missed[name] != missed[name] + 0)
			bad(name ": status missed=" s_missed[name] ", log has " missed[name] + 0)
		if (s_state[name] != "disabled")
			bad(name ": state " s_state[name] " after every job was disabled")
		if (timed_out[name] + 0 != timeouts[name] + 0)
			bad(name ": " timed_out[name] + 0 " 'timed out' lines, " timeouts[name] + 0 \
			    " timeout outcomes")
		if (type[name] == "flood" && output[name] != "discard" && drops[name] + 0 != runs[name] + 0)
			bad(name ": " drops[name] + 0 " 'output limit reached' lines for " \
			    runs[name] + 0 " runs")
		if (type[name] == "flood" && output[name] == "discard" && drops[name] + 0 != 0)
			bad(name ": output=discard logged dropped bytes")
		if (type[name] == "flood" && output[name] == "file" &&
		    fsize[name] + 0 != runs[name] * limit[name])
			bad(name ": output file has " fsize[name] + 0 " bytes, expected " \
			    runs[name] + 0 " runs x " limit[name])
	}
	if (final && d_runs != total + 0)
		bad("daemon runs=" d_runs ", log has " total + 0 " attempts")
	if (final && d_failures != total_failures + 0)
		bad("daemon failures=" d_failures ", log has " total_failures + 0)
	if (final && (d_running != 0 || d_queued != 0))
		bad("daemon not quiet at the end: running=" d_running " queued=" d_queued)

	printf "attempts %d (started lines %d, fork failures %d), checked jobs %d with %d attempts\n",
	    total, nstarted, fork_failures, nchecked, checked_attempts
	line = "outcomes"
	for (o in outcomes)
		line = line " " o "=" outcomes[o]
	print line
	nr = ns = nm = 0
	for (name in retries) nr += retries[name]
	for (name in skipped) ns += skipped[name]
	for (name in missed) nm += missed[name]
	printf "retries %d, skipped %d, missed %d; reloads %d, rejected %d, status dumps %d\n",
	    nr, ns, nm, reloads, rejected, dumps
	if (nbad > 0)
		exit 1
}
