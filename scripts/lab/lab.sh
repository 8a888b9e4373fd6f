#!/usr/bin/env bash
# The lanvpn lab: a home network in network namespaces (see docs/lab.md).
#
#   laptop  tv  console        LAN devices, one namespace each, eth0 = 02:00:00:00:50:0N, DHCP + SLAAC
#       \    |    /
#   [ br-lan 192.168.50.1/24 fd50::1/64 ]  router: dnsmasq (DHCP/RA/DNS, router.lan), table inet fw4 (NAT on wan)
#            |                              [ br-lan2 192.168.2.1/24 fd02::1/64 ] ── nas 192.168.2.10 fd02::10  (lan2)
#            | wan 198.51.100.2/24 2001:db8:100::2/64 (+ 192.168.100.2/24 with modem)
#            |
#          [ modem: br-modem 192.168.100.1/24, bridges cpe ── isp ]                             (modem)
#            |
#            | to-router 198.51.100.1/24 2001:db8:100::1/64
#          inet  lo: 192.0.2.1 (echo) 192.0.2.2 (API, HTTPS) 192.0.2.53 (DNS) 192.0.2.54 (smart DNS) 2001:db8:2::1 (echo v6)
#                    192.0.2.11 / .12 / .13 / .101 (echo as bank.example, www.bank.example,
#                    stream.example, and a nameless CIDR target; v6 2001:db8:2::11 / ::12 / ::13 / ::101)
#            | br-inet 203.0.113.1/24 2001:db8:113::1/64
#       +----+-----------------------+---------------------------+---------------------------+
#      vpn 203.0.113.10            vpn2 203.0.113.20            vpn3 203.0.113.40            ovpn 203.0.113.30
#      ${LAB}srv 10.64.0.1/24      ${LAB}srv2 10.65.0.1/24      ${LAB}srv3 10.67.0.1/24      ovpnsrv 10.66.0.1/24
#      (wireguard-go, :51820, NAT out, DNS; one client key each)                              (openvpn, udp 1194,
#                                                                                             user/password, NAT out, DNS)
#
# The parts in brackets marked (lan2) and (modem) are there only when LAB_NETWORKS names them:
#   lan2   a second LAN subnet on the router (br-lan2) with one server, nas, static, answering as
#          the echo service does (its log: nas.log); dnsmasq answers nas.lan for it.
#   modem  the ISP's modem in bridge mode: the WAN link runs through it (router wan ── cpe, isp ──
#          inet to-router), and it answers HTTP on its own address 192.168.100.1 (modem.log), which
#          nothing routes: the router reaches it by OpenWrt's modem-access interface, a static
#          192.168.100.2/24 on the WAN device, masqueraded by fw4 like the WAN.
# `up` writes the router's network as OpenWrt would describe it in $LAB_STATE/openwrt/ (network,
# firewall: UCI; netifd.json: for scripts/lab/bin/ubus, LAB_NETIFD).
#
# Usage: lab.sh up|down|status|firewall start|stop|reload|restart [ROOT]|exec <short-ns> <cmd...>
# Env:   LAB (name prefix, default lv), LAB_STATE (default /run/lanvpn-lab/$LAB),
#        LAB_DEVICES (default "laptop tv console"), LAB_NETWORKS (default none; "lan2 modem"),
#        LAB_WAIT_S (DHCP/SLAAC wait, default 15)
set -Eeuo pipefail

