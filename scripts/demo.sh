#!/usr/bin/env bash
# `make demo` (after `make setup build`): the lab, lanvpnd in its router namespace, and the web UI
# behind the devrouter (uhttpd + rpcd emulation) on 127.0.0.1. The daemon and the rpcd plugin run
# under the router's runtime, the native qjs that `make setup` builds (scripts/native-qjs.mjs).
# Ctrl-C (or INT or TERM from `kill`, or any exit) stops everything this script started, by pid,
# and tears the lab down, also when it was started in the background (which starts it with INT
# ignored: it runs itself again with INT and TERM at their defaults, so its traps hold). Running it
# again after a crash first cleans up what the previous run left behind.
#
# Env: DEMO_PORT (8080), DEMO_PASSWORD (lanvpn-demo), DEMO_EXIT_AFTER (seconds; tear down by itself,
#      for smoke tests), DEMO_STATUS_WAIT_S (30), DEMO_STATE (/run/lanvpn-demo), LAB (lvdemo).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=${LAB:-lvdemo}
DEMO_STATE=${DEMO_STATE:-/run/lanvpn-demo}
PREFIX=$DEMO_STATE/root
DEMO_PORT=${DEMO_PORT:-8080}
DEMO_PASSWORD=${DEMO_PASSWORD:-lanvpn-demo}
DEMO_EXIT_AFTER=${DEMO_EXIT_AFTER:-}
DEMO_STATUS_WAIT_S=${DEMO_STATUS_WAIT_S:-30}
DIST_ROOT=$REPO/dist/root
BUNDLE=$DIST_ROOT/usr/share/lanvpn/lanvpn.js
LAB_SH=$REPO/scripts/lab/lab.sh
MARKER=.lanvpn-demo
QJS=
STOPPING=0

log() { printf '%s\n' "$*" >&2; }
die() {
  log "[!] demo: $*"
  exit 1
}

# ---- checks ------------------------------------------------------------------------------------

