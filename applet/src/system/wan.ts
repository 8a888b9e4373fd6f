// Reads the WAN: netifd's view through ubus on a router; `ip -j addr` where there is no ubus (the
// lab, a plain Linux box), where the netifd interface name is taken as the Linux device name.
import { parseInterfaceStatus, parseIpAddrJson, type WanObservation } from '../core/observe/wan'
import type { Host } from '../host/host'
import { run } from './run'

/** The WAN device and IPv4 address of netifd interface `iface` (e.g. `wan`). Null when neither
 * ubus nor ip knows it. Never throws. One process per call (two without ubus). */
export async function observeWan(host: Host, iface: string): Promise<WanObservation | null> {
  const ubus = await run(host, ['ubus', 'call', `network.interface.${iface}`, 'status'], {
    timeoutMs: 5000,
  })
  if (ubus.code === 0) return parseInterfaceStatus(ubus.stdout)
  // 127: no ubus here. Any other failure (no such interface object) also falls back: the name may
  // be a plain Linux device.
  const ip = await run(host, ['ip', '-j', '-4', 'addr', 'show', 'dev', iface], { timeoutMs: 5000 })
  if (ip.code !== 0) return null
  return parseIpAddrJson(ip.stdout)
}

/** Whether the router has no default route in either family: its WAN is down, so nothing out
 * there (a VPN server, a DNS server) can answer. Two processes; a failing `ip` reads as "has one". */
export async function hasNoDefaultRoute(host: Host): Promise<boolean> {
  for (const family of ['-4', '-6']) {
    const r = await run(host, ['ip', family, 'route', 'show', 'default'])
    if (r.code !== 0 || r.stdout.trim() !== '') return false
  }
  return true
}