LAB=${LAB:-lv}
LAB_STATE=${LAB_STATE:-/run/lanvpn-lab/$LAB}
LAB_DEVICES=${LAB_DEVICES:-laptop tv console}
LAB_NETWORKS=${LAB_NETWORKS:-}
LAB_WAIT_S=${LAB_WAIT_S:-15}
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Fixed namespaces besides the devices; vpn2 is the failover server, vpn3 a fourth location (so
# four device groups can each have their own server at once).
INFRA_NS="router inet vpn vpn2 vpn3 ovpn"

# True when LAB_NETWORKS names network $1.
has_network() { case " $LAB_NETWORKS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# The namespaces LAB_NETWORKS adds: nas for lan2, modem for modem.
extra_namespaces() {
  if has_network lan2; then echo nas; fi
  if has_network modem; then echo modem; fi
}

log() { printf '%s\n' "$*" >&2; }
die() { log "[!] $*"; exit 1; }

# Runs a command in lab namespace $1 (short name, or "host"), logging it first.
in_ns() {
  local ns=$1
  shift
  log "[+] NS $ns: $*"
  if [ "$ns" = host ]; then "$@"; else ip netns exec "$LAB-$ns" "$@"; fi
}

# Like in_ns for `ip` itself; `ip -n` skips the mount-namespace setup of `ip netns exec`.
ip_ns() {
  local ns=$1
  shift
  log "[+] NS $ns: ip $*"
  ip -n "$LAB-$ns" "$@"
}

check_names() {
  [[ $LAB =~ ^[a-z][a-z0-9]*$ ]] || die "LAB='$LAB': use lowercase letters and digits"
  # wireguard-go names ${LAB}srv3 / ${LAB}tst must fit IFNAMSIZ (15) and be unique machine-wide.
  local ns dev net
  for net in $LAB_NETWORKS; do
    case $net in lan2 | modem) ;; *) die "LAB_NETWORKS: unknown network '$net' (lan2, modem)" ;; esac
  done
  for ns in $INFRA_NS $(extra_namespaces) $LAB_DEVICES; do
    [ ${#ns} -le 11 ] || die "device name '$ns' is longer than 11 characters (veth lan-$ns)"
    [ $((${#LAB} + 1 + ${#ns})) -le 15 ] || die "namespace '$LAB-$ns' is longer than 15 characters"
  done
  for dev in $LAB_DEVICES; do
    case " $INFRA_NS $(extra_namespaces | tr '\n' ' ') " in
      *" $dev "*) die "device name '$dev' is taken by an infrastructure namespace" ;;
    esac
  done
}

check_tools() {
  local tool
  for tool in ip nft wg wireguard-go dnsmasq busybox node openvpn openssl; do
    command -v "$tool" >/dev/null ||
      die "missing $tool (apt-get install -y wireguard-go wireguard-tools nftables iproute2 dnsmasq-base busybox openvpn openssl)"
  done
  [ "$(id -u)" = 0 ] || die "the lab needs root"
}

# Starts a long-running process in a namespace, recording its pid as $LAB_STATE/pids/<name>.
# The process must not fork: `ip netns exec` execs, so $! is the daemon itself.
start_daemon() {
  local name=$1 ns=$2
  shift 2
  log "[+] NS $ns: $* &"
  ip netns exec "$LAB-$ns" "$@" </dev/null >>"$LAB_STATE/logs/$name.log" 2>&1 &
  echo $! >"$LAB_STATE/pids/$name"
}

# The last lines of daemon log $1, for error messages (the state dir goes away with the lab).
log_tail() { tail -n 3 "$LAB_STATE/logs/$1.log" 2>/dev/null | tr '\n' ' '; }

# Waits until `$2...` succeeds, for at most $1 tenths of a second.
wait_for() {
  local tries=$1
  shift
  while ! "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ $tries -gt 0 ] || return 1
    sleep 0.1
  done
}

make_state() {
  log "[+] NS host: mkdir -p $LAB_STATE"
  mkdir -p "$LAB_STATE"/{pids,logs,keys}
  chmod 700 "$LAB_STATE"
  # down_lab deletes the state dir only when it carries this marker, never an arbitrary LAB_STATE.
  echo "$LAB" >"$LAB_STATE/.lanvpn-lab"
}

make_namespaces() {
  local ns
  for ns in $INFRA_NS $(extra_namespaces) $LAB_DEVICES; do
    in_ns host ip netns add "$LAB-$ns"
    ip_ns "$ns" link set lo up
    # No DAD: static and SLAAC addresses are usable at once, which keeps `up` fast.
    in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    # Keep every lab namespace off the host's resolver (bind-mounted by `ip netns exec`).
    mkdir -p "/etc/netns/$LAB-$ns"
  done
  printf 'nameserver 127.0.0.1\n' >"/etc/netns/$LAB-router/resolv.conf"
  for ns in inet vpn vpn2 vpn3; do printf 'nameserver 192.0.2.53\n' >"/etc/netns/$LAB-$ns/resolv.conf"; done
  if has_network lan2; then printf 'nameserver 192.168.2.1\n' >"/etc/netns/$LAB-nas/resolv.conf"; fi
  # The modem resolves nothing (nothing listens on its 127.0.0.1).
  if has_network modem; then printf 'nameserver 127.0.0.1\n' >"/etc/netns/$LAB-modem/resolv.conf"; fi
}

make_inet() {
  in_ns inet sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  # The service addresses live on lo: this kernel has no dummy driver ("Unknown device type").
  local addr
  for addr in 192.0.2.1/32 192.0.2.2/32 192.0.2.53/32 192.0.2.54/32 $(echo_hosts 4); do
    ip_ns inet addr add "$addr" dev lo
  done
  for addr in 2001:db8:2::1/128 $(echo_hosts 6); do ip_ns inet addr add "$addr" dev lo nodad; done
  # A bridge without a set MAC takes its lowest port's and changes it as ports are added: a peer
  # that learnt the old one sends to a MAC nobody owns until the next RA (seen: a first IPv6
  # connection timed out). netifd gives OpenWrt's bridges a fixed MAC too.
  ip_ns inet link add br-inet address 02:00:00:00:71:01 type bridge forward_delay 0
  ip_ns inet link set br-inet up
  ip_ns inet addr add 203.0.113.1/24 dev br-inet
  ip_ns inet addr add 2001:db8:113::1/64 dev br-inet nodad
  # inet's DNS: answers lab.test and tells who answered (TXT whoami.lab.test), forwards nothing.
  dnsmasq_simple inet 192.0.2.53 inet
}

# The echo service's addresses besides 192.0.2.1 and 2001:db8:2::1, as /32 or /128 ($1: 4 or 6):
# what the example names point at (see EXAMPLE_NAMES), and .101, in no name, for a CIDR rule.
echo_hosts() {
  local h
  for h in 11 12 13 101; do
    if [ "$1" = 4 ]; then echo "192.0.2.$h/32"; else echo "2001:db8:2::$h/128"; fi
  done
}

# The names every lab resolver (inet's and each VPN server's, which a vpn device asks) answers
# besides lab.test, as dnsmasq --address options: a name covers its subdomains unless a longer one
# says otherwise, so www.bank.example has an address of its own, as a CDN's host would.
EXAMPLE_NAMES=(
  --address=/bank.example/192.0.2.11 --address=/bank.example/2001:db8:2::11
  --address=/www.bank.example/192.0.2.12 --address=/www.bank.example/2001:db8:2::12
  --address=/stream.example/192.0.2.13 --address=/stream.example/2001:db8:2::13
)

make_router() {
  in_ns router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  if has_network modem; then
    make_modem
  else
    ip_ns router link add wan type veth peer name to-router netns "$LAB-inet"
  fi
  ip_ns router addr add 198.51.100.2/24 dev wan
  ip_ns router addr add 2001:db8:100::2/64 dev wan nodad
  ip_ns router link set wan up
  ip_ns inet addr add 198.51.100.1/24 dev to-router
  ip_ns inet addr add 2001:db8:100::1/64 dev to-router nodad
  ip_ns inet link set to-router up
  ip_ns router route add default via 198.51.100.1
  ip_ns router -6 route add default via 2001:db8:100::1
  # OpenWrt's modem access: a static interface on the WAN device in the modem's subnet (added after
  # the WAN's address, so that the WAN's stays the first on the device, as lanvpn reads it here).
  if has_network modem; then ip_ns router addr add 192.168.100.2/24 dev wan; fi
  ip_ns router link add br-lan address 02:00:00:00:50:fe type bridge forward_delay 0
  ip_ns router addr add 192.168.50.1/24 dev br-lan
  ip_ns router addr add fd50::1/64 dev br-lan nodad
  ip_ns router link set br-lan up
  if has_network lan2; then make_lan2; fi
  render_fw4 >"$LAB_STATE/fw4.nft"
  in_ns router nft -f "$LAB_STATE/fw4.nft"
  start_router_dnsmasq
}

# The modem in bridge mode: the WAN link runs through it at layer 2 (router wan ── cpe
# [br-modem] isp ── inet to-router), so the router and inet see each other as before. Its own
# page is on br-modem 192.168.100.1/24; it forwards no IP and has no route beyond that subnet, so
# only the WAN segment can reach it, never the internet or a VPN server. IPv4 only.
make_modem() {
  in_ns modem sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip_ns router link add wan type veth peer name cpe netns "$LAB-modem"
  ip_ns modem link add isp type veth peer name to-router netns "$LAB-inet"
  # A fixed MAC (see make_inet), and no multicast snooping: IPv6 neighbour discovery between the
  # router and inet must cross the bridge without a querier.
  ip_ns modem link add br-modem address 02:00:00:00:64:fe type bridge forward_delay 0 \
    mcast_snooping 0
  ip_ns modem link set cpe master br-modem up
  ip_ns modem link set isp master br-modem up
  ip_ns modem addr add 192.168.100.1/24 dev br-modem
  ip_ns modem link set br-modem up
}

# The second LAN subnet: br-lan2 on the router and the nas, a server with static addresses
# (192.168.2.10, fd02::10, MAC 02:00:00:00:02:0a) that dnsmasq names nas.lan.
make_lan2() { add_subnet_host br-lan2 lan2-nas nas 192.168.2 fd02 02:00:00:00:02:0a; }

# A LAN bridge $1 of the router with one host on it, lab namespace $3, by the router's veth $2:
# the bridge $4.1/24 $5::1/64 (its MAC $6's with :fe last), the host's eth0 $4.10/24 $5::10/64
# (static, MAC $6), the router its default gateway.
add_subnet_host() {
  local br=$1 port=$2 ns=$3 v4=$4 v6=$5 mac=$6
  ip_ns router link add "$br" address "${mac%:*}:fe" type bridge forward_delay 0
  ip_ns router addr add "$v4.1/24" dev "$br"
  ip_ns router addr add "$v6::1/64" dev "$br" nodad
  ip_ns router link set "$br" up
  ip_ns router link add "$port" type veth peer name eth0 address "$mac" netns "$LAB-$ns"
  ip_ns router link set "$port" master "$br" up
  ip_ns "$ns" link set eth0 up
  ip_ns "$ns" addr add "$v4.10/24" dev eth0
  ip_ns "$ns" addr add "$v6::10/64" dev eth0 nodad
  ip_ns "$ns" route add default via "$v4.1"
  ip_ns "$ns" -6 route add default via "$v6::1"
}

# Emulates OpenWrt's fw4 (which owns `table inet fw4` and reloads it by flushing it): forward
# accepted, LAN masqueraded on wan. Unlike fw4's default, IPv6 is masqueraded too (masq6), because
# the lab LAN only has the ULA fd50::/64 and inet has no route back to it.
render_fw4() {
  cat <<'EOF'
table inet fw4
flush table inet fw4
table inet fw4 {
  chain forward {
    type filter hook forward priority filter; policy accept;
  }
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" jump srcnat_wan
  }
  chain srcnat_wan {
    masquerade
  }
}
EOF
}

# OpenWrt's dnsmasq for its `lan` domain: DHCP names (laptop.lan), the router's own name, and a
# static host for the nas (what /etc/config/dhcp's `config domain` gives).
start_router_dnsmasq() {
  local lan2=()
  if has_network lan2; then
    lan2=(--interface=br-lan2 --host-record=nas.lan,nas,192.168.2.10,fd02::10)
  fi
  in_ns router dnsmasq --conf-file=/dev/null --no-hosts --no-resolv --server=192.0.2.53 \
    --interface=br-lan --interface=lo --bind-interfaces --user=root --group=root \
    --pid-file="$LAB_STATE/pids/dnsmasq-router" --log-facility="$LAB_STATE/logs/dnsmasq-router.log" \
    --dhcp-leasefile="$LAB_STATE/dhcp.leases" --dhcp-authoritative --no-ping --log-dhcp \
    --dhcp-range=192.168.50.100,192.168.50.199,255.255.255.0,12h \
    --enable-ra --ra-param=br-lan,high,3 --dhcp-range=fd50::,ra-stateless,64,12h \
    --domain=lan --local=/lan/ --host-record=router.lan,router,192.168.50.1,fd50::1 \
    "${lan2[@]}" </dev/null
}

# A DNS-only dnsmasq on $2 (and $4) in namespace $1: lab.test and EXAMPLE_NAMES are the echo
# service (A and AAAA), TXT whoami.lab.test names the answering server ($3), anything else is
# REFUSED (no upstream).
dnsmasq_simple() {
  local ns=$1 addr=$2 who=$3
  in_ns "$ns" dnsmasq --conf-file=/dev/null --no-hosts --no-resolv --bind-interfaces \
    --listen-address="$addr" ${4:+--listen-address="$4"} --user=root --group=root \
    --pid-file="$LAB_STATE/pids/dnsmasq-$ns" --log-facility="$LAB_STATE/logs/dnsmasq-$ns.log" \
    --address=/lab.test/192.0.2.1 --address=/lab.test/2001:db8:2::1 "${EXAMPLE_NAMES[@]}" \
    --txt-record=whoami.lab.test,"$who" </dev/null
}

# make_vpn <short-ns> <server addr> <tunnel /24 prefix, e.g. 10.64.0> <v6 tunnel prefix> <wg name>
make_vpn() {
  local ns=$1 addr=$2 net=$3 net6=$4 wg=$5 key=$LAB_STATE/keys/$1
  in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  ip_ns inet link add "to-$ns" type veth peer name eth0 netns "$LAB-$ns"
  ip_ns inet link set "to-$ns" master br-inet up
  ip_ns "$ns" addr add "$addr/24" dev eth0
  ip_ns "$ns" addr add "2001:db8:113::${addr##*.}/64" dev eth0 nodad
  ip_ns "$ns" link set eth0 up
  ip_ns "$ns" route add default via 203.0.113.1
  ip_ns "$ns" -6 route add default via 2001:db8:113::1
  (umask 077 && wg genkey >"$key-server.key" && wg genkey >"$key-client.key")
  wg pubkey <"$key-server.key" >"$key-server.pub"
  wg pubkey <"$key-client.key" >"$key-client.pub"
  # wireguard-go's socket lives in the shared /var/run/wireguard: the name must be machine-unique.
  [ ! -S "/var/run/wireguard/$wg.sock" ] ||
    die "/var/run/wireguard/$wg.sock exists: another lab named $LAB?"
  start_daemon "wg-$ns" "$ns" wireguard-go -f "$wg"
  wait_for 50 test -S "/var/run/wireguard/$wg.sock" ||
    die "wireguard-go $wg did not start: $(log_tail "wg-$ns")"
  in_ns "$ns" wg set "$wg" listen-port 51820 private-key "$key-server.key" \
    peer "$(cat "$key-client.pub")" allowed-ips "$net.2/32,$net6::2/128"
  ip_ns "$ns" addr add "$net.1/24" dev "$wg"
  ip_ns "$ns" addr add "$net6::1/64" dev "$wg" nodad
  ip_ns "$ns" link set "$wg" up
  render_vpn_nat "$net" "$net6" | in_ns "$ns" nft -f -
  dnsmasq_simple "$ns" "$net.1" "$ns" "$net6::1"
  render_client_conf "$ns" "$addr" "$net" "$net6" >"$LAB_STATE/client-$ns.conf"
  chmod 600 "$LAB_STATE/client-$ns.conf"
}

# The VPN server's NAT: tunnel clients leave by eth0 as the server's own address.
render_vpn_nat() {
  cat <<EOF
table inet lanlab_nat {
  chain masquerade_tunnel {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "eth0" ip saddr $1.0/24 masquerade
    oifname "eth0" ip6 saddr $2::/64 masquerade
  }
}
EOF
}

# The client config a provider would issue for this server.
render_client_conf() {
  local ns=$1 addr=$2 net=$3 net6=$4 key=$LAB_STATE/keys/$1
  cat <<EOF
[Interface]
PrivateKey = $(cat "$key-client.key")
Address = $net.2/32, $net6::2/128
DNS = $net.1

[Peer]
PublicKey = $(cat "$key-server.pub")
Endpoint = $addr:51820
AllowedIPs = 0.0.0.0/0, ::/0
PersistentKeepalive = 25
EOF
}

# The OpenVPN server a provider would run: 203.0.113.30, UDP 1194, tun ovpnsrv 10.66.0.1/24, NAT
# out, a resolver on 10.66.0.1 (TXT whoami.lab.test = ovpn). Certificates from a lab CA, a
# tls-crypt key, and a user name and password the server checks with a script (the SERVER's
# config runs it; a client profile must never). Writes the provider-style client-ovpn.ovpn.
make_ovpn() {
  local ns=ovpn addr=203.0.113.30 dir=$LAB_STATE/ovpn
  in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1
  ip_ns inet link add "to-$ns" type veth peer name eth0 netns "$LAB-$ns"
  ip_ns inet link set "to-$ns" master br-inet up
  ip_ns "$ns" addr add "$addr/24" dev eth0
  ip_ns "$ns" link set eth0 up
  ip_ns "$ns" route add default via 203.0.113.1
  make_ovpn_pki "$dir"
  render_ovpn_server "$dir" "$addr" >"$dir/server.conf"
  start_daemon ovpn-server "$ns" openvpn --config "$dir/server.conf"
  wait_for 100 ovpn_ready || die "openvpn server did not start: $(log_tail ovpn-server)"
  render_vpn_nat 10.66.0 fd66 | in_ns "$ns" nft -f -
  dnsmasq_simple "$ns" 10.66.0.1 "$ns"
  render_ovpn_client "$dir" "$addr" >"$LAB_STATE/client-ovpn.ovpn"
  chmod 600 "$LAB_STATE/client-ovpn.ovpn"
}

ovpn_ready() { ip -n "$LAB-ovpn" -4 addr show dev ovpnsrv 2>/dev/null | grep -q 'inet 10.66.0.1/'; }

# A lab CA, server and client certificates (EC P-256: fast), a tls-crypt key, the credentials
# (labuser and a random password, in $1/credentials) and the server's check script.
make_ovpn_pki() {
  local dir=$1 who eku
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3)
  mkdir -p "$dir/tmp"
  chmod 700 "$dir"
  log "[+] NS host: openssl: lab CA, server and client certificates in $dir"
  openssl req -x509 "${ec[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" -subj "/CN=lanvpn lab CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  for who in server client; do
    if [ $who = server ]; then eku=serverAuth; else eku=clientAuth; fi
    openssl req "${ec[@]}" -keyout "$dir/$who.key" -out "$dir/$who.csr" -subj "/CN=lab-$who" 2>/dev/null
    openssl x509 -req -in "$dir/$who.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
      -days 3 -out "$dir/$who.pem" -extfile <(printf '%s\n' basicConstraints=CA:FALSE \
        keyUsage=critical,digitalSignature,keyAgreement "extendedKeyUsage=$eku") 2>/dev/null
  done
  in_ns host openvpn --genkey secret "$dir/tls-crypt.key"
  (umask 077 && printf 'labuser\n%s\n' "$(openssl rand -hex 12)" >"$dir/credentials")
  # auth-user-pass-verify via-file: $1 holds "user\npassword\n", exactly as credentials does.
  printf '#!/bin/sh\nexec cmp -s "$1" %s\n' "$dir/credentials" >"$dir/verify.sh"
  chmod 700 "$dir/verify.sh"
}

render_ovpn_server() {
  local dir=$1 addr=$2
  cat <<EOF
local $addr
port 1194
proto udp
dev ovpnsrv
dev-type tun
topology subnet
server 10.66.0.0 255.255.255.0
ca $dir/ca.pem
cert $dir/server.pem
key $dir/server.key
dh none
tls-crypt $dir/tls-crypt.key
keepalive 2 10
persist-key
persist-tun
push "dhcp-option DNS 10.66.0.1"
script-security 2
auth-user-pass-verify $dir/verify.sh via-file
tmp-dir $dir/tmp
verb 3
EOF
}

# What a provider hands out: inline certificates and keys, auth-user-pass, and the lines lanvpn's
# import must refuse or neutralise (scripts, script-security, redirect-gateway).
render_ovpn_client() {
  local dir=$1 addr=$2
  cat <<EOF
# lanvpn lab provider profile
client
dev tun
proto udp
remote $addr 1194
resolv-retry infinite
nobind
persist-key
persist-tun
remote-cert-tls server
auth-user-pass
dhcp-option DNS 10.66.0.1
redirect-gateway def1
script-security 2
up /etc/openvpn/update-resolv-conf
down /etc/openvpn/update-resolv-conf
verb 3
<ca>
$(cat "$dir/ca.pem")
</ca>
<cert>
$(cat "$dir/client.pem")
</cert>
<key>
$(cat "$dir/client.key")
</key>
<tls-crypt>
$(cat "$dir/tls-crypt.key")
</tls-crypt>
EOF
}

# The echo service in inet (echo.log): 192.0.2.1 tcp 80 and 3075, udp 9000 and 3075 (a console's
# game port, for port rules), and tcp 80 on every echo_hosts address; with lan2 the same service
# on the nas (nas.log), with modem the modem's page (modem.log). All start at once.
start_echo() {
  local listen=(--tcp 192.0.2.1:80 --tcp '[2001:db8:2::1]:80' --udp 192.0.2.1:9000
    --tcp 192.0.2.1:3075 --udp 192.0.2.1:3075) addr names=(echo)
  for addr in $(echo_hosts 4); do listen+=(--tcp "${addr%/*}:80"); done
  for addr in $(echo_hosts 6); do listen+=(--tcp "[${addr%/*}]:80"); done
  start_echo_at echo inet "${listen[@]}"
  if has_network lan2; then
    start_echo_at nas nas --tcp 192.168.2.10:80 --tcp '[fd02::10]:80' --udp 192.168.2.10:9000
    names+=(nas)
  fi
  if has_network modem; then
    start_echo_at modem modem --tcp 192.168.100.1:80
    names+=(modem)
  fi
  local name pid
  for name in "${names[@]}"; do
    pid=echo-$name
    [ "$name" != echo ] || pid=echo
    wait_for 100 test -e "$LAB_STATE/$name.ready" ||
      die "echo server $name did not start: $(log_tail "$pid")"
  done
}

# start_echo_at <service> <short-ns> <listen options...>: an echo-server.mjs whose requests go to
# $service.log; its pid is pids/echo (inet's) or pids/echo-<service>.
start_echo_at() {
  local service=$1 ns=$2 pid=echo
  shift 2
  [ "$service" = echo ] || pid=echo-$service
  start_daemon "$pid" "$ns" node "$LAB_DIR/echo-server.mjs" --log "$LAB_STATE/$service.log" \
    --ready "$LAB_STATE/$service.ready" "$@"
}

# The MediaStreamer provider on 192.0.2.2:443 (HTTPS with a lab CA: $LAB_STATE/provider/ca.pem,
# for CURL_CA_BUNDLE; requests in provider/requests.jsonl) and its smart DNS on 192.0.2.54, which
# answers stream.lab.test (see provider-fixture.mjs).
start_provider() {
  mkdir -p "$LAB_STATE/provider"
  start_daemon provider inet node "$LAB_DIR/provider-fixture.mjs" --dir "$LAB_STATE/provider" \
    --listen 192.0.2.2:443 --san 192.0.2.2 --ready "$LAB_STATE/provider.ready"
  wait_for 200 test -e "$LAB_STATE/provider.ready" || die "provider fixture did not start: $(log_tail provider)"
  in_ns inet dnsmasq --conf-file=/dev/null --no-hosts --no-resolv --bind-interfaces \
    --listen-address=192.0.2.54 --user=root --group=root \
    --pid-file="$LAB_STATE/pids/dnsmasq-smartdns" --log-facility="$LAB_STATE/logs/dnsmasq-smartdns.log" \
    --address=/stream.lab.test/192.0.2.80 </dev/null
}

# The router's network as OpenWrt describes it, in $LAB_STATE/openwrt/: `network` and `firewall`
# (UCI, what /etc/config/ would hold: the LAN side is every network of a zone without masq, as
# lanvpn reads it) and netifd.json, what netifd would report for each interface, for the lab's
# ubus stand-in (LAB_NETIFD=$LAB_STATE/openwrt/netifd.json, scripts/lab/bin on PATH). The WAN is
# static here (a DHCP lease would give netifd the same address, mask and gateway).
write_openwrt_config() {
  local dir=$LAB_STATE/openwrt
  mkdir -p "$dir"
  render_uci_network >"$dir/network"
  render_uci_firewall >"$dir/firewall"
  render_netifd_json >"$dir/netifd.json"
}

render_uci_network() {
  printf "config interface 'lan'\n\toption device 'br-lan'\n\toption proto 'static'\n"
  printf "\toption ipaddr '192.168.50.1'\n\toption netmask '255.255.255.0'\n\toption ip6assign '64'\n\n"
  if has_network lan2; then
    printf "config interface 'lan2'\n\toption device 'br-lan2'\n\toption proto 'static'\n"
    printf "\toption ipaddr '192.168.2.1'\n\toption netmask '255.255.255.0'\n\toption ip6addr 'fd02::1/64'\n\n"
  fi
  printf "config interface 'wan'\n\toption device 'wan'\n\toption proto 'static'\n"
  printf "\toption ipaddr '198.51.100.2'\n\toption netmask '255.255.255.0'\n\toption gateway '198.51.100.1'\n\n"
  printf "config interface 'wan6'\n\toption device 'wan'\n\toption proto 'static'\n"
  printf "\toption ip6addr '2001:db8:100::2/64'\n\toption ip6gw '2001:db8:100::1'\n"
  if has_network modem; then
    printf "\nconfig interface 'modem'\n\toption device 'wan'\n\toption proto 'static'\n"
    printf "\toption ipaddr '192.168.100.2'\n\toption netmask '255.255.255.0'\n"
  fi
}

render_uci_firewall() {
  # As OpenWrt ships it: the defaults' input REJECT, the lan zone's ACCEPT.
  printf "config defaults\n\toption input 'REJECT'\n\toption forward 'REJECT'\n\n"
  printf "config zone\n\toption name 'lan'\n\tlist network 'lan'\n"
  if has_network lan2; then printf "\tlist network 'lan2'\n"; fi
  printf "\toption input 'ACCEPT'\n"
  printf "\nconfig zone\n\toption name 'wan'\n\tlist network 'wan'\n\tlist network 'wan6'\n"
  if has_network modem; then printf "\tlist network 'modem'\n"; fi
  printf "\toption masq '1'\n"
}

# interface → device, or → { device, ipv4, ipv6, gateway, gateway6 } for an interface whose
# addresses and default route netifd would report (see netifd-ubus.mjs): each of the lab's own,
# so that the dump names every network the router is on, as netifd's does.
render_netifd_json() {
  local lan2='' modem=''
  if has_network lan2; then
    lan2='"lan2": { "device": "br-lan2", "ipv4": ["192.168.2.1/24"], "ipv6": ["fd02::1/64"] }, '
  fi
  if has_network modem; then modem=', "modem": { "device": "wan", "ipv4": ["192.168.100.2/24"] }'; fi
  printf '{ "lan": { "device": "br-lan", "ipv4": ["192.168.50.1/24"], "ipv6": ["fd50::1/64"] }, %s' "$lan2"
  printf '"wan": { "device": "wan", "ipv4": ["198.51.100.2/24"], "gateway": "198.51.100.1" }, '
  printf '"wan6": { "device": "wan", "ipv6": ["2001:db8:100::2/64"], "gateway6": "2001:db8:100::1" }%s }\n' "$modem"
}

make_devices() {
  local n=0 dev mac
  for dev in $LAB_DEVICES; do
    n=$((n + 1))
    mac=$(printf '02:00:00:00:50:%02x' "$n")
    ip_ns router link add "lan-$dev" type veth peer name eth0 address "$mac" netns "$LAB-$dev"
    ip_ns router link set "lan-$dev" master br-lan up
    in_ns "$dev" sysctl -qw net.ipv6.conf.all.accept_ra=1 net.ipv6.conf.default.accept_ra=1
    ip_ns "$dev" link set eth0 up
  done
  local pids=() failed=0 pid
  for dev in $LAB_DEVICES; do
    lease_device "$dev" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ $failed = 0 ] ||
    die "a LAN device got no DHCP lease within ${LAB_WAIT_S}s: $(log_tail dnsmasq-router)"
  for dev in $LAB_DEVICES; do
    wait_for $((LAB_WAIT_S * 10)) has_slaac "$dev" ||
      die "device $dev got no SLAAC address in fd50::/64 within ${LAB_WAIT_S}s"
  done
}

# One DHCP exchange; the udhcpc script applies the lease with `ip` and records it in the state dir.
lease_device() {
  local dev=$1
  log "[+] NS $dev: busybox udhcpc -i eth0 -q -n -f -x hostname:$dev -s udhcpc-script.sh"
  ip netns exec "$LAB-$dev" env LAB_STATE="$LAB_STATE" LAB_NS="$LAB-$dev" LAB_DEVICE="$dev" \
    busybox udhcpc -i eth0 -q -n -f -t "$LAB_WAIT_S" -T 1 -x "hostname:$dev" \
    -s "$LAB_DIR/udhcpc-script.sh" >>"$LAB_STATE/logs/udhcpc-$dev.log" 2>&1
}

# Ready for IPv6: a SLAAC address past duplicate address detection, the default route from the RA,
# and the router answering. Checking only the address let a first connection time out under load.
has_slaac() {
  ip -n "$LAB-$1" -6 addr show dev eth0 scope global | grep -v tentative | grep -q 'inet6 fd50::' &&
    ip -n "$LAB-$1" -6 route show default | grep -q via &&
    ip netns exec "$LAB-$1" ping -6 -c 1 -W 1 -q fd50::1 >/dev/null 2>&1
}

up_lab() {
  check_names
  check_tools
  down_lab
  trap 'log "[!] up failed at line $LINENO: $BASH_COMMAND"' ERR
  # Any failure (or Ctrl-C) after this point removes everything made so far.
  trap 'rc=$?; [ $rc = 0 ] || { log "[!] tearing down the half-made lab $LAB"; down_lab || true; }' EXIT
  local started=$SECONDS
  make_state
  make_namespaces
  make_inet
  make_router
  make_vpn vpn 203.0.113.10 10.64.0 fd64 "${LAB}srv"
  make_vpn vpn2 203.0.113.20 10.65.0 fd65 "${LAB}srv2"
  make_vpn vpn3 203.0.113.40 10.67.0 fd67 "${LAB}srv3"
  make_ovpn
  start_echo
  start_provider
  write_openwrt_config
  make_devices
  trap - ERR EXIT
  log "[+] lab $LAB up in $((SECONDS - started))s, state in $LAB_STATE"
}

# Kills recorded pids, every process left in a lab namespace, the namespaces and the state dir.
# Quiet and successful when there is nothing to remove.
down_lab() {
  local ns name pid wg
  if [ -d "$LAB_STATE/pids" ]; then
    for name in "$LAB_STATE"/pids/*; do
      [ -f "$name" ] || continue
      pid=$(cat "$name")
      # A recorded pid may have been reused: kill it only if it is still one of the lab's daemons.
      if is_lab_process "$pid"; then kill_pid "$pid"; fi
    done
  fi
  for ns in $(list_namespaces); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill_pid "$pid"; done
  done
  for wg in "${LAB}srv" "${LAB}srv2" "${LAB}srv3" "${LAB}tst"; do
    if [ -e "/var/run/wireguard/$wg.sock" ]; then in_ns host rm -f "/var/run/wireguard/$wg.sock"; fi
  done
  for ns in $(list_namespaces); do
    in_ns host ip netns del "$ns"
  done
  for ns in /etc/netns/"$LAB"-*; do
    if [[ ${ns##*/} =~ ^$LAB-[a-z0-9]+$ ]] && [ -d "$ns" ]; then rm -rf "$ns"; fi
  done
  rmdir /etc/netns 2>/dev/null || true
  if [ -f "$LAB_STATE/.lanvpn-lab" ]; then
    in_ns host rm -rf "$LAB_STATE"
  elif [ -d "$LAB_STATE" ]; then
    log "[!] leaving $LAB_STATE: it has no .lanvpn-lab marker"
  fi
  rmdir "$(dirname "$LAB_STATE")" 2>/dev/null || true
}

