// Rules by destination (issue 22) in a table of their own, `inet lanvpn_rules`: the sets and the
// chain that re-mark a LAN device's packets by where they go, after the main table's mark_devices
// (render/nft.ts) gave them the device's mark.
//
//   prerouting/mangle     mark_devices (nft.ts): the device's mark, by its mode and group.
//   prerouting/mangle+1   dest_rules: only what came in by a managed LAN device, which first gets
//                         MARK_RULES_SEEN (the main table's kill switch drops a managed device's
//                         packet without it while rules are in force: a missing rules table stops
//                         traffic, it never leaves a rule unenforced); then never
//                         1. a blocked device's packets (blocked means nothing past the router),
//                         2. DNS (tcp/udp 53): it keeps the device's mark, so a vpn device's
//                            lookups still go to its tunnel's resolver (dns_redirect) and nowhere
//                            else, even when asked of the router or the modem (local exceptions);
//                         3. local exceptions (the LAN's other subnets, the router's addresses, the
//                            WAN's subnet and gateway, the user's local_dest): MARK_DIRECT;
//                         4. the rules in order, the first match wins:
//                            direct  → MARK_DIRECT, routed by main (ip rule PRIO_RULE_DIRECT)
//                            blocked → MARK_BLOCKED, dropped by the killswitch chain
//                            group   → that group's mark
//                            vpn     → rule_vpn: a packet in a tunnel already keeps its group's
//                                      mark; any other gets its device's group's mark.
//   Everything after is nft.ts's: a packet re-marked into a group is held to that group's tunnel
//   by its own kill switch (its mark → its table, `unreachable default` while the tunnel is down;
//   forward drops its mark leaving by anything else), so no rule can send anything by the WAN but
//   what `direct` matches, and a packet a rule does not match keeps the mark its device's mode
//   gave it.
//
// A table of its own (core/ids.ts NFT_RULES_TABLE) rather than more of the main one: the main
// table is replaced, checked and persisted whenever a device or the tunnel changes, and with
// 10,000 CIDRs here that was nft parsing them again each time and 160 KB written to flash. This
// one changes only when the rules, their devices or the local exceptions do.
//
// Set names (what dnsmasq's nftset= and the daemon fill): rule<n>_net4/6 (CIDRs, interval),
// rule<n>_dns4/6 (addresses of the rule's domains, from DNS answers, with a timeout),
// rule<n>_who and rule<n>_others (who it is for), rules_group<i> (group i's devices),
// rules_local4/6 (local exceptions).
import type { IpRule } from '../observe/ip'
import type { Rule } from '../config/rules'
import type { LocalExceptions } from '../config/rules'
import { isCidr, normaliseCidr } from '../config/formats'
import { fnv1a } from '../hash'
import {
  groupMark,
  MARK_BLOCKED,
  MARK_DIRECT,
  MARK_MASK,
  MARK_RULES_SEEN,
  NFT_FAMILY,
  NFT_RULES_TABLE,
  PRIO_RULE_DIRECT,
} from '../ids'
import { renderTable } from './nft'

/** What the rules need from the config and the router. */
export type NftRulesModel = {
  /** The config's rules in number order; disabled ones are left out of the table. */
  rules: Rule[]
  /** The groups besides the default one: id and index (core/ids.ts). */
  groups: { id: string; index: number }[]
  /** The configured devices and their group ('' the default group), whatever their mode. */
  devices: { mac: string; group: string }[]
  /** Local exceptions by family (localDestinations). */
  local: { v4: string[]; v6: string[] }
  /** The managed LAN devices (NftModel.lan.managed): rules apply to what comes in by them. */
  lan: string[]
}

/** How long an address from a DNS answer stays in a rule's set. dnsmasq adds an address again
 * on each answer without renewing it, so this must outlive what clients cache a name for. */
export const DNS_SET_TIMEOUT = '1d'

