#!/bin/sh
# Installs the Debian packages psup needs to build, test and run its demo.
# As root it installs what is missing; otherwise it prints the apt-get line.
set -eu
PKGS="build-essential clang pkg-config libyaml-dev libcjson-dev libcurl4-openssl-dev openssl
libsqlite3-dev libpq-dev libmicrohttpd-dev libncurses-dev valgrind perl python3 curl
procps tmux bsdutils iproute2 postgresql jq nodejs chromium prometheus musl-tools nginx"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "psup needs these packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
