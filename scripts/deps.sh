#!/usr/bin/env bash
# Installs what the test suites need and is missing: redis-server (Redis tests),
# chromium (e2e browser tests), python3-aiohttp-session and python3-redis (the
# aiohttp_session interop test). On Debian/Ubuntu as root it uses apt-get; anywhere
# else it stops and prints the exact command to run.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -c 'import aiohttp_session' >/dev/null 2>&1 || missing+=(python3-aiohttp-session)
/usr/bin/python3 -c 'import redis.asyncio' >/dev/null 2>&1 || missing+=(python3-redis)

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null 2>&1 || apt-get update -q
	$cmd -q >/dev/null || $cmd
	exit 0
fi

echo "deps: missing ${missing[*]}; install them with:" >&2
echo "    sudo $cmd" >&2
exit 1
