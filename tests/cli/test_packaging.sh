#!/bin/sh
# Packaging checks that need neither root nor network: the man pages are
# free of groff and man warnings and document every option, key, default,
# signal, exit code and status field; the unit file keeps its contract and
# passes systemd-analyze verify; the shipped config and the documented
# examples agree with the binary; make install/uninstall honour the paths.
# A check whose tool is missing is skipped with a note.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bdir=$(dirname "$SCHEDD")
errors=0

bad() {
	echo "FAIL: $*" >&2
	errors=$((errors + 1))
}

skip() {
	echo "skip: $*"
}

have() {
	command -v "$1" >/dev/null 2>&1
}

# --- man pages: no warnings -------------------------------------------------

for page in man/schedd.8 man/schedd.conf.5; do
	if have groff; then
		out=$(groff -ww -man -z "$root/$page" 2>&1)
		[ -z "$out" ] || bad "groff -ww $page: $out"
	else
		skip "groff missing: $page not checked by groff"
	fi
	if have man; then
		out=$(MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 \
		    -l "$root/$page" 2>&1 >/dev/null)
		[ -z "$out" ] || bad "man --warnings $page: $out"
	else
		skip "man missing: $page not checked by man"
	fi
done

# --- man pages: coverage ----------------------------------------------------

# render PAGE: plain text, one paragraph per line as far as 250 columns go
# (justified: compare with runs of spaces squeezed).
render() {
	groff -man -Tascii -rLL=250n -P-cbou "$root/$1" 2>/dev/null
}

# has_word TEXT_FILE WORD: WORD occurs, not as part of a longer name.
has_word() {
	grep -Eq -- "(^|[^A-Za-z0-9_-])$(printf '%s' "$2" |
	    sed 's/[][\.*^$+?(){}|]/\\&/g')([^A-Za-z0-9_-]|\$)" "$1"
}

if have groff; then
	render man/schedd.8 > "$TMPDIR/schedd.8.txt"
	render man/schedd.conf.5 > "$TMPDIR/schedd.conf.5.txt"

	# Everything SPEC §1, §4, §5, §6 and §7 name that schedd(8) must cover.
	for w in -c -d -p -v --version --help check next status \
	    --from --tz -n \
	    SIGTERM SIGINT SIGHUP SIGUSR1 SIGKILL \
	    NOTIFY_SOCKET WATCHDOG_USEC JOURNAL_STREAM RUNTIME_DIRECTORY \
	    STATE_DIRECTORY XDG_RUNTIME_DIR XDG_STATE_HOME TZ \
	    READY=1 RELOADING=1 STOPPING=1 WATCHDOG=1 STATUS= \
	    SCHEDD_JOB SCHEDD_RUN_ID SCHEDD_ATTEMPT SCHEDD_SCHEDULED \
	    PATH HOME USER LOGNAME SHELL \
	    success failed signaled timeout spawn-error interrupted \
	    idle running retry-wait queued disabled \
	    version pid uptime config jobs runs failures lag_p50_ms \
	    lag_p99_ms lag_max_ms name state last_start last_result \
	    last_exit last_duration retries timeouts skipped missed \
	    /etc/schedd/schedd.conf /run/schedd/schedd.pid /run/schedd/status \
	    /var/lib/schedd/state /run/schedd /tmp/schedd-UID syslog; do
		has_word "$TMPDIR/schedd.8.txt" "$w" || bad "schedd(8) does not mention $w"
	done
	for code in 0 1 2 3; do
		grep -Eq "^ +$code +[A-Z]" "$TMPDIR/schedd.8.txt" ||
		    bad "schedd(8) does not document exit status $code"
	done

	# Every key of SPEC §3 with the default it must document ('-': none).
	while read -r key def; do
		awk -v k="$key" '
			$0 ~ "^       " k " = " { on = 1; print; next }
			on && /^       [^ ]/ { on = 0 }
			on { print }
		' "$TMPDIR/schedd.conf.5.txt" | tr -s ' ' > "$TMPDIR/key.txt"
		if [ ! -s "$TMPDIR/key.txt" ]; then
			bad "schedd.conf(5) does not document $key"
		elif [ "$def" != - ] && ! grep -qF "Default: $def" "$TMPDIR/key.txt"; then
			bad "schedd.conf(5): $key lacks 'Default: $def'"
		fi
	done <<-EOF
		max_concurrent 64
		shutdown_grace 30s
		timezone the system zone
		runtime_dir RUNTIME
		status_file RUNTIME/status
		state_file \$STATE_DIRECTORY/state
		include none
		log_level info
		schedule -
		command -
		user the user that runs schedd
		timeout 0 (none)
		kill_signal TERM
		kill_grace 10s
		retries 0
		retry_delay 30s
		retry_backoff 2.0
		retry_max_delay 1h
		overlap skip
		catchup false
		jitter 0
		workdir the home directory of the job's user
		env none
		umask 022
		nice 0
		output log
		output_limit 64KiB
		enabled true
	EOF

	# SPEC §2: the schedule language and the daylight saving time rules.
	for w in L LW 15W 31W 5L 5#3 fri#3 '?' @yearly @annually @monthly \
	    @weekly @daily @midnight @hourly @reboot @every periodic fixed-time \
	    gap fold jan sun 1/2 skip queue allow replace file:path discard \
	    KiB MiB 500ms StrictModes; do
		has_word "$TMPDIR/schedd.conf.5.txt" "$w" ||
		    bad "schedd.conf(5) does not mention $w"
	done
