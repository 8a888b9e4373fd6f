// desired (pure) and diff (pure): what the router should look like for a config and the tunnel's
// state, and which steps get it there from what was observed. Apply (system/apply.ts) only carries
// the steps out.
import type { Config, Device, DeviceMode, Group, Profile } from '../config/types'
import type { Rule } from '../config/rules'
import { isIpv4, isIpv6 } from '../config/formats'
import { bypassOf } from '../config/groups'
import { groupIface, NFT_RULES_TABLE } from '../ids'
import {
  closedModel,
  parseAppliedHash,
  renderNftDelete,
  renderNftTable,
  type NftGroup,
  type NftModel,
} from '../render/nft'
import { renderMembershipUpdate } from '../render/nft-sets'
import { localDestinations, renderRules, renderRulesTable, ruleIpRules } from '../render/nft-rules'
import { desiredIp, diffIp, type IpGroup, type IpState } from './ip'
import { lanDevices, type LanInterface } from '../observe/lan'

/** The tunnel as routing and the firewall see it. */
export type TunnelView = {
  /** The profile in use now (after failover), or null. */
  profile: Profile | null
  /** The interface exists and is configured. */
  up: boolean
  /** The DNS servers the VPN server pushed to `profile` (OpenVPN), while it is up. */
  pushedDns?: string[]
  /** The WAN's Linux device; needed only when the router's own traffic uses the tunnel. */
  wanDevice?: string
  /** The ports of lanvpn's own dnsmasq instances, when they run (NftModel.dnsPort). */
  dnsPort?: number
  directDnsPort?: number
}

/** The tunnels of the groups besides the default one, by group id (core/config/groups.ts). A
 * group without an entry has no tunnel: it is down, and its vpn devices are blocked. */
export type GroupTunnels = Record<string, TunnelView>

const NO_TUNNEL: TunnelView = { profile: null, up: false }

/** What lanvpn found on the router. */
export type Observed = {
  /** Hash carried by our table's `applied` chain, '' when the table (or its hash) is missing. */
  nftHash: string
  /** The persisted fail-closed include as it is on disk, or null. */
  fw4Include: string | null
  /** The same two of the rules' table; none (or '') also when it was not looked for (the daemon
   * looks while it wants one or saw one last). */
  rulesHash?: string
  fw4RulesInclude?: string | null
  ip4: IpState
  ip6: IpState
}

/** The rules' table (render/nft-rules.ts): the live script, its hash, and the version the
 * firewall loads at boot and on reload ('' for none then). */
export type DesiredRules = { nft: string; hash: string; include: string }

export type Desired = {
  /** The live table's model (the daemon diffs device sets against the last one it applied). */
  model: NftModel
  /** The live nft script, or null when lanvpn is disabled (no table at all). */
  nft: string | null
  nftHash: string
  /** The fail-closed script the firewall loads at boot and on reload ('' when disabled). */
  fw4Include: string
  /** The rules' table, or null when there is none to have: no enabled rule and no local exception
   * (then none at boot either), or lanvpn disabled. */
  rules: DesiredRules | null
  ip4: IpState
  ip6: IpState
  devices: Record<DeviceMode, number>
}

/** The live table lanvpn applied last: its model and hash. */
export type Applied = { model: NftModel; hash: string }

export type PlanStep =
  | { kind: 'nft-apply'; script: string }
  /** The rules' table anew (render/nft-rules.ts): its unchanged domain sets keep their addresses
   * (system/apply.ts). */
  | { kind: 'nft-rules'; script: string }
  /** A change of device membership only: one transaction of set changes (render/nft-sets.ts);
   * `table`, the whole table, is applied instead should nft refuse it. */
  | { kind: 'nft-sets'; script: string; table: string }
  | { kind: 'nft-delete'; script: string }
  /** `live`: the table that is loaded once the steps before have run (nft has read it). */
  | { kind: 'persist-include'; file: 'fw4Include' | 'fw4RulesInclude'; text: string; live?: string }
  | { kind: 'ip-batch'; family: 4 | 6; lines: string[] }

