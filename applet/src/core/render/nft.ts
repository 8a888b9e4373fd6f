// Renders the whole `inet lanvpn` table as one nft script. Applied with `nft -f`, it is one
// transaction: the table is created if missing, deleted and declared anew, so the result is exactly
// this text whatever was there before, with no moment in between where rules are missing.
//
// How a packet from a LAN device is handled:
//   prerouting/mangle  mark_devices: on the LAN devices lanvpn manages, the device's mode (by MAC, so
//                      IPv4 and IPv6 follow the device) becomes a mark under MARK_MASK; devices in
//                      no set get the default mode. A direct LAN interface is left alone, a
//                      blocked one is marked blocked.
//   prerouting/dstnat  dns_redirect: DNS (UDP and TCP 53) of vpn devices goes to the tunnel's DNS,
//                      of mediastreamer devices to the smart-DNS servers; otherwise dropped.
//   routing            ip rule: MARK_VPN → the VPN table (tunnel default, else unreachable).
//   forward            killswitch: a vpn packet leaving by anything but the tunnel is dropped; so
//                      is every packet of a blocked device, and IPv6 of vpn devices when the
//                      profile has none.
//                      proof_count (after fw4's forward): for devices someone asked "is it
//                      protected?" about, counts what left by the tunnel, by anything else, and
//                      IPv6 (see PROOF_SETS).
//   input              blocked_input: blocked devices get DHCP (and IPv6 neighbour discovery) only.
//   postrouting        nat_tunnel: masquerade into the tunnel. MSS clamped on the way in.
// Device groups (issue 21): each group besides the default one has its own set of vpn devices, its
// own mark (core/ids.ts groupMark), DNS chain and tunnel, and the same kill switch rules against its
// own tunnel: its marked traffic leaves by that tunnel or not at all, never by the WAN or another
// group's tunnel. Without groups the script is exactly the one from before groups.
// None of the fail-closed rules depends on the tunnel being up, so the same script is persisted for
// the firewall to load at boot and on every reload (see `closed`).
import {
  groupMark,
  MARK_BLOCKED,
  MARK_MASK,
  MARK_MEDIASTREAMER,
  MARK_RULES_SEEN,
  MARK_VPN,
  NFT_FAMILY,
  NFT_TABLE,
} from '../ids'
import type { DeviceMode } from '../config/types'
import { fnv1a } from '../hash'

/** What the table holds. */
export type NftModel = {
  /** MACs per mode (lower-case colon form). */
  devices: Record<DeviceMode, string[]>
  /** Mode of devices in no set (never seen before). */
  defaultMode: DeviceMode
  /** The Linux devices of the LAN side (core/observe/lan.ts): those whose devices each follow
   * their own mode (never empty), and those whose devices all go directly or are all blocked;
   * `closed`: the managed ones whose firewall zone's input is not ACCEPT (a guest network), where
   * fw4 would reject a lookup redirected to lanvpn's own dnsmasq. */
  lan: { managed: string[]; direct: string[]; blocked: string[]; closed?: string[] }
  tunnelIface: string
  /** True only while the kill switch is `auto` and the user disconnected on purpose: vpn devices
   * then use the WAN. Never true in the persisted (boot-time) version. */
  vpnBypassed: boolean
  /** Whether the tunnel carries IPv6 (the profile has a v6 address). */
  tunnelCarriesV6: boolean
  /** The tunnel's DNS servers; vpn devices' DNS goes there, or is dropped when a family has none. */
  tunnelDns: { v4: string[]; v6: string[] }
  /** The MediaStreamer smart-DNS servers (empty: mediastreamer devices use the router's DNS). */
  smartDns: { v4: string[]; v6: string[] }
  /** The WAN device when the router's own traffic goes through the tunnel, else ''. */
  routerViaWan: string
  /** The tunnel's own addresses (no prefix length). */
  tunnelAddrs?: { v4: string[]; v6: string[] }
  /** The port of lanvpn's own dnsmasq for the vpn devices' DNS, instead of the tunnel's resolver
   * (core/render/dnsmasq.ts); and of the one for the other devices' (unmarked) DNS. */
  dnsPort?: number
  directDnsPort?: number
  /** The groups besides the default one, in index order; the fields above are the default
   * group's. Absent or empty: no groups. */
  groups?: NftGroup[]
  /** Destination rules are in force (their own table, render/nft-rules.ts): a managed device's
   * packet that table did not see (MARK_RULES_SEEN) is dropped. */
  rulesSeen?: boolean
}

