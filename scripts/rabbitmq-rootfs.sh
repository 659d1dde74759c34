#!/usr/bin/env bash
# Builds the root filesystem RabbitMQ VERSION runs from on the local platform, from Debian's packages, once per
# machine: debootstrap (minbase) of the Debian suite that ships that version, then rabbitmq-server inside it.
#
#   bash scripts/rabbitmq-rootfs.sh 4.0|4.3
#
# The result is $WARREN_ROOTFS_CACHE/VERSION (default /var/cache/warren/rootfs), complete only when its
# .warren-rootfs.json marker is there; the marker's key is a hash of this script and the version's suite, so a
# change to either rebuilds it and an unchanged one takes a second. Built in a temporary directory and renamed into
# place: an interrupted build leaves nothing that looks complete.
# Facts (measured 2026-11-30): trixie ships rabbitmq-server 4.0.5 on Erlang 27, forky 4.3.6 on Erlang 29;
# bookworm's debootstrap has no forky script, its sid script builds forky; forky's Release file is past its
# Valid-Until date, so apt there needs Acquire::Check-Valid-Until=false.
set -euo pipefail

version="${1:?usage: rabbitmq-rootfs.sh 4.0|4.3}"
case "$version" in
  4.0) suite=trixie; script=trixie ;;
  4.3) suite=forky; script=sid ;;
  *) echo "rabbitmq-rootfs: no root filesystem for RabbitMQ '$version' (4.0 or 4.3; 3.10 is the host's package)" >&2; exit 2 ;;
esac

cache="${WARREN_ROOTFS_CACHE:-/var/cache/warren/rootfs}"
target="$cache/$version"
marker="$target/.warren-rootfs.json"
key="$( { cat "$0"; echo "$version $suite"; } | sha256sum | cut -c1-16)"

if [ -f "$marker" ] && grep -q "\"key\": \"$key\"" "$marker"; then
  echo "rabbitmq-rootfs: RabbitMQ $version ready in $target"
  exit 0
fi

need() { command -v "$1" >/dev/null || { echo "rabbitmq-rootfs: $1 is missing: $2" >&2; exit 3; }; }
[ "$(id -u)" = 0 ] || { echo "rabbitmq-rootfs: building a root filesystem needs root (debootstrap, chroot): run as root" >&2; exit 3; }
need debootstrap "apt-get install debootstrap (bash scripts/setup.sh does)"
need unshare "it comes with util-linux"
mkdir -p "$cache"
free_mb=$(df -Pm "$cache" | awk 'NR==2 {print $4}')
[ "$free_mb" -ge 1500 ] || { echo "rabbitmq-rootfs: $cache has ${free_mb} MB free; a root filesystem needs ~600 MB (1500 MB while building)" >&2; exit 3; }

# The mirror the host's apt already uses (the only registry reachable from a sandboxed machine).
mirror="$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null \
  | grep -oE 'https?://[^ ]+' | head -1 || true)"
mirror="${WARREN_DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}"

build="$(mktemp -d "$cache/.build-$version-XXXXXX")"
trap 'rm -rf --one-file-system "$build" "$build.log"' EXIT
trap 'exit 143' TERM # so that the EXIT trap removes the partial build
started=$SECONDS
echo "rabbitmq-rootfs: RabbitMQ $version: debootstrap $suite from $mirror (~30 s)…"
debootstrap --variant=minbase "$suite" "$build" "$mirror" "/usr/share/debootstrap/scripts/$script" >"$build.log" 2>&1 \
  || { tail -20 "$build.log" >&2; rm -f "$build.log"; echo "rabbitmq-rootfs: debootstrap $suite failed" >&2; exit 3; }
rm -f "$build.log"

# No service may start inside; node names @localhost need /etc/hosts.
printf '#!/bin/sh\nexit 101\n' >"$build/usr/sbin/policy-rc.d"
chmod 755 "$build/usr/sbin/policy-rc.d"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$build/etc/hosts"

echo "rabbitmq-rootfs: RabbitMQ $version: apt-get install rabbitmq-server in $suite (~15 s)…"
# A private mount namespace: /proc is mounted for the install only and vanishes with it.
unshare --mount --propagation private sh -c '
  mount -t proc proc "$1/proc"
  exec chroot "$1" sh -c "
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o Acquire::Check-Valid-Until=false update -qq &&
    apt-get -o Acquire::Check-Valid-Until=false install -y -qq --no-install-recommends rabbitmq-server >/dev/null &&
    apt-get clean"
' sh "$build" >"$build.log" 2>&1 \
  || { tail -20 "$build.log" >&2; rm -f "$build.log"; echo "rabbitmq-rootfs: installing rabbitmq-server in $suite failed" >&2; exit 3; }
rm -f "$build.log"

rabbitmq="$(chroot "$build" dpkg-query -W -f='${Version}' rabbitmq-server)"
erlang="$(chroot "$build" dpkg-query -W -f='${Version}' erlang-base)"
printf '{\n  "version": "%s",\n  "suite": "%s",\n  "key": "%s",\n  "rabbitmqPackage": "%s",\n  "erlangPackage": "%s",\n  "builtAt": "%s"\n}\n' \
  "$version" "$suite" "$key" "$rabbitmq" "$erlang" "$(date -u +%FT%TZ)" >"$build/.warren-rootfs.json"

rm -rf --one-file-system "$target"
mv "$build" "$target"
trap - EXIT
echo "rabbitmq-rootfs: RabbitMQ $version ready in $target (rabbitmq-server $rabbitmq, erlang $erlang; $((SECONDS - started)) s, $(du -sm "$target" | cut -f1) MB)"
