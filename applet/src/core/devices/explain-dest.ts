// "Why does this device reach this destination so" (issue 22): where a device's traffic to a
// domain or an address (and port) goes, and what decided it, as codes: `lanvpn devices explain`
// (explain-text.ts, lanvpn-cli) and the web UI say it in words ("stream.example from the TV:
// through the VPN (tv), by rule 3"). Pure; mirrors core/render/nft-rules.ts's dest_rules: a
// blocked device and DNS keep the device's mode, then the local exceptions (addresses only), then
// the rules in order, the first match wins. And then render/nft.ts's kill switch: a tunnel that is
// down holds what is marked for it, and a vpn device's mode gives no mark while it is bypassed.
import type { Config } from '../config/types'
import type { PortMatch, Rule } from '../config/rules'
import { isIpv4, isIpv6 } from '../config/formats'
import { bypassOf, householdGroups, type BypassCode } from '../config/groups'

/** `explainDestination`'s answer. `group`: the tunnel's group ('' the default one) when `via` is
 * vpn; `rule` and `label` when a rule decided (`by` rule). `held`: that tunnel is not connected,
 * so the kill switch holds this traffic until it is (none of it leaves by the WAN); `noIpv6`: an
 * IPv6 address, and that tunnel carries no IPv6 (its location has none, or IPv6 through the VPN
 * is off), so it is dropped, connected or not. `bypass`: the
 * device's vpn mode decided, but its traffic uses the WAN (`via` direct), and why, in
 * explainDevice's codes (config/groups.ts bypassOf). Samples:
 * `{ via: 'vpn', group: 'tv', by: 'rule', rule: 3, label: 'Streaming', held: true }`,
 * `{ via: 'direct', group: '', by: 'device', bypass: 'vpn_auto_wan' }` */
export type DestExplanation = {
  via: 'vpn' | 'direct' | 'blocked' | 'mediastreamer'
  group: string
  by: 'rule' | 'local' | 'device'
  rule?: number
  label?: string
  held?: true
  noIpv6?: true
  bypass?: BypassCode
}

/** An address as its bits (32 or 128 of them); null when not an address. */
function bits(a: string): string | null {
  const bin = (n: number, w: number) => n.toString(2).padStart(w, '0')
  if (isIpv4(a))
    return a
      .split('.')
      .map((x) => bin(+x, 8))
      .join('')
  if (!isIpv6(a) || a.includes('.')) return null
  const [head, tail] = a.split('::').map((s) => (s ? s.split(':') : []))
  const all = tail ? [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] : head
  return all.map((g) => bin(parseInt(g, 16), 16)).join('')
}

/** Whether address `a` is in CIDR `cidr` (a bare address: that one). */
export function inCidr(a: string, cidr: string): boolean {
  const [net, len = 128] = cidr.split('/')
  const x = bits(a)
  const y = bits(net)
  return !!x && x.length === y?.length && x.slice(0, +len) === y.slice(0, +len)
}

/** Where `mac`'s traffic to `dest` (a domain, matching a rule's subdomains too, or an address)
 * and `port` (none: a rule matching by port does not answer) goes. `local`: the local
 * exceptions (addresses or CIDRs); `up`: the groups whose tunnel is connected ('' the default
 * group's). Same input, same output. */
export function explainDestination(
  config: Config,
  mac: string,
  dest: string,
  port: PortMatch | null,
  local: string[],
  up: string[]
): DestExplanation {
  const device = config.devices.find((d) => d.mac === mac)
  const mode = config.globals.enabled ? (device?.mode ?? config.globals.defaultMode) : 'direct'
  // As render/nft-rules.ts: a group that is not there is the default one.
  const groups = householdGroups(config)
  const own = (id = '') => groups.find((g) => g.id === id) ?? groups[0]
  const group = own(device?.group).id
  // A tunnel that is down holds what is marked for it, and one that carries no IPv6 drops that
  // family (core/plan tunnelCarriesV6, the configured location's); a vpn device's own mark is none
  // (the WAN) while its group is bypassed, a rule's tunnel mark is set all the same (render/nft.ts).
  const carriesV6 = (id: string) =>
    config.globals.ipv6 &&
    !!config.profiles.find((p) => p.id === own(id).profile)?.addresses.some((a) => a.includes(':'))
  const tunnel = (e: DestExplanation): DestExplanation => {
    if (e.via !== 'vpn') return e
    const bypass = e.by === 'device' && bypassOf(config, own(e.group))
    if (bypass) return { via: 'direct', group: '', by: 'device', bypass }
    if (isIpv6(dest) && !carriesV6(e.group)) return { ...e, noIpv6: true }
    return up.includes(e.group) ? e : { ...e, held: true }
  }
  const address = bits(dest) !== null
  const byDevice = tunnel({ via: mode, group: mode === 'vpn' ? group : '', by: 'device' })
  if (mode === 'blocked' || !config.globals.enabled || port?.first === 53) return byDevice
  if (address && local.some((c) => inCidr(dest, c)))
    return { via: 'direct', group: '', by: 'local' }
  const forMe = (r: Rule) =>
    r.devices.length + r.groups.length === 0 || r.devices.includes(mac) || r.groups.includes(group)
  const where = (r: Rule) =>
    r.dests.length + r.domains.length === 0 ||
    (address
      ? r.dests.some((c) => inCidr(dest, c))
      : r.domains.some((d) => dest === d || dest.endsWith(`.${d}`)))
  const onPort = (r: Rule) =>
    r.ports.length === 0 ||
    (!!port &&
      r.ports.some((p) => p.proto === port.proto && port.first >= p.first && port.first <= p.last))
  const r = config.rules.find((x) => x.enabled && forMe(x) && where(x) && onPort(x))
  if (!r) return byDevice
  const via = r.via === 'group' ? 'vpn' : r.via
  const on = r.via === 'group' ? own(r.group).id : r.via === 'vpn' ? group : ''
  return tunnel({ via, group: on, by: 'rule', rule: r.number, label: r.label })
}