/** One group besides the default one, as its rules need it. */
export type NftGroup = {
  /** 1…MAX_GROUPS: names its mark and set (core/ids.ts). */
  index: number
  /** MACs of its devices in vpn mode (in no DEVICE_SETS set: a device is in one set only). */
  devices: string[]
  tunnelIface: string
  /** As NftModel.vpnBypassed, for this group: its devices then use the WAN unmarked. */
  bypassed: boolean
  tunnelCarriesV6: boolean
  tunnelDns: { v4: string[]; v6: string[] }
  tunnelAddrs?: { v4: string[]; v6: string[] }
  dnsPort?: number
}

/** nft set of a group's vpn devices. */
export const groupSet = (index: number): string => `vpn_group${index}`

/** nft set name per device mode. */
export const DEVICE_SETS: Record<DeviceMode, string> = {
  vpn: 'vpn_devices',
  direct: 'direct_devices',
  mediastreamer: 'mediastreamer_devices',
  blocked: 'blocked_devices',
}

const MODE_MARK: Record<DeviceMode, number> = {
  vpn: MARK_VPN,
  direct: 0,
  mediastreamer: MARK_MEDIASTREAMER,
  blocked: MARK_BLOCKED,
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`
const quote = (s: string) => JSON.stringify(s)
const isMarked = (mark: number) => `meta mark & ${hex(MARK_MASK)} == ${hex(mark)}`
/** Interface names as nft matches them: one name, or an anonymous set. */
const ifnames = (names: string[]) =>
  names.length === 1 ? quote(names[0]) : `{ ${names.map(quote).join(', ')} }`
const groupsOf = (m: NftModel): NftGroup[] => m.groups ?? []
/** Every tunnel interface: the default group's, then the groups'. */
const tunnels = (m: NftModel): string[] => [m.tunnelIface, ...groupsOf(m).map((g) => g.tunnelIface)]

/** The sets that answer "is this device protected?" for the devices someone asked about. `armed`
 * gates the counting; each other set counts its element's packets (a per-element counter, bumped
 * by the lookup itself). The table always declares them empty: the daemon adds a device to all of
 * them for a while when asked (core/render/proof.ts) and the kernel's timeout empties them again,
 * so a device nobody asked about costs one lookup in an empty set per forwarded packet. A table
 * rebuilt meanwhile starts them empty (the answer then says counting started anew). */
export const PROOF_SETS = {
  armed: 'proof',
  /** Forwarded out of the tunnel. */
  tunnel: 'proof_tunnel',
  /** Forwarded out of anything but the tunnel and the LAN: the WAN, or any other way out. */
  wan: 'proof_wan',
  /** Dropped by the kill switch, the blocked mode, or the vpn DNS rule when a family has no
   * resolver. */
  stopped: 'proof_stopped',
  /** DNS lookups (new flows) sent to the tunnel's resolver. */
  dns: 'proof_dns',
  /** IPv6 packets sent on out of the router, by any interface but the LAN. */
  ipv6: 'proof_ipv6',
} as const

/** Counts a packet of an asked-about device in `set` and goes on: no verdict, so the rule after
 * it decides exactly as it would without it. */
const countIn = (set: string) => `ether saddr @${set}`

function renderProofSets(): string[] {
  return Object.values(PROOF_SETS).flatMap((name) => [
    `\tset ${name} {`,
    '\t\ttype ether_addr',
    '\t\tflags timeout',
    ...(name === PROOF_SETS.armed ? [] : ['\t\tcounter']),
    '\t}',
  ])
}

/** What the router sent on, for asked-about devices only (the first rule returns for everyone
 * else; traffic between LAN devices is not leaving). In forward after the kill switch and fw4's
 * own forward chain (priority filter): what reaches it was let through. Not in postrouting: there
 * a packet routed into a tun device (wireguard-go, OpenVPN) no longer matches its Ethernet source
 * (seen in the lab), so the tunnel would count nothing. */
function proofChain(m: NftModel): string[] {
  const tun = ifnames(tunnels(m))
  const lan = [...m.lan.managed, ...m.lan.direct, ...m.lan.blocked]
  return [
    '\tchain proof_count {',
    '\t\ttype filter hook forward priority filter + 10; policy accept;',
    `\t\tether saddr != @${PROOF_SETS.armed} return`,
    `\t\toifname ${ifnames(lan)} return`,
    `\t\toifname ${tun} ${countIn(PROOF_SETS.tunnel)}`,
    `\t\toifname != ${tun} ${countIn(PROOF_SETS.wan)}`,
    `\t\tmeta nfproto ipv6 ${countIn(PROOF_SETS.ipv6)}`,
    '\t}',
  ]
}

/** `verdict` after the same rule counting the packet as stopped, so an asked-about device's drops
 * are counted and every device's packets are dropped exactly as before. */
const countedDrop = (match: string): string[] => [
  `\t\t${match} ${countIn(PROOF_SETS.stopped)}`,
  `\t\t${match} drop`,
]

function renderSet(name: string, macs: string[]): string[] {
  const elements = macs.length ? [`\t\telements = { ${[...macs].sort().join(', ')} }`] : []
  return [`\tset ${name} {`, '\t\ttype ether_addr', ...elements, '\t}']
}

function setMark(mark: number): string {
  // Keep every bit outside our mask (pbr, mwan3 and others use their own).
  return `meta mark set meta mark & ${hex(~MARK_MASK >>> 0)} | ${hex(mark)}`
}

/** The mark a mode gets, or 0 (no mark: direct; and vpn while bypassed). */
function markOf(mode: DeviceMode, m: NftModel): number {
  return mode === 'vpn' && m.vpnBypassed ? 0 : MODE_MARK[mode]
}

function markChain(m: NftModel): string[] {
  const lines = [
    '\tchain mark_devices {',
    '\t\ttype filter hook prerouting priority mangle; policy accept;',
  ]
  if (m.lan.direct.length) lines.push(`\t\tiifname ${ifnames(m.lan.direct)} return`)
  if (m.lan.blocked.length)
    lines.push(`\t\tiifname ${ifnames(m.lan.blocked)} ${setMark(MARK_BLOCKED)} return`)
  // A device the user put in vpn mode is marked whatever interface its frames come in by: the LAN
  // renamed or moved (netifd made it br-lan.1) is not yet in `managed` until the next reconcile,
  // and its devices' new addresses are in no source rule. nft matches ether saddr only on
  // Ethernet interfaces (an implied `meta iiftype ether`).
  const vpnMark = markOf('vpn', m)
  const notManaged = `iifname != ${ifnames(m.lan.managed)}`
  if (vpnMark)
    lines.push(`\t\t${notManaged} ether saddr @${DEVICE_SETS.vpn} ${setMark(vpnMark)} return`)
  for (const g of groupsOf(m))
    if (!g.bypassed)
      lines.push(
        `\t\t${notManaged} ether saddr @${groupSet(g.index)} ${setMark(groupMark(g.index))} return`
      )
  lines.push(`\t\t${notManaged} return`)
  for (const mode of ['direct', 'blocked', 'mediastreamer', 'vpn'] as DeviceMode[]) {
    const mark = markOf(mode, m)
    lines.push(`\t\tether saddr @${DEVICE_SETS[mode]} ${mark ? `${setMark(mark)} ` : ''}return`)
  }
  // A bypassed group's devices go unmarked (the WAN), never on to the default mode's mark.
  for (const g of groupsOf(m)) {
    const mark = g.bypassed ? '' : `${setMark(groupMark(g.index))} `
    lines.push(`\t\tether saddr @${groupSet(g.index)} ${mark}return`)
  }
  const fallback = markOf(m.defaultMode, m)
  if (fallback) lines.push(`\t\t${setMark(fallback)}`)
  return [...lines, '\t}']
}

/** `isVpn`: the vpn devices' resolver, the only way out for their DNS: a family without one is
 * dropped, and an asked-about device's lookups are counted (sent, or stopped). */
function dnatRules(dns: { v4: string[]; v6: string[] }, isVpn: boolean): string[] {
  // One server per family: nft's dnat takes one address (a map could balance, not worth it here).
  const out: string[] = []
  const family = (nfproto: string, ip: string, server: string | undefined) => {
    const match = `meta nfproto ${nfproto}`
    if (server) {
      if (isVpn) out.push(`\t\t${match} ${countIn(PROOF_SETS.dns)}`)
      out.push(`\t\t${match} dnat ${ip} to ${server}`)
    } else if (isVpn) out.push(...countedDrop(match))
  }
  family('ipv4', 'ip', dns.v4[0])
  family('ipv6', 'ip6', dns.v6[0])
  return out
}

function dnsChains(m: NftModel): string[] {
  const l4 = 'meta l4proto { tcp, udp }'
  const dns53 = `${l4} th dport 53`
  const lines = [
    '\tchain dns_redirect {',
    '\t\ttype nat hook prerouting priority dstnat - 5; policy accept;',
    `\t\tiifname != ${ifnames(m.lan.managed)} return`,
  ]
  if (!m.vpnBypassed) lines.push(`\t\t${isMarked(MARK_VPN)} ${dns53} jump dns_vpn`)
  for (const g of groupsOf(m))
    if (!g.bypassed)
      lines.push(`\t\t${isMarked(groupMark(g.index))} ${dns53} jump dns_vpn${g.index}`)
  const smart = m.smartDns.v4.length + m.smartDns.v6.length > 0
  if (smart) lines.push(`\t\t${isMarked(MARK_MEDIASTREAMER)} ${dns53} jump dns_smart`)
  // On a closed network (fw4 rejects what the redirect sends to the router's input) a device's
  // DNS goes where it went before lanvpn's own dnsmasq: the router's for unmarked devices, the
  // tunnel's resolver for vpn devices (no `.lan` names; domain rules by look-up, daemon/dns.ts).
  const closed = m.lan.closed?.length ? ifnames(m.lan.closed) : ''
  const open = closed && `iifname != ${closed} `
  if (m.directDnsPort)
    lines.push(`\t\t${open}${isMarked(0)} ${dns53} redirect to :${m.directDnsPort}`)
  lines.push('\t}')
  // vpn devices: the tunnel's resolver through the tunnel, and nowhere else. A group's DNS is
  // its own tunnel's: the mark the packet keeps after the dnat routes it into that tunnel. With
  // lanvpn's own dnsmasq for the group (its port), both families go there: it asks the tunnel's
  // resolver on a socket bound to the tunnel, and the router's dnsmasq for local names.
  const vpn = (dns: NftModel['tunnelDns'], port?: number) =>
    port
      ? [
          ...(closed ? dnatRules(dns, true).map((l) => `\t\tiifname ${closed} ${l.slice(2)}`) : []),
          `\t\t${countIn(PROOF_SETS.dns)}`,
          `\t\t${l4} redirect to :${port}`,
        ]
      : dnatRules(dns, true)
  lines.push('\tchain dns_vpn {', ...vpn(m.tunnelDns, m.dnsPort), '\t}')
  for (const g of groupsOf(m))
    lines.push(`\tchain dns_vpn${g.index} {`, ...vpn(g.tunnelDns, g.dnsPort), '\t}')
  if (smart) lines.push('\tchain dns_smart {', ...dnatRules(m.smartDns, false), '\t}')
  return lines
}

/** Nothing with the tunnel's own address as its source leaves by another interface. The router's
 * kernel answers tunnel-side packets it has no connection for (a server retransmitting to a flow
 * whose conntrack entry went with the old interface) with a reset from that address, and main,
 * which has no route into the tunnel, would send it out of the WAN. */
function tunnelSourceChain(m: NftModel): string[] {
  const all = [m, ...groupsOf(m)]
  const lines: string[] = []
  for (const [family, ip] of [
    ['v4', 'ip'],
    ['v6', 'ip6'],
  ] as const) {
    // Two tunnels may be given the same address (some providers give every client one): such an
    // address may leave by either of them, never by anything else.
    const ifacesOf = new Map<string, string[]>()
    for (const t of all)
      for (const a of t.tunnelAddrs?.[family] ?? [])
        ifacesOf.set(a, [...(ifacesOf.get(a) ?? []), t.tunnelIface])
    const byIfaces = new Map<string, string[]>()
    for (const [a, ifaces] of ifacesOf) {
      const key = ifnames([...new Set(ifaces)])
      byIfaces.set(key, [...(byIfaces.get(key) ?? []), a])
    }
    for (const [key, addrs] of byIfaces)
      lines.push(`\t\toifname != ${key} ${ip} saddr { ${addrs.join(', ')} } drop`)
  }
  if (lines.length === 0) return []
  return [
    '\tchain tunnel_source {',
    '\t\ttype filter hook output priority filter - 10; policy accept;',
    ...lines,
    '\t}',
  ]
}

/** The router's own traffic through the tunnel (setting router_via_vpn): what the main table would
 * send out of the WAN gets the vpn mark and is routed again, into the VPN table. Not: the tunnel's
 * own packets (they carry MARK_TUNNEL), traffic to the LAN or loopback, sockets bound to the WAN
 * (an `ip rule oif` sends those to main: MediaStreamer's registration must leave by the WAN), and
 * the router's DNS (it resolves the VPN server's name before the tunnel is up). */
function routerChain(m: NftModel): string[] {
  if (!m.routerViaWan || m.vpnBypassed) return []
  return [
    '\tchain router_output {',
    '\t\ttype route hook output priority mangle; policy accept;',
    `\t\tmeta mark & ${hex(MARK_MASK)} != 0x00000000 return`,
    `\t\toifname != ${quote(m.routerViaWan)} return`,
    '\t\tmeta l4proto { tcp, udp } th dport 53 return',
    `\t\t${setMark(MARK_VPN)}`,
    '\t}',
  ]
}

/** One tunnel's kill switch: what carries `mark` leaves by `iface` or is dropped (IPv6 too when
 * the tunnel carries none), and what comes in by it goes to the LAN or nowhere. While the tunnel is
 * set up again (a daemon restart, an upgrade) its address is briefly not the router's, and a reply
 * arriving then would be routed by main, out of the WAN, with the tunnel's address in it. */
function tunnelGuard(m: NftModel, mark: number, iface: string, carriesV6: boolean): string[] {
  const tun = quote(iface)
  return [
    ...countedDrop(`${isMarked(mark)} oifname != ${tun}`),
    ...(carriesV6 ? [] : countedDrop(`${isMarked(mark)} meta nfproto ipv6`)),
    `\t\tiifname ${tun} oifname != ${ifnames(m.lan.managed)} drop`,
  ]
}

function filterChains(m: NftModel): string[] {
  const tun = ifnames(tunnels(m))
  const ks = [
    '\tchain killswitch {',
    '\t\ttype filter hook forward priority filter - 10; policy accept;',
    ...countedDrop(isMarked(MARK_BLOCKED)),
    ...(m.rulesSeen
      ? countedDrop(
          `iifname ${ifnames(m.lan.managed)} meta mark & ${hex(MARK_RULES_SEEN)} == 0x00000000`
        )
      : []),
    ...tunnelGuard(m, MARK_VPN, m.tunnelIface, m.tunnelCarriesV6),
    ...groupsOf(m).flatMap((g) =>
      tunnelGuard(m, groupMark(g.index), g.tunnelIface, g.tunnelCarriesV6)
    ),
    '\t}',
  ]
  return [
    ...ks,
    '\tchain blocked_input {',
    '\t\ttype filter hook input priority filter - 10; policy accept;',
    `\t\tmeta mark & ${hex(MARK_MASK)} != ${hex(MARK_BLOCKED)} return`,
    '\t\tudp dport { 67, 547 } accept',
    '\t\tmeta l4proto ipv6-icmp accept',
    `\t\t${countIn(PROOF_SETS.stopped)}`,
    '\t\tdrop',
    '\t}',
    '\tchain mss_clamp {',
    '\t\ttype filter hook forward priority mangle; policy accept;',
    `\t\toifname ${tun} tcp flags syn tcp option maxseg size set rt mtu`,
    '\t}',
    '\tchain nat_tunnel {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    `\t\toifname ${tun} masquerade`,
    '\t}',
  ]
}

/** The full script for `nft -f`. Deterministic: the same model gives the same bytes. */
export function renderNftTable(m: NftModel): string {
  return renderTable(NFT_TABLE, [
    ...(Object.keys(DEVICE_SETS) as DeviceMode[]).flatMap((mode) =>
      renderSet(DEVICE_SETS[mode], m.devices[mode])
    ),
    ...groupsOf(m).flatMap((g) => renderSet(groupSet(g.index), g.devices)),
    ...renderProofSets(),
    ...markChain(m),
    ...dnsChains(m),
    ...filterChains(m),
    ...tunnelSourceChain(m),
    ...routerChain(m),
    ...proofChain(m),
  ])
}

/** One of lanvpn's tables (`name` in NFT_FAMILY) with `body`, its sets and chains, as one
 * transaction: created if missing, deleted and declared anew. The table carries the hash of its own
 * content as the one rule of the chain `applied` (no hook: it never sees a packet), so the daemon
 * can tell with one cheap command whether what is loaded is what it wants, whoever loaded it
 * (itself, before a crash, or the firewall from the persisted include). A rule, not a set's
 * element: `nft flush table` takes every rule and keeps the sets, so a flushed table (its kill
 * switch gone) shows no hash and is applied again. */
export function renderTable(name: string, body: string[]): string {
  const t = `${NFT_FAMILY} ${name}`
  const applied = ['\tchain applied {', `\t\tmeta mark 0x${fnv1a(body.join('\n'))}`, '\t}']
  return [`table ${t}`, `delete table ${t}`, `table ${t} {`, ...applied, ...body, '}', ''].join(
    '\n'
  )
}

/** The hash in `nft list chain inet lanvpn applied` output (or a table's script), normalised (''
 * when there is none). */
export function parseAppliedHash(text: string): string {
  const m = /chain applied \{\s+meta mark (0x[0-9a-fA-F]+)/.exec(text)
  return m ? hex(parseInt(m[1], 16)) : ''
}

/** The version the firewall loads at boot and on every reload: the same table with the kill switch
 * closed, whatever the tunnel and the user are doing now. */
export function closedModel(m: NftModel): NftModel {
  const groups = m.groups?.map((g) => ({ ...g, bypassed: false }))
  // Until the daemon runs it, no instance answers the other devices' DNS: it goes where it was
  // sent. The vpn devices' stays with their instance (no answer until then: closed).
  const { directDnsPort: _, ...rest } = m
  return { ...rest, vpnBypassed: false, ...(groups ? { groups } : {}) }
}

/** Removes a table (the main one by default); for `enabled 0`, no more rules, and cleanup. */
export function renderNftDelete(name: string = NFT_TABLE): string {
  return `delete table ${NFT_FAMILY} ${name}\n`
}
