#!/bin/sh
# Makes sure clang can build libFuzzer targets (Debian: clang and the
# compiler runtime with libFuzzer, libclang-rt-14-dev). As root, installs
# what is missing; otherwise prints the exact command and fails.
set -u
CC=${1:-clang}
PKGS="clang libclang-rt-14-dev"
probe() {
	tmp=$(mktemp -d) || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	    > "$tmp/probe.c"
	"$CC" -fsanitize=fuzzer,address,undefined -o "$tmp/probe" "$tmp/probe.c" \
	    >/dev/null 2>&1
	rc=$?
	rm -rf "$tmp"
	return $rc
}
probe && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "schedd: installing the fuzzing toolchain: $PKGS" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2 || exit 1
	apt-get install -y -q $PKGS >&2 || exit 1
	probe && exit 0
	echo "schedd: $CC still cannot build a libFuzzer target" >&2
	exit 1
fi
echo "schedd: $CC cannot build libFuzzer targets (-fsanitize=fuzzer)" >&2
echo "schedd: run as root:  apt-get install -y $PKGS" >&2
exit 1
