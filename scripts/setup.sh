#!/usr/bin/env bash
# Installs what warren needs on a Debian host, idempotently (seconds when everything is there):
#   - Debian's rabbitmq-server (and Erlang) from apt, without leaving the package's own node running (RabbitMQ 3.10);
#   - the root filesystems of RabbitMQ 4.0 and 4.3, built from Debian's packages (scripts/rabbitmq-rootfs.sh,
#     ~35 s each the first time, cached in /var/cache/warren/rootfs);
#   - the npm dependencies, and the built library entry (dist/) that package.json exports.
#
#   bash scripts/setup.sh                       # every RabbitMQ series: 3.10 4.0 4.3
#   bash scripts/setup.sh --rabbitmq 4.3        # only the series named (3.10 is always the host's package)
set -euo pipefail
cd "$(dirname "$0")/.."

series="3.10 4.0 4.3"
while [ $# -gt 0 ]; do
  case "$1" in
    --rabbitmq) series="${2:?--rabbitmq needs a series: 3.10, 4.0, 4.3 or all}"; shift 2 ;;
    --rabbitmq=*) series="${1#--rabbitmq=}"; shift ;;
    *) echo "setup: unknown argument '$1' (usage: bash scripts/setup.sh [--rabbitmq 3.10|4.0|4.3|all])" >&2; exit 2 ;;
  esac
done
series="$(echo "$series" | tr ',' ' ')"
[ "$series" = all ] && series="3.10 4.0 4.3"
for one in $series; do
  case "$one" in 3.10|4.0|4.3) ;; *) echo "setup: unknown RabbitMQ series '$one' (3.10, 4.0, 4.3 or all)" >&2; exit 2 ;; esac
done

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

# Root filesystems for the 4.x series: debootstrap comes from the host's own archive.
rootfs_series=""
for one in $series; do [ "$one" != 3.10 ] && rootfs_series="$rootfs_series $one"; done
if [ -n "$rootfs_series" ]; then
  if ! command -v debootstrap >/dev/null; then
    echo "setup: installing debootstrap (to build the RabbitMQ 4.x root filesystems)…"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null \
      || { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
  fi
fi
# The builds are independent (each in its own temporary directory, renamed into place), so they run side by side and
# beside the npm install (clean-clone CI of dfea575: 82 s and 66 s one after the other; of 8a7248a: 122 s together).
# Every one is waited for, and the first failure is setup's exit code. sudo asks once, before they start. Where the
# disk cannot hold them all at once (rabbitmq-rootfs.sh checks for one), they run one after the other. A background
# job of a script ignores Ctrl-C, so an interrupted setup stops them itself, with every process they started.
builds=""
side_by_side=1
if [ -n "$rootfs_series" ]; then
  as_root true
  cache="${WARREN_ROOTFS_CACHE:-/var/cache/warren/rootfs}"
  as_root mkdir -p "$cache"
  count=$(echo $rootfs_series | wc -w)
  free_mb=$(df -Pm "$cache" | awk 'NR==2 {print $4}')
  [ "$free_mb" -ge $((1500 * count)) ] || side_by_side=0
fi
tree() { local child; for child in $(ps -o pid= --ppid "$1"); do tree "$child"; done; echo "$1"; }
stop_builds() {
  local pids=""
  for build in $builds; do pids="$pids $(tree "$build")"; done
  [ -z "${pids// }" ] || as_root kill -TERM $pids 2>/dev/null || true
  exit "$1"
}
trap 'stop_builds 130' INT
trap 'stop_builds 143' TERM
for one in $rootfs_series; do
  if [ "$side_by_side" = 1 ]; then
    as_root bash scripts/rabbitmq-rootfs.sh "$one" &
    builds="$builds $!"
  else
    as_root bash scripts/rabbitmq-rootfs.sh "$one"
  fi
done

npm_setup() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "setup: installing npm dependencies…"
    npm ci --no-audit --no-fund --loglevel=error || return
  fi
  # The library entry package.json exports (npm pack builds it too, through prepack); the CLI runs from src/.
  if [ ! -f dist/src/index.js ]; then
    echo "setup: building the library entry (dist/, ~10 s)…"
    npm run build --silent || return
  fi
}
status=0
npm_setup || status=$?
for build in $builds; do wait "$build" || { rc=$?; [ "$status" != 0 ] || status=$rc; }; done
[ "$status" = 0 ] || exit "$status"
echo "setup: ready ($(dpkg-query -W -f='rabbitmq-server ${Version}' rabbitmq-server 2>/dev/null || echo rabbitmq-server), node $(node --version))"
