// Rules by destination (issue 22): `config rule` sections of /etc/config/lanvpn, in file order,
// and the globals' local exceptions. Rule n is the n-th `config rule` section of the file (a
// skipped one keeps its number, so "by rule 3" names the third section the user wrote); the first
// rule that matches a packet decides where it goes.
//
//   config rule 'bank'
//   	option label 'My bank'
//   	list domain 'mybank.example'      a name and its subdomains, followed by DNS answers
//   	list dest '198.51.100.0/24'       IPv4/IPv6 address or CIDR
//   	list port 'tcp:443'               tcp:N, udp:N-M, or N for both
//   	option via 'direct'               vpn | direct | blocked | <group id> | default
//   	list device 'aa:bb:cc:dd:ee:ff'   who: these devices and/or …
//   	list group 'tv'                   … these groups' devices (`default`: the default group)
//
// A rule that names things to match (domain, dest, port) or whom it is for (device, group) but
// has none of them usable is skipped: read as "everything" or "everyone", a typo would send a vpn
// device's whole traffic by the WAN. Problems name the item by its position, never its value:
// they reach the log, and destinations are what the privacy rules keep out of it.
//
import { sectionLabel, sectionsOfType } from '../uci/doc'
import type { UciDoc } from '../uci/doc'
import { DEFAULT_GROUP_WORD } from '../ids'
import { isLabel, LABEL_REASON, SectionReader } from './reader'
import type { ConfigProblem, Globals, Group, PortMatch, Rule, RuleVia } from './types'
import * as f from './formats'

export type { PortMatch, Rule, RuleVia } from './types'

/** The globals' local exceptions: destinations every device reaches directly, before any rule. */
export type LocalExceptions = Pick<Globals, 'localDirect' | 'localDest'>

/** A rule section's options, as GROUP_OPTIONS (procd's description is checked against it). */
export const RULE_OPTIONS = {
  label: { field: 'label', kind: 'string', default: '' },
  enabled: { field: 'enabled', kind: 'bool', default: true },
  domain: { field: 'domains', kind: 'list', default: [] },
  dest: { field: 'dests', kind: 'list', default: [] },
  port: { field: 'ports', kind: 'list', default: [] },
  via: { field: 'via', kind: 'string', default: '' },
  device: { field: 'devices', kind: 'list', default: [] },
  group: { field: 'groups', kind: 'list', default: [] },
} as const

/** The budget: what one nft transaction is measured with (bench-rules.mjs). Items past
 * it are left out and named. */
export const MAX_RULE_DESTS = 10000
export const MAX_RULE_DOMAINS = 1000
export const MAX_RULES = 100
export const MAX_LOCAL_DESTS = 256

const DEST_REASON = 'is not an IPv4 or IPv6 address or CIDR'
const DOMAIN_REASON = 'is not a domain name (letters, digits, - and dots)'
const PORT_REASON = 'is not a port: tcp:N, udp:N, N (both) or a range N-M, from 1 to 65535'
const VIA_REASON = `must be vpn, direct, blocked, ${DEFAULT_GROUP_WORD} or a group's name; rule skipped`