const hasV6 = (p: Profile | null) => !!p && p.addresses.some((a) => a.includes(':'))

/** Addresses split by family. */
function byFamily(servers: string[]): { v4: string[]; v6: string[] } {
  return { v4: servers.filter(isIpv4), v6: servers.filter(isIpv6) }
}

/** The resolvers of a tunnel: those its server pushed when it pushed any, else the ones its
 * profile names. Pushed wins, as in openvpn's own clients: the server knows where its resolver is
 * now, the provider's file may be older (and most files name none). */
export function tunnelResolvers(profile: Profile | null, pushedDns: string[] = []): string[] {
  return pushedDns.length > 0 ? pushedDns : (profile?.dns ?? [])
}

/** The group whose tunnel a configured device's vpn traffic takes: its own when that group
 * exists, else null (the default group). */
function groupOf(config: Config, group: string): Group | null {
  return group === '' ? null : (config.groups.find((g) => g.id === group) ?? null)
}

/** The configured profile `id`, or null. */
const profileById = (config: Config, id: string): Profile | null =>
  config.profiles.find((p) => p.id === id) ?? null

/** Whether a group's vpn devices use the WAN (`own`: the globals for the default group): no
 * location, not armed, or a disconnect under kill switch `auto` (config/groups.ts bypassOf, which
 * explainDestination says too). */
const isBypassed = (config: Config, own: Pick<Group, 'killSwitch' | 'connect'>): boolean =>
  bypassOf(config, own) !== null

/** What the rules need of one tunnel: the live profile, else the configured `profile`. */
function tunnelFields(config: Config, tunnel: TunnelView, configured: Profile | null) {
  const profile = tunnel.profile ?? configured
  return {
    tunnelCarriesV6: config.globals.ipv6 && hasV6(profile),
    tunnelDns: byFamily(tunnelResolvers(profile, tunnel.pushedDns)),
    tunnelAddrs: byFamily((profile?.addresses ?? []).map((a) => a.replace(/\/\d+$/, ''))),
    ...(tunnel.dnsPort ? { dnsPort: tunnel.dnsPort } : {}),
  }
}

/** A group's part of the nft model (`members`: its vpn devices' MACs). */
function nftGroup(
  config: Config,
  group: Group,
  tunnel: TunnelView,
  tunnelIface: string,
  members: string[]
): NftGroup {
  return {
    index: group.index,
    devices: members,
    tunnelIface: groupIface(tunnelIface, group.index),
    bypassed: isBypassed(config, group),
    ...tunnelFields(config, tunnel, profileById(config, group.profile)),
  }
}

/** The nft model for a config, tunnel and LAN. With no location set up at all, vpn devices use the
 * WAN: a fresh install must not take the household offline before the user imported a profile.
 * With no managed LAN device known, the rules name `lan_device`: they must name one. `groups`:
 * the tunnels of the groups besides the default one (`tunnel`, `tunnelIface` are the default
 * group's); the model has `groups` only when the config has any. */
export function nftModel(
  config: Config,
  tunnel: TunnelView,
  tunnelIface: string,
  lan: LanInterface[] = [],
  groups: GroupTunnels = {}
): NftModel {
  const g = config.globals
  const devices: Record<DeviceMode, string[]> = {
    vpn: [],
    direct: [],
    mediastreamer: [],
    blocked: [],
  }
  const members = new Map<string, string[]>(config.groups.map((x) => [x.id, []]))
  for (const d of config.devices) {
    const own = d.mode === 'vpn' ? groupOf(config, d.group) : null
    if (own) members.get(own.id)?.push(d.mac)
    else devices[d.mode].push(d.mac)
  }
  const ms = config.mediastreamer
  const extra = config.groups.map((x) =>
    nftGroup(config, x, groups[x.id] ?? NO_TUNNEL, tunnelIface, members.get(x.id) ?? [])
  )
  const closed = lanDevices(
    lan.filter((i) => i.closed),
    'managed'
  )
  return {
    devices,
    defaultMode: g.defaultMode,
    lan: {
      managed: lanDevices(lan, 'managed').length ? lanDevices(lan, 'managed') : [g.lanDevice],
      direct: lanDevices(lan, 'direct'),
      blocked: lanDevices(lan, 'blocked'),
      ...(closed.length ? { closed } : {}),
    },
    tunnelIface,
    // Not before there is a location and someone connected once (config/types.ts armed), and not
    // after a disconnect under kill switch `auto`.
    vpnBypassed: isBypassed(config, g),
    smartDns: ms.enabled ? byFamily(ms.dnsServers) : { v4: [], v6: [] },
    routerViaWan: g.routerViaVpn ? (tunnel.wanDevice ?? '') : '',
    ...tunnelFields(config, tunnel, profileById(config, g.activeProfile)),
    ...(tunnel.directDnsPort ? { directDnsPort: tunnel.directDnsPort } : {}),
    ...(extra.length ? { groups: extra } : {}),
  }
}

