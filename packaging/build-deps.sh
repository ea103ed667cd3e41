#!/bin/sh
# Makes sure the Debian build dependencies of schedd are installed.
# As root, installs what is missing; otherwise prints the exact command and fails.
set -u
PKGS="pkg-config libevent-dev libinih-dev libsystemd-dev check tzdata"
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ "$st" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "schedd: installing missing build dependencies:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2 || exit 1
	apt-get install -y -q $missing >&2 || exit 1
	exit 0
fi
echo "schedd: missing build dependencies:$missing" >&2
echo "schedd: run as root:  apt-get install -y$missing" >&2
exit 1
