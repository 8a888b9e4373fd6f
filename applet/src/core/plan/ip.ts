// The policy routing lanvpn owns, as data, and the `ip -batch` lines that get the router there.
// Add before delete, `route replace` for routes (style.md, Apply).
import { groupMark, groupPriority, groupTable } from '../ids'
import { MARK_MASK, MARK_VPN, PRIO_BASE, PRIO_SPAN, UNREACHABLE_METRIC, VPN_TABLE } from '../ids'
import type { IpRoute, IpRule } from '../observe/ip'

export type Family = 4 | 6

/** A route of one of lanvpn's tables: `table` absent means VPN_TABLE (the default group's, the
 * only table read back before groups). */
export type TableRoute = IpRoute & { table?: number }

/** Rules and routes of lanvpn's tables for one address family. */
export type IpState = { rules: IpRule[]; routes: TableRoute[] }

/** A group's tunnel besides the default one, as routing needs it (fields as in IpDesiredInput). */
export type IpGroup = {
  /** 1…MAX_GROUPS (core/ids.ts): names its table, mark and priorities. */
  index: number
  tunnelIface: string
  tunnelUp: boolean
  tunnelCarriesV6: boolean
  vpnSources: string[]
}

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
  /** The groups besides the default one (whose fields are the ones above), in index order. */
  groups?: IpGroup[]
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

/** A group's fwmark rule: its mark → its table (VPN_RULE for the default group). */
export function groupRule(index: number): IpRule {
  if (index === 0) return VPN_RULE
  return {
    priority: groupPriority(VPN_RULE.priority, index),
    fwmark: `${hex(groupMark(index))}/${hex(MARK_MASK)}`,
    table: String(groupTable(index)),
  }
}

/** One table's routes: the tunnel's default while it is up (and carries the family), always
 * the `unreachable default` after it. */
function tableRoutes(t: Omit<IpGroup, 'vpnSources'>, family: Family): TableRoute[] {
  const table = t.index === 0 ? {} : { table: groupTable(t.index) }
  const routes: TableRoute[] = [
    { dst: 'default', type: 'unreachable', dev: '', metric: UNREACHABLE_METRIC, ...table },
  ]
  // IPv6 stores metric 0 as 1024 (its default); desire what the kernel will report back.
  if (t.tunnelUp && (family === 4 || t.tunnelCarriesV6))
    routes.unshift({
      dst: 'default',
      type: 'unicast',
      dev: t.tunnelIface,
      metric: family === 6 ? 1024 : 0,
      ...table,
    })
  return routes
}

/** Desired rules and routes of a family. The `unreachable default` is there whenever lanvpn is
 * enabled, in every group's table, so marked traffic fails closed in routing too, not only in the
 * firewall. Order: the WAN-bound exception, every group's fwmark rule, every group's source
 * rules (core/ids.ts PRIO_BASE). */
export function desiredIp(input: IpDesiredInput, family: Family): IpState {
  if (!input.enabled) return { rules: [], routes: [] }
  const all: IpGroup[] = [{ ...input, index: 0 }, ...(input.groups ?? [])]
  const routes = all.flatMap((t) => tableRoutes(t, family))
  const rules: IpRule[] = input.keepOnWan
    ? [{ priority: PRIO_BASE, fwmark: '', table: 'main', oif: input.keepOnWan }]
    : []
  rules.push(...all.map((t) => groupRule(t.index)))
  const bits = family === 4 ? 32 : 128
  for (const t of all)
    for (const addr of [...new Set(t.vpnSources)].sort())
      rules.push({
        priority: groupPriority(SOURCE_RULE_PRIORITY, t.index),
        fwmark: '',
        table: String(groupTable(t.index)),
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
const sameRoute = (a: TableRoute, b: TableRoute) =>
  a.dst === b.dst &&
  a.type === b.type &&
  a.dev === b.dev &&
  a.metric === b.metric &&
  (a.table ?? VPN_TABLE) === (b.table ?? VPN_TABLE)

function routeSpec(r: TableRoute): string {
  const what = r.type === 'unreachable' ? `unreachable ${r.dst}` : `${r.dst} dev ${r.dev}`
  return `${what} table ${r.table ?? VPN_TABLE} metric ${r.metric}`
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