/** A device seen on the LAN with its addresses (the inventory's view). */
export type SeenDevice = { mac: string; ipv4: string[]; ipv6: string[] }

/** The seen devices in vpn mode: their own, or the default for devices without one. */
export function vpnDevices<T extends SeenDevice>(config: Config, seen: T[]): T[] {
  const modes = new Map(config.devices.map((d) => [d.mac, d.mode]))
  return seen.filter((d) => (modes.get(d.mac) ?? config.globals.defaultMode) === 'vpn')
}

/** The addresses of the seen devices in vpn mode whose tunnel is group `group`'s ('' the default
 * group's), by family; link-local IPv6 is never routed and is left out. */
function vpnSources(
  config: Config,
  seen: SeenDevice[],
  group: string
): { v4: string[]; v6: string[] } {
  const groupOfMac = new Map(config.devices.map((d) => [d.mac, groupOf(config, d.group)?.id ?? '']))
  const vpn = vpnDevices(config, seen).filter((d) => (groupOfMac.get(d.mac) ?? '') === group)
  return {
    v4: vpn.flatMap((d) => d.ipv4).filter(isIpv4),
    v6: vpn.flatMap((d) => d.ipv6).filter((a) => isIpv6(a) && !/^fe[89ab]/i.test(a)),
  }
}

/** The desired state. Same input, same output. `seen`: the devices on the LAN now, whose
 * addresses the kill switch's routing layer covers; `lan`: the LAN-side interfaces. */
/** The source addresses a group's table takes: its vpn devices' (none while bypassed), and the
 * tunnel's own while it is up: a packet from one of them that left by the WAN (the router's ICMP
 * error about a tunnel reply, say, with nft gone) would name the tunnel there. */
function groupSources(
  config: Config,
  seen: SeenDevice[],
  group: string,
  bypassed: boolean,
  tunnelAddrs: { v4: string[]; v6: string[] } | false | undefined
): { v4: string[]; v6: string[] } {
  const fromDevices = bypassed ? { v4: [], v6: [] } : vpnSources(config, seen, group)
  const own = tunnelAddrs || { v4: [], v6: [] }
  return { v4: [...fromDevices.v4, ...own.v4], v6: [...fromDevices.v6, ...own.v6] }
}

/** A rules' table (render/nft-rules.ts): its body, its script (null: no table) and that script's
 * hash ('' none). */
type RulesTable = { body: string[]; nft: string | null; hash: string }

/** What a rules' table was made from: the config's rules, groups and devices, by identity, and
 * the local exceptions and LAN interfaces, by value. */
type RulesKey = { rules: Rule[]; groups: Group[]; devices: Device[]; local: string; lan: string }

/** The last two rules' tables made (the live one and the boot include's), by what they were made
 * from. With 10,000 destinations, rendering and hashing them took 38 ms of a reconcile's planning
 * under qjs here (half a second on a router), every 30 s and on every event, for the same rules.
 * The daemon keeps the parsed config while its text is the same, and nothing changes a parsed
 * config, so the same rules are the same objects; a config parsed anew renders anew. Same input,
 * same output, as without it. */
let recentRules: { key: RulesKey; table: RulesTable }[] = []

