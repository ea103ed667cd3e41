#!/bin/sh
# Runs the daemon's black-box tests (tests/cli/test_daemon_*.sh and the
# short soak) with every schedd they start under valgrind memcheck: SCHEDD
# points at a wrapper that execs valgrind on the binary (same pid, so the
# tests' signals reach it) with one log per process. Jobs are not traced
# (--trace-children=no), nor is the child between fork and exec
# (--child-silent-after-fork=yes). Fails when a test fails or a log shows
# an error or a definite or indirect leak.
#
# usage: valgrind.sh SCHEDD OUTDIR   (OUTDIR is emptied; logs in OUTDIR/logs)
# env:   VALGRIND_TESTS (test scripts, default: the daemon tests and the
#        short soak), VALGRIND_SKIP (test names left out, default
#        test_daemon_detach: it requires /proc/PID/comm to be "schedd", and
#        under valgrind it is "memcheck-amd64-"; its detached daemon is a
#        forked child, silent here anyway), VALGRIND (the valgrind
#        command), SCHEDD_HELPERS
set -u
[ $# -eq 2 ] || { echo "usage: valgrind.sh SCHEDD OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
cli=$(cd "$here/../cli" && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
vg=${VALGRIND:-valgrind}
command -v "$vg" >/dev/null 2>&1 || { echo "valgrind: '$vg' not found" >&2; exit 2; }
[ -x "$bin" ] || { echo "valgrind: no binary $bin" >&2; exit 2; }
mkdir -p "$2" || exit 2
out=$(cd "$2" && pwd)
rm -rf "$out/logs" "$out/tests"
mkdir -p "$out/logs" "$out/tests"

wrapper=$out/schedd
cat > "$wrapper" <<EOF
#!/bin/sh
exec $vg --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no \\
	--trace-children=no --child-silent-after-fork=yes --num-callers=30 \\
	--log-file="$out/logs/vg.%p.log" "$bin" "\$@"
EOF
chmod 755 "$wrapper" || exit 2

# The short soak, sized for a daemon that runs 20-50 times slower; RSS under
# valgrind says nothing about schedd.
export SOAK_SHORT_SECONDS=${SOAK_SHORT_SECONDS:-20}
export SOAK_SHORT_JOBS=${SOAK_SHORT_JOBS:-100}
export SOAK_SLOW=${SOAK_SLOW:-4}
export SOAK_ZOMBIE_MAX_S=${SOAK_ZOMBIE_MAX_S:-10}
export SOAK_RSS_MAX_KIB=0 SOAK_RSS_GROWTH_KIB=0
export SCHEDD=$wrapper

tests=${VALGRIND_TESTS:-"$cli/test_daemon_*.sh $cli/test_soak_short.sh"}
skip=${VALGRIND_SKIP-test_daemon_detach}
pass=0 fail=0 failed=""
for t in $tests; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	case " $skip " in
	*" $name "*)
		echo "SKIP $name (VALGRIND_SKIP)"
		continue
		;;
	esac
	dir=$out/tests/$name
	mkdir -p "$dir"
	start=$(date +%s)
	if TMPDIR="$dir" timeout 1200 sh "$t" > "$dir.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $name ($(( $(date +%s) - start )) s)"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name ($(( $(date +%s) - start )) s)"
		sed 's/^/    /' "$dir.log" | grep -v ' schedd\[[0-9]*\]: ' | tail -n 30
	fi
done

# Every log of a process that ran to its end has an ERROR SUMMARY; the leak
# summary lines appear only when something leaked.
nlogs=0 nbad=0 nopen=0
for f in "$out"/logs/vg.*.log; do
	[ -e "$f" ] || continue
	nlogs=$((nlogs + 1))
	if ! grep -q 'ERROR SUMMARY:' "$f"; then
		nopen=$((nopen + 1))	# killed (SIGKILL) or exec'd: no summary
		continue
	fi
	if grep -Eq 'ERROR SUMMARY: [1-9]|(definitely|indirectly) lost: [1-9]' "$f"; then
		nbad=$((nbad + 1))
		echo "valgrind: $f:"
		grep -E -A 8 'Command:|Invalid|uninitialised|are (definitely|indirectly) lost|Mismatched|overlap|Syscall param|ERROR SUMMARY' "$f" |
			head -n 60
	fi
done
echo "valgrind: $pass tests passed, $fail failed${failed:+ ($failed )}; $nlogs logs, $nbad with errors or leaks, $nopen without a summary"
[ "$fail" -eq 0 ] && [ "$nbad" -eq 0 ]