/** The chain's name. */
export const RULES_CHAIN = 'dest_rules'

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`
const quote = (s: string) => JSON.stringify(s)
const ifnames = (names: string[]) =>
  names.length === 1 ? quote(names[0]) : `{ ${names.map(quote).join(', ')} }`
const isMarked = (mark: number) => `meta mark & ${hex(MARK_MASK)} == ${hex(mark)}`
// As nft.ts: every bit outside our mask is kept.
const setMark = (mark: number) =>
  `meta mark set meta mark & ${hex(~MARK_MASK >>> 0)} | ${hex(mark)}`

/** The local exceptions by family: what the daemon observed (`observed`: the LAN's subnets, the
 * router's own addresses, the WAN's subnet and gateway) when local_direct is on, and the user's
 * local_dest always. Bad items are left out. Same input, same output. */
export function localDestinations(
  local: LocalExceptions,
  observed: string[]
): { v4: string[]; v6: string[] } {
  const all = [...(local.localDirect ? observed : []), ...local.localDest]
  const cidrs = [...new Set(all.map(normaliseCidr).filter((c): c is string => c !== null))]
  return { v4: cidrs.filter((c) => !c.includes(':')), v6: cidrs.filter((c) => c.includes(':')) }
}

const setOf = (name: string, type: string, extra: string[], elements: string[]): string[] => [
  `\tset ${name} {`,
  `\t\ttype ${type}`,
  ...extra.map((x) => `\t\t${x}`),
  ...(elements.length ? [`\t\telements = { ${elements.join(', ')} }`] : []),
  '\t}',
]
const netSet = (name: string, type: string, cidrs: string[]) =>
  setOf(name, type, ['flags interval', 'auto-merge'], cidrs)
const macSet = (name: string, macs: string[]) => setOf(name, 'ether_addr', [], [...macs].sort())

/** Each family's set name suffix, address match and set type. */
const FAMILIES = [
  ['4', 'ip daddr', 'ipv4_addr'],
  ['6', 'ip6 daddr', 'ipv6_addr'],
] as const

/** The sets a rule's domains fill from DNS answers, by family (for dnsmasq's nftset=). */
export const dnsSets = (n: number) => ({ v4: `rule${n}_dns4`, v6: `rule${n}_dns6` })

/** The comment a rule's DNS sets carry: the hash of its domains. A set is kept across a new table
 * only under the same comment, so its addresses never follow a rule whose domains changed. */
const domainsHash = (r: Rule) => fnv1a(`${r.domains}`)

/** The DNS sets that keep their addresses when the rules' table is applied anew (system/apply.ts),
 * by name, each with its comment (domainsHash): those of every enabled domain rule of `after`
 * whose number and domains are as in `before`, the rules the live table was made for; with
 * `before` unknown (null: a daemon that has applied nothing yet, after a restart or an upgrade),
 * every one, kept where the live set carries the same comment. A changed rule's start empty. Same
 * input, same output. */
export function keptDnsSets(before: Rule[] | null, after: Rule[]): Record<string, string> {
  const key = (r: Rule) => `${r.number} ${r.domains}`
  const was = before && new Set(before.filter((r) => r.enabled && r.domains.length).map(key))
  const kept: Record<string, string> = {}
  for (const r of after)
    if (r.enabled && r.domains.length && (!was || was.has(key(r))))
      for (const name of Object.values(dnsSets(r.number))) kept[name] = domainsHash(r)
  return kept
}

/** Group index by id, '' (the default group) 0. */
const indexOf = (m: NftRulesModel, id: string): number =>
  id === '' ? 0 : (m.groups.find((g) => g.id === id)?.index ?? 0)

const membersOf = (m: NftRulesModel, id: string): string[] =>
  m.devices.filter((d) => d.group === id).map((d) => d.mac)

type Part = { sets: string[]; lines: string[] }

/** The interval sets `<name>4` and `<name>6` of `cidrs` (none for a family without any) and a
 * match of each. */
function netsOf(name: string, cidrs: string[]): Part {
  const part: Part = { sets: [], lines: [] }
  for (const [f, match, type] of FAMILIES) {
    const mine = cidrs.filter((c) => c.includes(':') === (f === '6'))
    if (!mine.length) continue
    part.sets.push(...netSet(name + f, type, mine))
    part.lines.push(`${match} @${name}${f}`)
  }
  return part
}

/** Who a rule is for, as alternative matches ('' everyone), and the sets they need. */
function whoOf(m: NftRulesModel, r: Rule): Part {
  if (r.devices.length + r.groups.length === 0) return { sets: [], lines: [''] }
  const sets: string[] = []
  const lines: string[] = []
  const macs = [
    ...new Set([...r.devices, ...r.groups.filter((g) => g).flatMap((g) => membersOf(m, g))]),
  ]
  if (macs.length) {
    sets.push(...macSet(`rule${r.number}_who`, macs))
    lines.push(`ether saddr @rule${r.number}_who`)
  }
  if (r.groups.includes('')) {
    // The default group: every device in no other group, configured or not.
    const others = m.groups.flatMap((g) => membersOf(m, g.id))
    if (others.length === 0) return { sets: [], lines: [''] }
    sets.push(...macSet(`rule${r.number}_others`, others))
    lines.push(`ether saddr != @rule${r.number}_others`)
  }
  return { sets, lines }
}

/** Where a rule matches, as alternative matches ('' anywhere), and its sets. */
function destOf(r: Rule): Part {
  const { sets, lines } = netsOf(`rule${r.number}_net`, r.dests)
  if (r.domains.length) {
    const d = dnsSets(r.number)
    // The domains' hash as the sets' comment: new domains make a new table, whose sets start
    // empty, and a set is kept only for the same domains (keptDnsSets).
    const timed = ['flags timeout', `timeout ${DNS_SET_TIMEOUT}`, `comment "${domainsHash(r)}"`]
    for (const [f, match, type] of FAMILIES) {
      sets.push(...setOf(d[`v${f}`], type, timed, []))
      lines.push(`${match} @${d[`v${f}`]}`)
    }
  }
  return { sets, lines: lines.length ? lines : [''] }
}

/** Port matches per protocol ('' any protocol and port). */
function portsOf(r: Rule): string[] {
  if (r.ports.length === 0) return ['']
  return (['tcp', 'udp'] as const).flatMap((proto) => {
    const ranges = r.ports
      .filter((p) => p.proto === proto)
      .map((p) => (p.first === p.last ? `${p.first}` : `${p.first}-${p.last}`))
    return ranges.length ? [`${proto} dport { ${[...new Set(ranges)].join(', ')} }`] : []
  })
}

function verdictOf(m: NftRulesModel, r: Rule): string {
  if (r.via === 'vpn') return 'goto rule_vpn'
  const mark =
    r.via === 'direct'
      ? MARK_DIRECT
      : r.via === 'blocked'
        ? MARK_BLOCKED
        : groupMark(indexOf(m, r.group))
  return `${setMark(mark)} return`
}

/** `via vpn`: a packet already in a tunnel keeps its group's mark; any other gets the mark of its
 * device's group (by configuration, whatever its mode), the default group's when in none. */
function vpnChain(m: NftRulesModel): Part {
  const marks = [0, ...m.groups.map((g) => g.index)].map(groupMark)
  const sets: string[] = []
  const lines = marks.map((x) => `\t\t${isMarked(x)} return`)
  for (const g of m.groups) {
    const macs = membersOf(m, g.id)
    if (!macs.length) continue
    sets.push(...macSet(`rules_group${g.index}`, macs))
    lines.push(`\t\tether saddr @rules_group${g.index} ${setMark(groupMark(g.index))} return`)
  }
  lines.push(`\t\t${setMark(groupMark(0))}`)
  return { sets, lines: ['\tchain rule_vpn {', ...lines, '\t}'] }
}

/** The body (sets, then chains) of the rules' table; [] when there is nothing to do (no enabled
 * rule, no local exception): then there is no such table. Deterministic: the same model gives the
 * same lines. */
export function renderRules(m: NftRulesModel): string[] {
  const rules = m.rules.filter((r) => r.enabled)
  const local = netsOf('rules_local', [...m.local.v4, ...m.local.v6].filter(isCidr))
  if (rules.length + local.lines.length === 0) return []
  const sets = local.sets
  const lines = [
    `\tchain ${RULES_CHAIN} {`,
    '\t\ttype filter hook prerouting priority mangle + 1; policy accept;',
    `\t\tiifname != ${ifnames(m.lan)} return`,
    `\t\tmeta mark set meta mark | ${hex(MARK_RULES_SEEN)}`,
    `\t\t${isMarked(MARK_BLOCKED)} return`,
    '\t\tmeta l4proto { tcp, udp } th dport 53 return',
    ...local.lines.map((x) => `\t\t${x} ${setMark(MARK_DIRECT)} return`),
  ]
  for (const r of rules) {
    const who = whoOf(m, r)
    const dest = destOf(r)
    sets.push(...who.sets, ...dest.sets)
    const verdict = verdictOf(m, r)
    for (const w of who.lines)
      for (const d of dest.lines)
        for (const p of portsOf(r))
          lines.push(`\t\t${[w, d, p, verdict].filter((x) => x).join(' ')}`)
  }
  lines.push('\t}')
  const vpn = rules.some((r) => r.via === 'vpn') ? vpnChain(m) : { sets: [], lines: [] }
  return [...sets, ...vpn.sets, ...lines, ...vpn.lines]
}

/** The rules' table for `nft -f` (render/nft.ts renderTable), or null for no lines. */
export const renderRulesTable = (lines: string[]): string | null =>
  lines.length ? renderTable(NFT_RULES_TABLE, lines) : null

/** The ip rules rules need, per family: MARK_DIRECT → main. Always the same; only while a
 * table with rules is loaded does anything carry the mark. */
export function ruleIpRules(): IpRule[] {
  return [
    {
      priority: PRIO_RULE_DIRECT,
      fwmark: `0x${MARK_DIRECT.toString(16)}/0x${MARK_MASK.toString(16)}`,
      table: 'main',
    },
  ]
}

/** dnsmasq's lines that fill each enabled rule's DNS sets from its answers (dnsmasq-full's
 * `nftset=`): one per domain, both families. A name and its subdomains, as dnsmasq matches. */
export function dnsmasqNftsets(rules: Rule[]): string[] {
  const t = `${NFT_FAMILY}#${NFT_RULES_TABLE}`
  return rules
    .filter((r) => r.enabled)
    .flatMap((r) => {
      const s = dnsSets(r.number)
      return r.domains.map((d) => `nftset=/${d}/4#${t}#${s.v4},6#${t}#${s.v6}`)
    })
}

/** What a change of rules moves, for system/conntrack.ts (marks are per packet, a flow's NAT is
 * not): the destinations a rule added, removed or changed now matches or no longer does (of a rule
 * whose destinations alone changed, only those added or taken out), and, for one matching by domain
 * or port (its destinations unknown), with no destination, or with more than a few changed (two
 * processes each), the devices it is for (`macs` null: every device). Same input, same output. */
export function movedByRules(
  before: Rule[],
  after: Rule[],
  devices: { mac: string; group: string }[]
): { dests: string[]; macs: string[] | null } {
  const key = (r: Rule | undefined, dests: string[] = r?.dests ?? []) =>
    r?.enabled ? JSON.stringify({ ...r, id: '', label: '', dests }) : ''
  // The daemon's every reconcile with the config unchanged (the same parsed rules): nothing moved,
  // and no rule of 10,000 destinations is compared.
  if (before === after) return { dests: [], macs: [] }
  const at = (rules: Rule[], n: number) => rules.find((x) => x.number === n)
  const dests = new Set<string>()
  const wide: Rule[] = []
  for (const n of new Set([...before, ...after].map((r) => r.number))) {
    const [b, a] = [at(before, n), at(after, n)]
    if (key(b) === key(a)) continue
    const both = [b, a].filter((r): r is Rule => !!r?.enabled)
    const more = key(b, []) !== key(a, [])
    // Sets: a rule may have 10,000 destinations.
    const [was, is] = [new Set(b?.dests), new Set(a?.dests)]
    const moved = more
      ? both.flatMap((r) => r.dests)
      : [
          ...(b?.dests ?? []).filter((d) => !is.has(d)),
          ...(a?.dests ?? []).filter((d) => !was.has(d)),
        ]
    if (moved.length > 8) wide.push(...both)
    else moved.forEach((d) => dests.add(d))
    if (more)
      wide.push(...both.filter((r) => r.domains.length + r.ports.length > 0 || !r.dests.length))
  }
  const all = (r: Rule) => r.devices.length + r.groups.length === 0 || r.groups.includes('')
  if (wide.some(all)) return { dests: [], macs: null }
  const macs = wide.flatMap((r) => [
    ...r.devices,
    ...devices.filter((d) => r.groups.includes(d.group)).map((d) => d.mac),
  ])
  return { dests: [...dests], macs: [...new Set(macs)] }
}