/** `tcp:443`, `udp:3074-3076` or `443` (tcp and udp); null when none of these. */
export function parsePort(s: string): PortMatch[] | null {
  const m = /^(?:(tcp|udp):)?([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(s)
  if (!m) return null
  const first = f.parseWholeNumber(m[2], 1, 65535)
  const last = m[3] === undefined ? first : f.parseWholeNumber(m[3], 1, 65535)
  if (first === null || last === null || last < first) return null
  const protos = m[1] ? [m[1] as 'tcp' | 'udp'] : (['tcp', 'udp'] as const)
  return protos.map((proto) => ({ proto, first, last }))
}

/** A domain as dnsmasq matches it: lower case, a trailing dot dropped; null when not a name. */
export function normaliseDomain(s: string): string | null {
  const name = s.toLowerCase().replace(/\.$/, '')
  return f.isHostname(name) ? name : null
}

/** Counts what all rules hold, so the budget is for the whole file. */
type Budget = { dests: number; domains: number }

/** Each budgeted list option's limit and what it counts. */
const LIMITS = {
  dest: [MAX_RULE_DESTS, 'destinations in all rules'],
  domain: [MAX_RULE_DOMAINS, 'domains in all rules'],
  local_dest: [MAX_LOCAL_DESTS, 'local destinations'],
} as const

/** A list option's good items while `used` (those already taken: a rule's are counted with all
 * rules') stays within its limit; bad ones and those past the limit are named by position. */
function budgeted<T>(
  r: SectionReader,
  name: keyof typeof LIMITS,
  parse: (s: string) => T | null,
  reason: string,
  used = 0
): T[] {
  const [limit, what] = LIMITS[name]
  const out: T[] = []
  ;(r.list(name) ?? []).forEach((item, i) => {
    const value = parse(item)
    if (value === null) return r.problem(name, `item ${i + 1} ${reason}`)
    // Past the limit: said once, at the first item left out.
    if (used++ === limit)
      r.problem(name, `items from ${i + 1} on are past the limit of ${limit} ${what}; left out`)
    if (used <= limit) out.push(value)
  })
  return out
}

function readVia(r: SectionReader, groupIds: string[]): { via: RuleVia; group: string } | null {
  const raw = r.text('via')
  if (raw === undefined) {
    r.problem(
      'via',
      'required: where matching traffic goes (vpn, direct, blocked or a group); rule skipped'
    )
    return null
  }
  if (raw === 'vpn' || raw === 'direct' || raw === 'blocked') return { via: raw, group: '' }
  if (raw === DEFAULT_GROUP_WORD) return { via: 'group', group: '' }
  if (groupIds.includes(raw)) return { via: 'group', group: raw }
  r.problem('via', VIA_REASON)
  return null
}

function readRule(
  r: SectionReader,
  number: number,
  groupIds: string[],
  budget: Budget
): Rule | null {
  const via = readVia(r, groupIds)
  const dests = budgeted(r, 'dest', f.normaliseCidr, DEST_REASON, budget.dests)
  const domains = budgeted(r, 'domain', normaliseDomain, DOMAIN_REASON, budget.domains)
  const ports = r
    .items('port', (s) => (parsePort(s) ? s : null), PORT_REASON)
    .flatMap((s) => parsePort(s) ?? [])
  const devices = r.items(
    'device',
    f.normaliseMac,
    'is not a MAC address such as aa:bb:cc:dd:ee:ff'
  )
  const isGroup = (s: string) => s === DEFAULT_GROUP_WORD || groupIds.includes(s)
  const groups = r
    .items(
      'group',
      (s) => (isGroup(s) ? s : null),
      `must name a group section or ${DEFAULT_GROUP_WORD}`
    )
    .map((g) => (g === DEFAULT_GROUP_WORD ? '' : g))
  budget.dests += dests.length
  budget.domains += domains.length
  const asked = (names: string[]) => names.some((n) => r.list(n) !== undefined)
  if (asked(['domain', 'dest', 'port']) && dests.length + domains.length + ports.length === 0) {
    r.problem('', 'nothing it matches is usable (domain, dest, port); rule skipped')
    return null
  }
  if (asked(['device', 'group']) && devices.length + groups.length === 0) {
    r.problem('', 'none of the devices or groups it is for is usable; rule skipped')
    return null
  }
  if (!via) return null
  return {
    id: r.label,
    number,
    label: r.str('label', isLabel, LABEL_REASON, r.label),
    enabled: r.bool('enabled', RULE_OPTIONS.enabled.default),
    domains: [...new Set(domains)],
    dests: [...new Set(dests)],
    ports,
    ...via,
    devices: [...new Set(devices)],
    groups: [...new Set(groups)],
  }
}

/** The globals' `local_dest`: CIDRs (a bare address gets /32 or /128), bad ones named by position. */
export function readLocalDest(r: SectionReader): string[] {
  return [...new Set(budgeted(r, 'local_dest', f.normaliseCidr, DEST_REASON))]
}

/** The `config rule` sections in file order (`groups`: the config's groups, to check names
 * against). A rule that cannot be used is skipped and named; the others keep their numbers. Same
 * input, same output. */
export function readRules(doc: UciDoc, groups: Group[], problems: ConfigProblem[]): Rule[] {
  const groupIds = groups.map((g) => g.id)
  const budget: Budget = { dests: 0, domains: 0 }
  const rules: Rule[] = []
  sectionsOfType(doc, 'rule').forEach((s, i) => {
    const r = new SectionReader(s, sectionLabel(doc, s), problems)
    if (i >= MAX_RULES) return r.problem('', `at most ${MAX_RULES} rules; skipped`)
    const rule = readRule(r, i + 1, groupIds, budget)
    if (rule) rules.push(rule)
  })
  return rules
}