else
	skip "groff missing: man page coverage not checked"
fi

# --- the unit file -----------------------------------------------------------

unit=$root/packaging/schedd.service
for line in 'Type=notify' 'WatchdogSec=30s' 'ExecReload=/bin/kill -HUP $MAINPID' \
    'KillMode=mixed' 'Restart=on-failure' 'RuntimeDirectory=schedd' \
    'StateDirectory=schedd' 'WantedBy=multi-user.target' \
    'ExecStart=@SBINDIR@/schedd -c @SYSCONFDIR@/schedd/schedd.conf'; do
	grep -qxF -- "$line" "$unit" || bad "schedd.service lacks '$line'"
done
# Settings that would break jobs running sudo, backups or upgrades.
for key in NoNewPrivileges ProtectSystem ProtectHome PrivateTmp \
    RestrictSUIDSGID CapabilityBoundingSet PrivateDevices; do
	! grep -q "^$key=" "$unit" || bad "schedd.service sets $key="
done
# TimeoutStopSec must outlast the default shutdown_grace of 30 s.
stop=$(sed -n 's/^TimeoutStopSec=//p' "$unit")
case $stop in
*min) stop_s=$(( ${stop%min} * 60 )) ;;
*s) stop_s=${stop%s} ;;
'') stop_s=90 ;;	# systemd's DefaultTimeoutStopSec
*) stop_s=$stop ;;
esac
[ "$stop_s" -gt 30 ] 2>/dev/null || bad "TimeoutStopSec=$stop is not above 30s"

if have systemd-analyze; then
	mkdir -p "$TMPDIR/sa/sbin" "$TMPDIR/sa/man/man8" "$TMPDIR/sa/man/man5"
	printf '#!/bin/sh\nexit 0\n' > "$TMPDIR/sa/sbin/schedd"
	chmod 755 "$TMPDIR/sa/sbin/schedd"
	cp "$root/man/schedd.8" "$TMPDIR/sa/man/man8/"
	cp "$root/man/schedd.conf.5" "$TMPDIR/sa/man/man5/"
	sed "s|@SBINDIR@|$TMPDIR/sa/sbin|g; s|@SYSCONFDIR@|/etc|g" "$unit" \
	    > "$TMPDIR/sa/schedd.service"
	# Documentation= is resolved through man(1) when it is there.
	manopt=--man=no
	have man && manopt=--man=yes
	out=$(MANPATH=$TMPDIR/sa/man systemd-analyze verify $manopt \
	    "$TMPDIR/sa/schedd.service" 2>&1) ||
	    bad "systemd-analyze verify: $out"
	[ -z "$out" ] || bad "systemd-analyze verify is not silent: $out"
else
	skip "systemd-analyze missing: unit not verified"
fi

# --- the shipped config and the documented examples --------------------------

mkdir -p "$TMPDIR/conf.d"
sed "s|^include = .*|include = $TMPDIR/conf.d/*.conf|" \
    "$root/packaging/schedd.conf" > "$TMPDIR/schedd.conf"
grep -q "^include = $TMPDIR/conf.d/" "$TMPDIR/schedd.conf" ||
    bad "packaging/schedd.conf has no include line"
chmod 644 "$TMPDIR/schedd.conf"
out=$("$SCHEDD" check -c "$TMPDIR/schedd.conf" 2>&1) ||
    bad "schedd check on the shipped config (empty conf.d): $out"
# The commented example job, made active in a drop-in; `user` needs root.
sed -n '/^#\[job:/,$s/^#//p' "$root/packaging/schedd.conf" |
    grep -v '^user = ' > "$TMPDIR/conf.d/example.conf"
grep -q '^\[job:' "$TMPDIR/conf.d/example.conf" ||
    bad "packaging/schedd.conf has no commented example job"
chmod 644 "$TMPDIR/conf.d/example.conf"
out=$("$SCHEDD" check -c "$TMPDIR/schedd.conf" 2>&1) ||
    bad "schedd check with the shipped example job: $out"

# The EXAMPLES of schedd.conf(5), taken from the roff source, are a valid
# config; `user =` stays only where it can resolve (root, existing user).
awk '/^\.SH EXAMPLES/ { on = 1; next } /^\.SH / { on = 0 }
	on && /^\.EX/ { ex = 1; next } on && /^\.EE/ { ex = 0; next }
	on && ex { print }' "$root/man/schedd.conf.5" |
    sed 's/\\-/-/g; s/\\e/\\/g' > "$TMPDIR/examples.conf"
