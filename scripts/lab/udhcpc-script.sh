#!/bin/sh
# busybox udhcpc script for the lab's LAN devices: applies the lease to $interface with `ip` and
# records it as $LAB_STATE/lease-$LAB_DEVICE.env (read by test/e2e/lab.ts deviceIp()).
# udhcpc passes: $1 = deconfig|bound|renew|leasefail|nak, and $ip $mask $router $dns $lease.
set -u

case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound | renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    for gw in ${router:-}; do
      ip route replace default via "$gw" dev "$interface"
      break
    done
    if [ -n "${LAB_NS:-}" ] && [ -d "/etc/netns/$LAB_NS" ]; then
      : >"/etc/netns/$LAB_NS/resolv.conf"
      for ns in ${dns:-}; do echo "nameserver $ns" >>"/etc/netns/$LAB_NS/resolv.conf"; done
    fi
    if [ -n "${LAB_STATE:-}" ] && [ -n "${LAB_DEVICE:-}" ]; then
      printf 'ip=%s\nmask=%s\nrouter=%s\ndns=%s\nlease=%s\n' \
        "$ip" "$mask" "${router:-}" "${dns:-}" "${lease:-}" >"$LAB_STATE/lease-$LAB_DEVICE.env"
    fi
    ;;
  leasefail | nak)
    echo "udhcpc: $1 on $interface" >&2
    ;;
esac
exit 0
