#!/bin/sh
# Installs what the benchmarks compare against, into private places, and
# builds psup. Idempotent: a second run only checks.
#   pm2                   -> bench/.tools/node_modules (npm --prefix)
#   supervisor, runit,
#   nginx, wrk, curl      -> Debian packages (apt-get; needs root), each only
#                            when its command is missing
#   psup, bench tools     -> make (repo root), make -C bench tools
# System services that the packages bring are stopped and disabled: the
# benchmarks start their own private instances only.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
PM2_VERSION=${PM2_VERSION:-7.0.4}

# By command, not by package: any package that brings the command will do
# (nginx, nginx-light and nginx-full all bring nginx).
need_apt=
for pc in supervisor:supervisord runit:runsvdir nginx:nginx wrk:wrk curl:curl jq:jq; do
	command -v "${pc#*:}" >/dev/null 2>&1 || need_apt="$need_apt ${pc%%:*}"
done
if [ -n "$need_apt" ]; then
	echo "setup: apt-get install$need_apt"
	# policy-rc.d 101 keeps the packages' own services from starting.
	prc=/usr/sbin/policy-rc.d
	made_prc=
	if [ ! -e "$prc" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$prc"; chmod 755 "$prc"; made_prc=1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need_apt
	[ -n "$made_prc" ] && rm -f "$prc"
fi

# The packages may have started system services (no policy-rc.d on an earlier
# install): stop them by their pid files, never by name.
for pf in /run/supervisord.pid /run/nginx.pid; do
	if [ -s "$pf" ]; then
		pid=$(cat "$pf")
		kill "$pid" 2>/dev/null || true
	fi
done

if [ ! -x "$here/.tools/node_modules/.bin/pm2" ]; then
	command -v npm >/dev/null || { echo "setup: npm is missing (apt-get install npm)" >&2; exit 1; }
	echo "setup: npm install pm2@$PM2_VERSION into bench/.tools"
	mkdir -p "$here/.tools"
	npm install --prefix "$here/.tools" --no-audit --no-fund --loglevel=error "pm2@$PM2_VERSION"
fi

echo "setup: building psup"
# all: the Makefile's first target is a library, not the programs;
# psup-testapi is the endpoint of the limits scenario.
make -C "$root" -j2 all bin/psup-testapi >/dev/null ||
    echo "setup: psup did not build; its columns will be n/a" >&2
make -C "$here" tools >/dev/null
echo "setup: ok"