grep -q '^\[job:' "$TMPDIR/examples.conf" || bad "schedd.conf(5) EXAMPLES hold no job"
sed "s|^include = .*|include = $TMPDIR/none/*.conf|" "$TMPDIR/examples.conf" |
    while IFS= read -r line; do
	case $line in
	'user = '*)
		[ "$(id -u)" = 0 ] && id -u "${line#user = }" >/dev/null 2>&1 ||
		    continue ;;
	esac
	printf '%s\n' "$line"
done > "$TMPDIR/examples-local.conf"
chmod 644 "$TMPDIR/examples-local.conf"
out=$("$SCHEDD" check -c "$TMPDIR/examples-local.conf" 2>&1) ||
    bad "schedd check on the EXAMPLES of schedd.conf(5): $out"

# The daylight saving time examples of schedd(8) and schedd.conf(5).
while IFS='|' read -r from n expr want; do
	got=$("$SCHEDD" next --tz Europe/Berlin --from "$from" -n "$n" "$expr" \
	    </dev/null 2>&1 | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] ||
	    bad "next --from '$from' -n $n '$expr': got '$got', documented '$want'"
done <<-'EOF'
	2026-03-28 12:00|3|30 2 * * *|2026-03-29T03:00:00+02:00 2026-03-30T02:30:00+02:00 2026-03-31T02:30:00+02:00
	2026-03-29 01:00|2|*/30 * * * *|2026-03-29T01:30:00+01:00 2026-03-29T03:00:00+02:00
	2026-10-25 01:45|4|*/30 * * * *|2026-10-25T02:00:00+02:00 2026-10-25T02:30:00+02:00 2026-10-25T02:00:00+01:00 2026-10-25T02:30:00+01:00
	2026-10-25 00:00|2|30 2 * * *|2026-10-25T02:30:00+02:00 2026-10-26T02:30:00+01:00
EOF

# --- make install / uninstall -------------------------------------------------

# mk ARGS...: the top Makefile with the binary under test, never relinked.
mk() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$root" \
	    -o "$bdir/schedd" B="$bdir" "$@" </dev/null >"$TMPDIR/make.log" 2>&1 ||
	    { tail -n 5 "$TMPDIR/make.log" >&2; return 1; }
}

if have make && [ -f "$bdir/config.mk" ] && [ -x "$SCHEDD" ]; then
	# PREFIX /usr: configuration in /etc, the unit in /lib/systemd/system.
	# PREFIX /usr/local: everything below it.
	while read -r prefix etc unitdir; do
		dest=$TMPDIR/dest$(echo "$prefix" | tr / _)
		vars="PREFIX=$prefix DESTDIR=$dest"
		mk $vars install || { bad "make install $vars failed"; continue; }
		for f in "$prefix/sbin/schedd" "$prefix/share/man/man8/schedd.8" \
		    "$prefix/share/man/man5/schedd.conf.5" "$etc/schedd/schedd.conf" \
		    "$unitdir/schedd.service"; do
			[ -f "$dest$f" ] || bad "make install $vars: no $f"
		done
		[ -d "$dest$etc/schedd/conf.d" ] ||
		    bad "make install $vars: no $etc/schedd/conf.d"
		u=$dest$unitdir/schedd.service
		if [ -f "$u" ]; then
			! grep -q '@[A-Z]*@' "$u" || bad "unit keeps a placeholder: $u"
			grep -qxF "ExecStart=$prefix/sbin/schedd -c $etc/schedd/schedd.conf" "$u" ||
			    bad "$vars: wrong $(grep ExecStart= "$u")"
		fi
		# A config changed by the administrator survives a reinstall.
		echo '# local' >> "$dest$etc/schedd/schedd.conf"
		mk $vars install || bad "second make install $vars failed"
		tail -n 1 "$dest$etc/schedd/schedd.conf" | grep -qx '# local' ||
		    bad "make install $vars overwrote the config"
		mk $vars uninstall || bad "make uninstall $vars failed"
		for f in "$prefix/sbin/schedd" "$prefix/share/man/man8/schedd.8" \
		    "$prefix/share/man/man5/schedd.conf.5" "$unitdir/schedd.service"; do
			[ ! -e "$dest$f" ] || bad "make uninstall $vars left $f"
		done
	done <<-EOF
		/usr /etc /lib/systemd/system
		/usr/local /usr/local/etc /usr/local/lib/systemd/system
	EOF
else
	skip "make, $bdir/config.mk or the binary missing: install not checked"
fi

[ "$errors" -eq 0 ] || { echo "$errors packaging check(s) failed" >&2; exit 1; }
echo "packaging checks passed"