check_prerequisites() {
  [ "$(id -u)" = 0 ] || die "the demo needs root (network namespaces)"
  command -v node >/dev/null || die "node is missing (run: make setup)"
  QJS=$(node "$REPO/scripts/native-qjs.mjs" --path)
  [ -x "$QJS" ] || die "no native qjs at $QJS (run: make setup)"
  [[ $DEMO_PORT =~ ^[0-9]+$ ]] && [ "$DEMO_PORT" -ge 1 ] && [ "$DEMO_PORT" -le 65535 ] ||
    die "DEMO_PORT='$DEMO_PORT' is not a port number"
  [[ -z $DEMO_EXIT_AFTER || $DEMO_EXIT_AFTER =~ ^[0-9]+$ ]] || die "DEMO_EXIT_AFTER='$DEMO_EXIT_AFTER' is not a number of seconds"
  case $DEMO_STATE in
    /run/* | /tmp/*) ;;
    *) die "DEMO_STATE='$DEMO_STATE' must be under /run or /tmp (it is removed on exit)" ;;
  esac
  local f
  for f in "$BUNDLE" "$DIST_ROOT/usr/libexec/rpcd/lanvpn" "$DIST_ROOT/www/lanvpn/index.html" \
    "$DIST_ROOT/usr/share/rpcd/acl.d/lanvpn.json"; do
    [ -e "$f" ] || die "missing $f (run: make build)"
  done
}

# True when something already accepts connections on 127.0.0.1:$DEMO_PORT.
check_port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$DEMO_PORT") 2>/dev/null
}

check_port_free() {
  if check_port_taken; then
    die "port $DEMO_PORT on 127.0.0.1 is already in use; pick another with DEMO_PORT=NNNN"
  fi
}

# ---- pids --------------------------------------------------------------------------------------

# Prints the pid recorded as $1 if that process is still the one we started (its command line
# matches $2), so a reused pid is never signalled.
pid_of() {
  local name=$1 pattern=$2 pid
  [ -f "$DEMO_STATE/pids/$name" ] || return 1
  pid=$(cat "$DEMO_STATE/pids/$name")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$pattern" || return 1
  echo "$pid"
}

daemon_pid() { pid_of daemon 'lanvpn.js daemon'; }
# Whether the daemon just started still runs: its recorded pid neither gone nor a zombie. Not
# daemon_pid while it starts: setsid, ip netns exec and env exec one another, and for a moment
# inside each exec /proc/PID/cmdline reads empty (the daemon was once taken for gone so).
daemon_starting() {
  local pid
  pid=$(cat "$DEMO_STATE/pids/daemon" 2>/dev/null) || return 1
  [ -r "/proc/$pid/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"
}
devrouter_pid() { pid_of devrouter 'devrouter/server.mjs'; }

# Sends TERM to one recorded process, then KILL if it is still there after $3 seconds.
stop_recorded() {
  local name=$1 pattern=$2 grace=$3 pid i
  if pid=$(pid_of "$name" "$pattern"); then
    log "[+] demo: stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      [ -d "/proc/$pid" ] || break
      sleep 0.1
    done
    if [ -d "/proc/$pid" ]; then
      log "[!] demo: $name (pid $pid) ignored TERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$DEMO_STATE/pids/$name"
}

# ---- steps -------------------------------------------------------------------------------------

clean_previous() {
  if compgen -G "$DEMO_STATE/pids/*" >/dev/null; then log "[+] demo: cleaning up a previous run"; fi
  stop_recorded devrouter 'devrouter/server.mjs' 5
  stop_recorded daemon 'lanvpn.js daemon' 10
  LAB=$LAB "$LAB_SH" down
  remove_prefix
}

remove_prefix() {
  if [ -f "$DEMO_STATE/$MARKER" ] && [ -d "$PREFIX" ]; then rm -rf "$PREFIX"; fi
}

make_state() {
  mkdir -p "$DEMO_STATE/pids" "$DEMO_STATE/logs"
  touch "$DEMO_STATE/$MARKER"
}

# Each run starts its logs afresh (the readiness check reads them).
reset_logs() {
  : >"$DEMO_STATE/logs/daemon.log"
  : >"$DEMO_STATE/logs/devrouter.log"
}

start_lab() {
  log "[+] demo: bringing up the lab $LAB"
  LAB=$LAB "$LAB_SH" up
}

make_prefix() {
  local config=$DIST_ROOT/etc/config/lanvpn
  [ -f "$config" ] || config=$REPO/openwrt-package/files/etc/config/lanvpn
  [ -f "$config" ] || die "no default config (neither dist/root nor openwrt-package has etc/config/lanvpn)"
  mkdir -p "$PREFIX/etc/config" "$PREFIX/var/run/lanvpn" "$PREFIX/usr/libexec/lanvpn"
  cp "$config" "$PREFIX/etc/config/lanvpn"
  # The daemon finds its OpenVPN up hook under the prefix, as it would at /usr/libexec on a router.
  cp -p "$DIST_ROOT/usr/libexec/lanvpn/ovpn-up" "$PREFIX/usr/libexec/lanvpn/"
}

start_daemon() {
  log "[+] demo: starting lanvpnd in $LAB-router (log: $DEMO_STATE/logs/daemon.log)"
  # setsid: Ctrl-C reaches only this script, which then stops everything in order. setsid, ip
  # netns exec and env all exec (none is a process-group leader here), so $! is qjs's pid.
  # The lab's dnsmasq keeps its leases in the lab state, and the lab's MediaStreamer provider
  # speaks HTTPS with the lab's own CA.
  local lab_state=/run/lanvpn-lab/$LAB
  setsid ip netns exec "$LAB-router" env LANVPN_PREFIX="$PREFIX" LANVPN_LOG=stderr \
    LANVPN_TUNNEL_IFACE="${LAB}tun" LANVPN_LEASE_FILE="$lab_state/dhcp.leases" \
    CURL_CA_BUNDLE="$lab_state/provider/ca.pem" \
    "$QJS" --std -m "$BUNDLE" daemon </dev/null >>"$DEMO_STATE/logs/daemon.log" 2>&1 &
  echo $! >"$DEMO_STATE/pids/daemon"
}

wait_for_status() {
  local status=$PREFIX/var/run/lanvpn/status.json i
  for ((i = 0; i < DEMO_STATUS_WAIT_S * 10; i++)); do
    [ -s "$status" ] && return 0
    daemon_starting || {
      tail -n 20 "$DEMO_STATE/logs/daemon.log" >&2 || true
      die "lanvpnd exited before writing $status"
    }
    sleep 0.1
  done
  tail -n 20 "$DEMO_STATE/logs/daemon.log" >&2 || true
  die "lanvpnd wrote no $status within ${DEMO_STATUS_WAIT_S}s"
}

start_devrouter() {
  local i
  check_port_free
  log "[+] demo: starting the devrouter on 127.0.0.1:$DEMO_PORT (log: $DEMO_STATE/logs/devrouter.log)"
  # The password goes by environment, not argv, so it does not show in `ps`. The plugin runs the
  # bundle under the native qjs.
  DEVROUTER_PASSWORD=$DEMO_PASSWORD LANVPN_BUNDLE=$BUNDLE LANVPN_RUNTIME="$QJS --std" \
    setsid node "$REPO/scripts/devrouter/server.mjs" --root "$DIST_ROOT" --prefix "$PREFIX" \
    --host 127.0.0.1 --port "$DEMO_PORT" --user root --verbose \
    </dev/null >>"$DEMO_STATE/logs/devrouter.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$DEMO_STATE/pids/devrouter"
  for ((i = 0; i < 150; i++)); do
    if grep -qF "devrouter listening on http://127.0.0.1:$DEMO_PORT/ (pid $pid)" "$DEMO_STATE/logs/devrouter.log"; then
      return 0
    fi
    devrouter_pid >/dev/null || {
      tail -n 20 "$DEMO_STATE/logs/devrouter.log" >&2 || true
      die "the devrouter did not start"
    }
    sleep 0.1
  done
  die "the devrouter did not answer within 15s"
}

# A wrapper as the router has it: `lanvpn` on PATH, its files under the demo's prefix.
make_command() {
  mkdir -p "$PREFIX/usr/bin"
  printf '#!/bin/sh\nexport LANVPN_PREFIX=%q LANVPN_TUNNEL_IFACE=%q LANVPN_BUNDLE=%q LANVPN_RUNTIME=%q\nexec %q "$@"\n' \
    "$PREFIX" "${LAB}tun" "$BUNDLE" "$QJS" "$DIST_ROOT/usr/bin/lanvpn" >"$PREFIX/usr/bin/lanvpn"
  chmod 755 "$PREFIX/usr/bin/lanvpn"
}

print_banner() {
  local lab_state=/run/lanvpn-lab/$LAB
  cat <<EOF
lanvpn demo is running. Ctrl-C (or: kill -INT $$) stops it and tears everything down.

Web UI        http://127.0.0.1:$DEMO_PORT/lanvpn/  (log in as root / $DEMO_PASSWORD)
Provider      files to import on Locations (paste their text, or choose the file):
                $lab_state/client-vpn.conf    WireGuard server 203.0.113.10
                $lab_state/client-vpn2.conf   WireGuard server 203.0.113.20 (a fallback)
                $lab_state/client-ovpn.ovpn   OpenVPN: user and password in $lab_state/ovpn/credentials
Lab devices   $LAB-laptop, $LAB-tv, $LAB-console. The echo server answers with the address it sees:
              203.0.113.10 through the VPN, 198.51.100.2 direct, nothing when blocked:
                sudo ip netns exec $LAB-laptop curl -s -m 4 http://192.0.2.1/; echo
The router    lanvpn is on PATH in this shell:
                sudo ip netns exec $LAB-router env PATH="$PREFIX/usr/bin:\$PATH" sh
                lanvpn status; lanvpn devices; lanvpn --help
MediaStreamer Activation link with a token: https://192.0.2.2/activate?ip={ip}&token={token}
              Token: any word. Smart DNS server: 192.0.2.54. It answers stream.lab.test, so a
              device in MediaStreamer mode resolves it to 192.0.2.80:
                sudo ip netns exec $LAB-tv busybox nslookup stream.lab.test 192.168.50.1
              The provider's log: $lab_state/provider/requests.jsonl
EOF
}

run_until_stopped() {
  local deadline=''
  [ -z "$DEMO_EXIT_AFTER" ] || deadline=$((SECONDS + DEMO_EXIT_AFTER))
  while :; do
    devrouter_pid >/dev/null || die "the devrouter stopped (see $DEMO_STATE/logs/devrouter.log)"
    daemon_pid >/dev/null || die "lanvpnd stopped (see $DEMO_STATE/logs/daemon.log)"
    if [ -n "$deadline" ] && [ "$SECONDS" -ge "$deadline" ]; then
      log "[+] demo: DEMO_EXIT_AFTER=$DEMO_EXIT_AFTER reached"
      return 0
    fi
    sleep 1 &
    wait $! || true
  done
}

stop_all() {
  local rc=$?
  [ "$STOPPING" = 0 ] || return 0
  STOPPING=1
  set +e
  trap - INT TERM
  log "[+] demo: tearing down"
  stop_recorded devrouter 'devrouter/server.mjs' 5
  stop_recorded daemon 'lanvpn.js daemon' 10
  LAB=$LAB "$LAB_SH" down
  remove_prefix
  rmdir "$DEMO_STATE/pids" 2>/dev/null
  log "[+] demo: stopped (logs kept in $DEMO_STATE/logs)"
  exit "$rc"
}

main() {
  # Started in the background, bash gets INT ignored and may not trap it: run again with INT and
  # TERM at their defaults (GNU env), so Ctrl-C and kill -INT tear the demo down.
  if [ -z "${DEMO_SIGNALS_RESET:-}" ] && env --default-signal=INT true 2>/dev/null; then
    DEMO_SIGNALS_RESET=1 exec env --default-signal=INT,TERM bash "${BASH_SOURCE[0]}" "$@"
  fi
  check_prerequisites
  make_state
  clean_previous
  check_port_free
  reset_logs
  trap stop_all EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  start_lab
  make_prefix
  start_daemon
  wait_for_status
  start_devrouter
  make_command
  print_banner
  run_until_stopped
}

# One line, so bash has read all of it before running: editing this file mid-demo is harmless.
main "$@"; exit $?