# True when pid runs a command line naming this lab's state dir or wireguard-go interfaces.
is_lab_process() {
  local cmdline
  cmdline=$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null) || return 1
  [[ $cmdline == *"$LAB_STATE"* || $cmdline =~ wireguard-go\ -f\ ${LAB}(srv|srv2|srv3|tst)\  ]]
}

# The lab's namespaces that exist, including devices of an earlier LAB_DEVICES.
list_namespaces() {
  # LAB=lv must not match lvdemo's namespaces: those look like lvdemo-router, not lv-router.
  ip netns list | awk '{print $1}' | grep -E "^$LAB-[a-z0-9]+$" || true
}

# SIGTERM, then SIGKILL after 2 s; a pid that is already gone is fine.
kill_pid() {
  local pid=$1 i
  [[ $pid =~ ^[0-9]+$ ]] && is_running "$pid" || return 0
  log "[+] NS host: kill $pid ($({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-80))"
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 40); do
    is_running "$pid" || return 0
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null || true
}

# True while pid exists and is not a zombie. Daemons outlive lab.sh and are reparented to PID 1,
# which may reap them late (here about once a second), so `kill -0` alone would wait for that.
is_running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

status_lab() {
  local ns name pid
  if [ -z "$(list_namespaces)" ]; then
    echo "lab $LAB: down"
    return 0
  fi
  echo "lab $LAB: state $LAB_STATE"
  for ns in $(list_namespaces); do
    echo "== $ns"
    ip -n "$ns" -brief addr show | grep -v '^lo ' | sed 's/^/  /'
  done
  echo "== pids"
  for name in "$LAB_STATE"/pids/*; do
    [ -f "$name" ] || continue
    pid=$(cat "$name")
    if is_running "$pid"; then echo "  ${name##*/} $pid running"; else echo "  ${name##*/} $pid gone"; fi
  done
  if [ -f "$LAB_STATE/dhcp.leases" ]; then
    echo "== leases"
    sed 's/^/  /' "$LAB_STATE/dhcp.leases"
  fi
}

