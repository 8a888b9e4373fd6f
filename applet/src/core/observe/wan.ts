// The WAN's Linux device and IPv4 address, from netifd (`ubus call network.interface.<wan>
// status`) on a router, or from `ip -j -4 addr show dev <name>` where there is no ubus (the lab).

/** The WAN as lanvpn needs it: the device requests are bound to, and its first IPv4 address. */
export type WanObservation = { device: string; address: string | null; up: boolean }

type UbusIfStatus = {
  up?: boolean
  l3_device?: string
  device?: string
  'ipv4-address'?: Array<{ address?: string; mask?: number }>
}

/** Parses netifd's interface status. The device is `l3_device` (pppoe-wan for PPPoE, the VLAN or
 * port otherwise): the one that carries IP. Null when the text is not a status object. */
export function parseInterfaceStatus(json: string): WanObservation | null {
  let s: UbusIfStatus
  try {
    s = JSON.parse(json) as UbusIfStatus
  } catch {
    return null
  }
  if (!s || typeof s !== 'object') return null
  const device = typeof s.l3_device === 'string' ? s.l3_device : (s.device ?? '')
  const first = (s['ipv4-address'] ?? []).find((a) => typeof a?.address === 'string')
  const up = s.up === true
  return { device, address: up && first?.address ? first.address : null, up }
}

type IpJsonLink = {
  ifname?: string
  operstate?: string
  flags?: string[]
  addr_info?: Array<{ family?: string; local?: string; scope?: string }>
}

/** Parses `ip -j -4 addr show dev NAME`: the first global IPv4 address. Null for bad JSON or an
 * empty answer (no such device). */
export function parseIpAddrJson(json: string): WanObservation | null {
  let links: IpJsonLink[]
  try {
    links = JSON.parse(json) as IpJsonLink[]
  } catch {
    return null
  }
  const link = Array.isArray(links) ? links.find((l) => typeof l?.ifname === 'string') : undefined
  if (!link) return null
  const up = (link.flags ?? []).includes('UP')
  const first = (link.addr_info ?? []).find(
    (a) => a.family === 'inet' && typeof a.local === 'string' && a.scope !== 'host'
  )
  return { device: link.ifname ?? '', address: up && first?.local ? first.local : null, up }
}
