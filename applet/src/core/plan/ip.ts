// The policy routing lanvpn owns, as data, and the `ip -batch` lines that get the router there.
// Add before delete, `route replace` for routes (style.md, Apply).
import { MARK_MASK, MARK_VPN, PRIO_BASE, PRIO_SPAN, UNREACHABLE_METRIC, VPN_TABLE } from '../ids'
import type { IpRoute, IpRule } from '../observe/ip'

export type Family = 4 | 6

/** Rules and VPN-table routes for one address family. */
export type IpState = { rules: IpRule[]; routes: IpRoute[] }

export type IpDesiredInput = {
  enabled: boolean
  tunnelIface: string
  /** The tunnel interface exists and is up. */
  tunnelUp: boolean
  tunnelCarriesV6: boolean
  /** When the router's own traffic uses the tunnel: the WAN device whose bound sockets (the
   * MediaStreamer registration, latency pings) must still use main. '' otherwise. */
  keepOnWan: string
  /** The addresses `vpn` devices were seen with, this family's only: the second layer of the kill
   * switch (see SOURCE_RULE_PRIORITY). [] while vpn devices are bypassed. */
  vpnSources: string[]
}

const hex = (n: number) => `0x${n.toString(16)}`
/** Marked traffic → the VPN table. After the WAN-bound exception (PRIO_BASE), before main. */
export const VPN_RULE: IpRule = {
  priority: PRIO_BASE + 10,
  fwmark: `${hex(MARK_VPN)}/${hex(MARK_MASK)}`,
  table: String(VPN_TABLE),
}

/** Source rules: a vpn device's own addresses lead into the VPN table too. The fwmark rule needs
 * nft to set the mark; these do not, so with no nft ruleset at all (`fw4 flush` on a firewall
 * stop, `nft flush ruleset`) a vpn device's forwarded traffic still meets the tunnel or the VPN
 * table's `unreachable default`, never the main table's WAN route. After the fwmark rule. */
export const SOURCE_RULE_PRIORITY = PRIO_BASE + 20

/** Desired rules and routes of a family. The `unreachable default` is there whenever lanvpn is
 * enabled, so marked traffic fails closed in routing too, not only in the firewall. */
export function desiredIp(input: IpDesiredInput, family: Family): IpState {
  if (!input.enabled) return { rules: [], routes: [] }
  const routes: IpRoute[] = [
    { dst: 'default', type: 'unreachable', dev: '', metric: UNREACHABLE_METRIC },
  ]
  // IPv6 stores metric 0 as 1024 (its default); desire what the kernel will report back.
  if (input.tunnelUp && (family === 4 || input.tunnelCarriesV6))
    routes.unshift({
      dst: 'default',
      type: 'unicast',
      dev: input.tunnelIface,
      metric: family === 6 ? 1024 : 0,
    })
  const rules: IpRule[] = input.keepOnWan
    ? [{ priority: PRIO_BASE, fwmark: '', table: 'main', oif: input.keepOnWan }, VPN_RULE]
    : [VPN_RULE]
  const bits = family === 4 ? 32 : 128
  for (const addr of [...new Set(input.vpnSources)].sort())
    rules.push({
      priority: SOURCE_RULE_PRIORITY,
      fwmark: '',
      table: String(VPN_TABLE),
      from: `${addr}/${bits}`,
    })
  return { rules, routes }
}

/** Only rules in our priority window are ours. */
export function ownedRules(rules: IpRule[]): IpRule[] {
  return rules.filter((r) => r.priority >= PRIO_BASE && r.priority < PRIO_BASE + PRIO_SPAN)
}

const sameRule = (a: IpRule, b: IpRule) =>
  a.priority === b.priority &&
  a.fwmark === b.fwmark &&
  a.table === b.table &&
  (a.oif ?? '') === (b.oif ?? '') &&
  (a.from ?? '') === (b.from ?? '')

function ruleSpec(r: IpRule): string {
  const match = r.from ? `from ${r.from}` : r.oif ? `oif ${r.oif}` : `fwmark ${r.fwmark}`
  return `${match} lookup ${r.table} priority ${r.priority}`
}
const sameRoute = (a: IpRoute, b: IpRoute) =>
  a.dst === b.dst && a.type === b.type && a.dev === b.dev && a.metric === b.metric

function routeSpec(r: IpRoute): string {
  const what = r.type === 'unreachable' ? `unreachable ${r.dst}` : `${r.dst} dev ${r.dev}`
  return `${what} table ${VPN_TABLE} metric ${r.metric}`
}

/** `ip -batch` lines (run with `ip -4`/`ip -6`) from observed to desired; [] when equal. */
export function diffIp(desired: IpState, observed: IpState): string[] {
  const add: string[] = []
  const del: string[] = []
  const owned = ownedRules(observed.rules)
  for (const r of desired.rules)
    if (!owned.some((o) => sameRule(o, r))) add.push(`rule add ${ruleSpec(r)}`)
  for (const o of owned)
    if (!desired.rules.some((r) => sameRule(o, r)))
      del.push(
        `rule del priority ${o.priority}${o.fwmark ? ` fwmark ${o.fwmark}` : ''}${o.from ? ` from ${o.from}` : ''}`
      )
  for (const r of desired.routes)
    if (!observed.routes.some((o) => sameRoute(o, r))) add.push(`route replace ${routeSpec(r)}`)
  for (const o of observed.routes)
    if (!desired.routes.some((r) => sameRoute(o, r))) del.push(`route del ${routeSpec(o)}`)
  return [...add, ...del]
}
