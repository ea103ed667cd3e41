# The soak test's job table, one tab-separated line per job:
#   name type schedule overlap timeout kill_grace retries retry_delay
#   output output_limit param enabled present checked expect
# mode=gen: writes the table of n jobs plus churn jobs (seeded by seed).
# mode=mutate: reads a table and changes k random jobs the way a SIGHUP
# would see them (schedule, enabled, timeouts, overlap, churn jobs added or
# removed); expect (allowed outcomes) only ever grows.
# Portable awk (mawk, gawk, busybox).

function pick(list,	a, n) {
	n = split(list, a, "|")
	return a[int(rand() * n) + 1]
}

function schedule() {
	return pick("* * * * * *|* * * * * *|*/2 * * * * *|*/2 * * * * *|*/3 * * * * *|" \
	    "*/5 * * * * *|@every 1s|@every 2s|@every 3s|@every 1500ms")
}

# expect: comma list of allowed outcomes, or "*".
function add_expect(e, o) {
	if (e == "*" || index("," e ",", "," o ",") > 0)
		return e
	return e == "" ? o : e "," o
}

# A replaced run gets kill_signal (SPEC §3 overlap=replace).
function with_overlap(e, ov) {
	return ov == "replace" ? add_expect(e, "signaled") : e
}

function new_job(name, type, checked,	ov) {
	T["name"] = name; T["type"] = type; T["schedule"] = schedule()
	T["overlap"] = pick("skip|queue|allow|replace"); T["timeout"] = "0"
	T["kill_grace"] = "1s"; T["retries"] = 0; T["retry_delay"] = "1s"
	T["output"] = "log"; T["limit"] = "64KiB"; T["param"] = "-"
	T["enabled"] = 1; T["present"] = 1; T["checked"] = checked
	if (type == "ok") {
		T["expect"] = "success"
	} else if (type == "sleep") {
		T["param"] = pick("0.2|0.5|0.8|1.5|2.5")
		T["expect"] = "success"
	} else if (type == "fail") {
		T["overlap"] = pick("skip|queue|allow")
		T["param"] = int(rand() * 9) + 1
		T["retries"] = int(rand() * 4)
		T["retry_delay"] = pick("100ms|300ms|1s")
		T["expect"] = "failed"
	} else if (type == "flaky") {
		T["overlap"] = pick("skip|queue|allow")
		T["param"] = int(rand() * 2) + 2
		T["retries"] = T["param"] - 1 + int(rand() * 2)
		T["retry_delay"] = pick("100ms|200ms|500ms")
		T["expect"] = "success,failed"
	} else if (type == "timeout") {
		T["overlap"] = pick("skip|queue|replace")
		T["param"] = pick("term|ignore|straggler")
		T["timeout"] = pick("300ms|700ms|1200ms")
		T["kill_grace"] = pick("200ms|500ms")
		T["retries"] = int(rand() * 2)
		T["retry_delay"] = "200ms"
		T["expect"] = "timeout"
	} else if (type == "daemonize") {
		T["param"] = int(rand() * 3) + 1
		T["expect"] = "success"
	} else if (type == "holder") {
		T["param"] = pick("0.3|2|5|bg")
		T["expect"] = "success"
	} else if (type == "flood") {
		T["overlap"] = "skip"
		T["output"] = pick("log|file|discard")
		T["limit"] = T["output"] == "log" ? pick("1KiB|4KiB") : pick("1KiB|4KiB|16KiB")
		T["expect"] = "success"
	} else if (type == "kill9") {
		T["param"] = pick("0|0.3")
		T["expect"] = "signaled"
	} else if (type == "segv") {
		T["expect"] = "signaled"
	} else if (type == "spawnerr") {
		T["overlap"] = "skip"
		T["retries"] = 1
		T["retry_delay"] = "200ms"
		T["expect"] = "spawn-error"
	} else {	# mixed
		T["timeout"] = "1s"; T["kill_grace"] = "300ms"
		T["retries"] = 1; T["retry_delay"] = "300ms"; T["limit"] = "2KiB"
		T["expect"] = "*"
	}
	T["expect"] = with_overlap(T["expect"], T["overlap"])
}

function emit() {
	print T["name"] "\t" T["type"] "\t" T["schedule"] "\t" T["overlap"] "\t" \
	    T["timeout"] "\t" T["kill_grace"] "\t" T["retries"] "\t" T["retry_delay"] "\t" \
	    T["output"] "\t" T["limit"] "\t" T["param"] "\t" T["enabled"] "\t" \
	    T["present"] "\t" T["checked"] "\t" T["expect"]
}

function load(line,	f) {
	split(line, f, "\t")
	T["name"] = f[1]; T["type"] = f[2]; T["schedule"] = f[3]; T["overlap"] = f[4]
	T["timeout"] = f[5]; T["kill_grace"] = f[6]; T["retries"] = f[7]
	T["retry_delay"] = f[8]; T["output"] = f[9]; T["limit"] = f[10]; T["param"] = f[11]
	T["enabled"] = f[12]; T["present"] = f[13]; T["checked"] = f[14]; T["expect"] = f[15]
}

# One change to the loaded job; its kind of behaviour stays what it was.
function mutate(	r, t) {
	if (T["checked"] == 0) {
		T["present"] = 1 - T["present"]
		return
	}
	t = T["type"]
	r = rand()
	if (r < 0.35) {
		T["schedule"] = schedule()
	} else if (r < 0.55) {
		T["enabled"] = 1 - T["enabled"]
	} else if (t == "sleep") {
		T["param"] = pick("0.2|0.5|0.8|1.5|2.5")
		T["overlap"] = pick("skip|queue|allow|replace")
	} else if (t == "timeout") {
		T["timeout"] = pick("300ms|700ms|1200ms")
		T["kill_grace"] = pick("200ms|500ms")
	} else if (t == "fail") {
		T["retries"] = int(rand() * 4)
		T["retry_delay"] = pick("100ms|300ms|1s")
	} else if (t == "holder") {
		T["param"] = pick("0.3|2|5|bg")
	} else if (t == "daemonize") {
		T["param"] = int(rand() * 3) + 1
	} else if (t == "ok" || t == "mixed") {
		T["overlap"] = pick("skip|queue|allow|replace")
	} else {
		T["schedule"] = schedule()
	}
	T["expect"] = with_overlap(T["expect"], T["overlap"])
}

BEGIN {
	srand(seed)
	if (mode == "gen") {
		types = "ok|ok|ok|sleep|sleep|sleep|fail|fail|flaky|timeout|timeout|" \
		    "daemonize|daemonize|holder|holder|flood|kill9|segv|mixed|mixed|mixed|mixed"
		new_job("soak-000", "spawnerr", 1)
		emit()
		for (i = 1; i < n; i++) {
			new_job(sprintf("soak-%03d", i), pick(types), 1)
			emit()
		}
		for (i = 0; i < churn; i++) {
			new_job(sprintf("churn-%02d", i), pick("ok|sleep|mixed"), 0)
			if (rand() < 0.5)
				T["present"] = 0
			emit()
		}
		exit
	}
}

mode == "mutate" {
	line[NR] = $0
}

END {
	if (mode != "mutate")
		exit
	for (i = 0; i < k; i++)
		chosen[int(rand() * NR) + 1] = 1
	for (i = 1; i <= NR; i++) {
		if (i in chosen) {
			load(line[i])
			mutate()
			emit()
		} else
			print line[i]
	}
}