/** The rules' table for a table of `model`, with the local exceptions `nets` observed (used when
 * local_direct is on) and the user's local_dest. */
function rulesOf(config: Config, model: NftModel, nets: string[]): RulesTable {
  const local = localDestinations(config.globals, nets)
  const key: RulesKey = {
    rules: config.rules,
    groups: config.groups,
    devices: config.devices,
    local: `${local.v4} ${local.v6}`,
    lan: `${model.lan.managed}`,
  }
  const same = (k: RulesKey) =>
    k.rules === key.rules &&
    k.groups === key.groups &&
    k.devices === key.devices &&
    k.local === key.local &&
    k.lan === key.lan
  const seen = recentRules.find((r) => same(r.key))
  if (seen) return seen.table
  const body = renderRules({ ...key, local, lan: model.lan.managed })
  const nft = renderRulesTable(body)
  const table = { body, nft, hash: nft === null ? '' : parseAppliedHash(nft) }
  recentRules = [{ key, table }, ...recentRules.slice(0, 1)]
  return table
}

/** `model` holding a managed device's packets to the rules' table having seen them (render/nft.ts
 * rulesSeen), while it has a body (`rules`). */
const withRules = (model: NftModel, rules: string[]): NftModel =>
  rules.length ? { ...model, rulesSeen: true } : model

/** The desired state. Same input, same output. `seen`: the devices on the LAN now, whose
 * addresses the kill switch's routing layer covers; `lan`: the LAN-side interfaces; `groups`: the
 * tunnels of the groups besides the default one (none given: all down, their devices blocked);
 * `nets`: the networks the router is on (observe/lan.ts parseDumpNets), the rules' observed
 * local exceptions. The boot-time include has the rules and local_dest but not what was
 * observed: it changes only when the config does (a file on flash). */
export function desiredState(
  config: Config,
  tunnel: TunnelView,
  tunnelIface: string,
  seen: SeenDevice[] = [],
  lan: LanInterface[] = [],
  groups: GroupTunnels = {},
  nets: string[] = []
): Desired {
  const table = nftModel(config, tunnel, tunnelIface, lan, groups)
  const live = rulesOf(config, table, nets)
  const rules = live.body
  const model = withRules(table, rules)
  const counts = Object.fromEntries(
    Object.entries(model.devices).map(([mode, macs]) => [mode, macs.length])
  ) as Record<DeviceMode, number>
  for (const x of model.groups ?? []) counts.vpn += x.devices.length
  const enabled = config.globals.enabled
  const sources = groupSources(config, seen, '', model.vpnBypassed, tunnel.up && model.tunnelAddrs)
  const ipGroups = (family: 'v4' | 'v6'): IpGroup[] =>
    (model.groups ?? []).map((x, i) => {
      const id = config.groups[i].id
      const up = (groups[id] ?? NO_TUNNEL).up
      const own = groupSources(config, seen, id, x.bypassed, up && x.tunnelAddrs)
      return {
        index: x.index,
        tunnelIface: x.tunnelIface,
        tunnelUp: up,
        tunnelCarriesV6: x.tunnelCarriesV6,
        vpnSources: own[family],
      }
    })
  const ipInput = {
    enabled,
    tunnelIface,
    tunnelUp: tunnel.up,
    tunnelCarriesV6: model.tunnelCarriesV6,
    keepOnWan: model.vpnBypassed ? '' : model.routerViaWan,
  }
  const withGroups = (family: 'v4' | 'v6') =>
    config.groups.length ? { groups: ipGroups(family) } : {}
  const ip4 = desiredIp({ ...ipInput, vpnSources: sources.v4, ...withGroups('v4') }, 4)
  const ip6 = desiredIp({ ...ipInput, vpnSources: sources.v6, ...withGroups('v6') }, 6)
  // MARK_DIRECT → main, while a table with rules carries it.
  if (rules.length && enabled) for (const ip of [ip4, ip6]) ip.rules.unshift(...ruleIpRules())
  if (!enabled) {
    return { model, nft: null, nftHash: '', fw4Include: '', rules: null, ip4, ip6, devices: counts }
  }
  // The persisted version is closed and uses the configured location (not a failover one) with
  // its own resolvers (not pushed ones), so it changes only when the user changes something: no
  // flash writes while idling, failing over or reconnecting. It holds what boot-time rules need
  // and no more (a file on flash): the devices' MACs by mode and the resolvers, but not the
  // tunnel's own addresses (an identifier the provider gave this account). No tunnel exists at
  // boot; after a firewall reload while connected, the source rules lead the tunnel's addresses
  // into the VPN table until the daemon puts the live table back.
  const active = profileById(config, config.globals.activeProfile)
  // No entry for a group: its configured location, down, with that location's own resolvers.
  const closed = nftModel(
    config,
    { ...tunnel, profile: active, up: false, pushedDns: [] },
    tunnelIface,
    lan
  )
  const closedGroups = closed.groups?.map((x, i) => ({
    ...x,
    tunnelCarriesV6: model.groups?.[i].tunnelCarriesV6 === true && x.tunnelCarriesV6,
    tunnelAddrs: undefined,
  }))
  const nft = renderNftTable(model)
  const boot = closedModel({
    ...closed,
    tunnelCarriesV6: model.tunnelCarriesV6 && hasV6(active),
    tunnelAddrs: undefined,
    ...(closedGroups ? { groups: closedGroups } : {}),
  })
  const bootRules = rulesOf(config, boot, [])
  return {
    model,
    nft,
    nftHash: parseAppliedHash(nft),
    fw4Include: renderNftTable(withRules(boot, bootRules.body)),
    rules: live.nft ? { nft: live.nft, hash: live.hash, include: bootRules.nft ?? '' } : null,
    ip4,
    ip6,
    devices: counts,
  }
}

