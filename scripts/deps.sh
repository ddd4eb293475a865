#!/usr/bin/env bash
# Installs what the test suites need and is missing: redis-server (Redis tests),
# chromium (e2e browser tests), python3-aiohttp-session and python3-redis (the
# aiohttp_session interop test), nodejs and panva's oidc-provider (the e2e
# lifecycle tests against a real OpenID Provider, pinned by
# e2e/oidcprovider/package-lock.json). On Debian/Ubuntu as root it uses apt-get;
# anywhere else it stops and prints the exact command to run.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -c 'import aiohttp_session' >/dev/null 2>&1 || missing+=(python3-aiohttp-session)
/usr/bin/python3 -c 'import redis.asyncio' >/dev/null 2>&1 || missing+=(python3-redis)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

# oidc-provider, from the npm registry, at the version the lock file pins.
op_install() {
	[ -f "$here/e2e/oidcprovider/node_modules/oidc-provider/package.json" ] && return 0
	echo "deps: npm ci in e2e/oidcprovider"
	(cd "$here/e2e/oidcprovider" && npm ci --no-audit --no-fund --loglevel=error)
}

if [ ${#missing[@]} -eq 0 ]; then
	op_install
	exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null 2>&1 || apt-get update -q
	$cmd -q >/dev/null || $cmd
	op_install
	exit 0
fi

echo "deps: missing ${missing[*]}; install them with:" >&2
echo "    sudo $cmd" >&2
exit 1
