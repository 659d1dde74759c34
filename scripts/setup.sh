#!/usr/bin/env bash
# Installs what warren needs on a Debian host, idempotently (seconds when everything is there):
#   - Debian's rabbitmq-server (and Erlang) from apt, without leaving the package's own node running;
#   - the npm dependencies, and the built library entry (dist/) that package.json exports.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: need root (or sudo) to install rabbitmq-server" >&2; exit 3
  fi
}

if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || ! command -v epmd >/dev/null; then
  echo "setup: installing rabbitmq-server from Debian's packages…"
  # A policy-rc.d that denies service starts keeps the package from booting a default node during install.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
  [ "$created_policy" = 1 ] && as_root rm -f /usr/sbin/policy-rc.d
fi

# warren runs its own nodes with their own epmd; the package's service must not run beside them.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  as_root systemctl disable --now rabbitmq-server.service >/dev/null 2>&1 || true
elif pgrep -u rabbitmq -f beam.smp >/dev/null 2>&1; then
  as_root service rabbitmq-server stop >/dev/null 2>&1 || true
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies…"
  npm ci --no-audit --no-fund --loglevel=error
fi
# The library entry package.json exports (npm pack builds it too, through prepack); the CLI runs from src/.
if [ ! -f dist/src/index.js ]; then
  echo "setup: building the library entry (dist/, ~10 s)…"
  npm run build --silent
fi
echo "setup: ready ($(dpkg-query -W -f='rabbitmq-server ${Version}' rabbitmq-server 2>/dev/null || echo rabbitmq-server), node $(node --version))"