# The router's firewall as fw4 runs it (openwrt/firewall4, run against the real one): `start`,
# `reload` and `restart` load fw4's own table and, in the same `nft -f` transaction after it,
# every include of <ROOT>/usr/share/nftables.d/ruleset-post/ in byte order, as fw4's glob lists
# them on the router (musl: no locale), whatever this shell's locale: lanvpn's two, each of which
# deletes and re-creates its table from the saved version over the live one, 90-lanvpn-rules.nft
# (`inet lanvpn_rules`) then 90-lanvpn.nft (`inet lanvpn`, closed); `stop` is `fw4 flush`, which
# deletes every table. ROOT: where the daemon keeps its files (LANVPN_PREFIX).
firewall() {
  local verb=${1:-} root=${2:-}
  [ -f "$LAB_STATE/fw4.nft" ] || die "lab $LAB is not up"
  case $verb in
    stop) in_ns router nft flush ruleset ;;
    start | reload | restart)
      local load=$LAB_STATE/fw4-load.nft inc
      cp "$LAB_STATE/fw4.nft" "$load"
      while IFS= read -r inc; do
        [ -f "$inc" ] && printf 'include "%s"\n' "$inc" >>"$load"
      done < <(printf '%s\n' "$root"/usr/share/nftables.d/ruleset-post/*.nft | LC_ALL=C sort)
      in_ns router nft -f "$load"
      ;;
    *) die "usage: $0 firewall start|stop|reload|restart [ROOT]" ;;
  esac
}

# The LAN moved to another device name, as netifd does when the LAN becomes a VLAN device
# (`br-lan.1` under bridge VLAN filtering). This kernel has neither 802.1Q devices nor bridge VLAN
# filtering, so the bridge itself is renamed: the devices keep their addresses and links.
lan_rename() {
  local name=${1:-}
  [[ $name =~ ^[a-z][a-z0-9.-]{0,14}$ ]] || die "usage: $0 lan-rename NAME"
  local from
  from=$(lan_bridge)
  [ -n "$from" ] || die "lab $LAB has no LAN bridge (is it up?)"
  ip_ns router link set "$from" down
  ip_ns router link set "$from" name "$name"
  ip_ns router link set "$name" up
  # A link that went down loses its IPv6 addresses.
  ip_ns router addr add fd50::1/64 dev "$name" nodad
}

# The router's LAN bridge now: the device with the LAN's address.
lan_bridge() {
  ip -n "$LAB-router" -o -4 addr show to 192.168.50.1 | awk '{ print $2; exit }'
}

# A second LAN bridge (a guest network) with one device, <lab>-guest: br-guest 192.168.60.1/24
# fd60::1/64, the device 192.168.60.10 and fd60::10 (static), MAC 02:00:00:00:60:01. fw4's masq
# on wan covers it as it covers the LAN.
guest_up() {
  [ -f "$LAB_STATE/fw4.nft" ] || die "lab $LAB is not up"
  in_ns host ip netns add "$LAB-guest"
  mkdir -p "/etc/netns/$LAB-guest"
  ip_ns guest link set lo up
  in_ns guest sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  add_subnet_host br-guest lan-guest guest 192.168.60 fd60 02:00:00:00:60:01
}

main() {
  local verb=${1:-}
  [ $# -gt 0 ] && shift
  case $verb in
    up) up_lab ;;
    down) down_lab ;;
    status) status_lab ;;
    firewall) firewall "$@" ;;
    lan-rename) lan_rename "$@" ;;
    guest) guest_up ;;
    exec)
      [ $# -ge 2 ] || die "usage: $0 exec <short-ns> <cmd...>"
      local ns=$1
      shift
      exec ip netns exec "$LAB-$ns" "$@"
      ;;
    *) die "usage: $0 up|down|status|firewall VERB [ROOT]|lan-rename NAME|guest|exec <short-ns> <cmd...>" ;;
  esac
}

main "$@"
