// The LAN as the router has it: netifd's interfaces on the LAN side of the firewall, each with the
// Linux device that carries it now (`br-lan`, `br-lan.1` under bridge VLAN filtering, a guest
// bridge), and what lanvpn does with the devices behind it.
//
// LAN side: every network of a firewall zone that does not masquerade (fw4's `wan` zone does;
// `lan`, a guest or an IoT zone do not), or `lan` alone when the firewall names none. Each is lanvpn's (every device by its own
// mode) unless the user said `lan_direct` or `lan_blocked` for it: never silently the WAN.
import type { Globals } from '../config/types'
import { getOption, sectionsOfType, type UciDoc, type UciSection } from '../uci/doc'

export type LanPolicy = 'managed' | 'direct' | 'blocked'

/** One LAN-side interface: netifd's name, its device ('' when netifd has none), its policy;
 * `closed`: its zone's input is not ACCEPT (closedNetworks). */
export type LanInterface = {
  name: string
  device: string
  up: boolean
  policy: LanPolicy
  closed?: true
}

/** A netifd interface as `ubus call network.interface dump` lists it. */
export type NetifdInterface = { name: string; device: string; up: boolean }

const words = (v: string | string[] | undefined): string[] =>
  (Array.isArray(v) ? v : [v ?? '']).flatMap((s) => s.split(/\s+/)).filter(Boolean)

/** netifd interfaces on the LAN side, in the order of the firewall's zones
 * (`/etc/config/firewall`; null when there is none to read). */
export function lanSideNetworks(firewall: UciDoc | null, wanInterface: string): string[] {
  const names: string[] = []
  for (const zone of firewall ? sectionsOfType(firewall, 'zone') : []) {
    if (getOption(zone, 'masq') === '1') continue
    for (const n of words(getOption(zone, 'network')))
      if (!names.includes(n) && n !== wanInterface && n !== 'loopback') names.push(n)
  }
  return names.length ? names : ['lan']
}

/** LAN-side networks whose zone's input is not ACCEPT (the zone's `input`, else the defaults',
 * else fw4's `drop`): a guest network, whose devices reach the router only by rules (DNS on port
 * 53, DHCP). fw4's input_<zone> accepts `ct status dnat` only in zones with port redirects, so it
 * rejects a lookup redirected to lanvpn's own dnsmasq (port 5330+i). */
export function closedNetworks(firewall: UciDoc | null): string[] {
  if (!firewall) return []
  const policy = (s: UciSection | undefined) => String((s && getOption(s, 'input')) ?? '')
  const dflt = policy(sectionsOfType(firewall, 'defaults')[0]) || 'drop'
  return sectionsOfType(firewall, 'zone')
    .filter((z) => !/^accept$/i.test(policy(z) || dflt))
    .flatMap((z) => words(getOption(z, 'network')))
}

/** The LAN itself among the LAN-side interfaces: `lan`, else the first (a LAN renamed). */
export function mainLan(lan: LanInterface[]): LanInterface | undefined {
  return lan.find((i) => i.name === 'lan') ?? lan[0]
}

/** netifd's interfaces from `ubus call network.interface dump`; null when the text is not one.
 * The device is `l3_device` (what carries IP: `br-lan.1`, `pppoe-x`), else `device`. */
export function parseInterfaceDump(json: string): NetifdInterface[] | null {
  try {
    const list = (JSON.parse(json) as { interface?: unknown }).interface
    if (!Array.isArray(list)) return null
    return list.map((i: Record<string, unknown>) => ({
      name: String(i.interface ?? ''),
      device: String(i.l3_device ?? i.device ?? ''),
      up: i.up === true,
    }))
  } catch {
    return null
  }
}

/** Rules by destination (issue 22): the networks the router is on, from the same dump, for the
 * local exceptions: every up interface's addresses with their prefix (the LAN's subnets and the
 * router's own addresses, the WAN's subnet, a bridge-mode modem's network in the wan zone: an
 * interface such as `modem`, 192.168.100.2/24 on the WAN device) and each default route's gateway
 * (a routed modem). Loopback left out; [] when the text is not a dump. */
export function parseDumpNets(json: string): string[] {
  type Addr = { address?: string; mask?: number; nexthop?: string }
  try {
    const list = (JSON.parse(json) as { interface?: Array<Record<string, unknown>> }).interface
    return (Array.isArray(list) ? list : [])
      .filter((i) => i.up === true && i.interface !== 'loopback')
      .flatMap((i) => {
        const of = (k: string) => (Array.isArray(i[k]) ? (i[k] as Addr[]) : [])
        return [
          ...['ipv4-address', 'ipv6-address', 'ipv6-prefix-assignment']
            .flatMap(of)
            .map((a) => `${a.address}/${a.mask}`),
          ...of('route')
            .filter((r) => r.mask === 0)
            .map((r) => `${r.nexthop}`),
        ]
      })
  } catch {
    return []
  }
}

/** The LAN-side interfaces with their devices and policies. Without netifd (`dump` null: a
 * development machine, the lab), the LAN is the one device `lan_device`, under the policy the
 * user chose for `lan` (the Settings page offers it as it offers every LAN-side network). */
export function lanInterfaces(
  dump: NetifdInterface[] | null,
  networks: string[],
  g: Pick<Globals, 'lanDevice' | 'lanDirect' | 'lanBlocked'>,
  closed: string[] = []
): LanInterface[] {
  const policy = (name: string): LanPolicy =>
    g.lanBlocked.includes(name) ? 'blocked' : g.lanDirect.includes(name) ? 'direct' : 'managed'
  const of = (name: string, device: string, up: boolean): LanInterface => ({
    name,
    device,
    up,
    policy: policy(name),
    ...(closed.includes(name) ? { closed: true } : {}),
  })
  if (!dump) return [of('lan', g.lanDevice, true)]
  return networks.map((name) => {
    const found = dump.find((i) => i.name === name)
    return of(name, found?.device ?? '', found?.up ?? false)
  })
}

/** The devices of the interfaces with a policy, sorted, without repeats. */
export function lanDevices(lan: LanInterface[], policy: LanPolicy): string[] {
  const devs = lan.filter((i) => i.policy === policy && i.device).map((i) => i.device)
  return [...new Set(devs)].sort()
}