/** The steps from observed to desired; empty when the router already matches. Routing is set up
 * after the firewall rules (guards before steering), and the includes are persisted last. With
 * `applied` still the live table, a change of device modes only is a set update of it. The rules'
 * table comes before the main one and goes after it, and so does its include: the main table, live
 * or at boot, never holds traffic to a rules table that is not there. */
export function diffState(
  desired: Desired,
  observed: Observed,
  applied: Applied | null = null
): PlanStep[] {
  const steps: PlanStep[] = []
  const rules = desired.rules
  if (rules && (observed.rulesHash ?? '') !== rules.hash)
    steps.push({ kind: 'nft-rules', script: rules.nft })
  if (desired.nft === null) {
    if (observed.nftHash !== '') steps.push({ kind: 'nft-delete', script: renderNftDelete() })
  } else if (observed.nftHash !== desired.nftHash) {
    const live = applied && applied.hash === observed.nftHash ? applied.model : null
    const sets = live && renderMembershipUpdate(live, desired.model, desired.nftHash)
    steps.push(
      sets
        ? { kind: 'nft-sets', script: sets, table: desired.nft }
        : { kind: 'nft-apply', script: desired.nft }
    )
  }
  if (!rules && (observed.rulesHash ?? '') !== '')
    steps.push({ kind: 'nft-delete', script: renderNftDelete(NFT_RULES_TABLE) })
  const ip4 = diffIp(desired.ip4, observed.ip4)
  if (ip4.length) steps.push({ kind: 'ip-batch', family: 4, lines: ip4 })
  const ip6 = diffIp(desired.ip6, observed.ip6)
  if (ip6.length) steps.push({ kind: 'ip-batch', family: 6, lines: ip6 })
  const rulesInclude = rules?.include ?? ''
  const persistRules: PlanStep[] =
    (observed.fw4RulesInclude ?? '') !== rulesInclude
      ? [{ kind: 'persist-include', file: 'fw4RulesInclude', text: rulesInclude, live: rules?.nft }]
      : []
  if (rulesInclude) steps.push(...persistRules)
  if ((observed.fw4Include ?? '') !== desired.fw4Include)
    steps.push({
      kind: 'persist-include',
      file: 'fw4Include',
      text: desired.fw4Include,
      live: desired.nft ?? undefined,
    })
  if (!rulesInclude) steps.push(...persistRules)
  return steps
}
