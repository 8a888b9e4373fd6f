#!/usr/bin/env bash
# Installs everything lanvpn's build, tests and demo need on a fresh Debian machine (as root):
# Debian packages for the lab and the browser tests, the npm packages from package-lock.json, and
# the router's runtime, a native qjs built from QuickJS's sources (scripts/native-qjs.mjs) into a
# cache outside the clone. Fast when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# The lab (lab.md), the browser tests (Debian's chromium: no browser download; a colour emoji
# font for the device icons in the README's pictures), OpenVPN's server, a C compiler for the
# native qjs, zopfli for the .ipk, and strace (test/contract/durable-write.test.ts checks the
# syscalls of a durable write under qjs: its temp file opened O_SYNC, no `sync` process).
DEBIAN_PACKAGES=(
  wireguard-go wireguard-tools nftables iproute2 dnsmasq-base busybox curl ca-certificates
  conntrack tcpdump iputils-ping openvpn chromium fonts-noto-color-emoji procps openssl zopfli
  gcc make libc6-dev strace
)

install_debian_packages() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  # No recommends: wireguard's would pull a kernel image, chromium's a desktop.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

check_node() {
  command -v node >/dev/null || { echo "setup: Node.js >= 20.19 is needed" >&2; exit 1; }
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    { echo "setup: Node.js >= 20.19 is needed (found $(node --version))" >&2; exit 1; }
}

install_npm_packages() {
  # npm ci only when the lockfile changed since the last install.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

install_debian_packages
check_node
install_npm_packages
node scripts/native-qjs.mjs >/dev/null
