#!/bin/sh
# Black-box tests: runs every tests/cli/test_*.sh against a built schedd.
# Each test gets SCHEDD (the binary) and a fresh TMPDIR; it exits 0 on success.
# Prints a closing "N passed, N failed" line.
set -u
SCHEDD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export SCHEDD
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0 failed=""
for t in "$here"/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/schedd-cli.XXXXXX")
	if TMPDIR="$dir" timeout 600 sh "$t" > "$dir.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $name"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name"
		sed 's/^/    /' "$dir.log" | tail -n 40
	fi
	rm -rf "$dir" "$dir.log"
done
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
