// Everything lanvpn owns on a router, named once. `lanvpn cleanup` removes exactly these, and
// nothing else on the router may be touched (style.md, Boundaries).

/** Package, ubus object, UCI config and syslog tag. */
export const PKG = 'lanvpn'

/** Our own nft table. A separate table (not rules inside `inet fw4`) survives `fw4 reload`, which
 * flushes and re-declares `inet fw4` on every zone ifup (openwrt-contracts §6.1). */
export const NFT_TABLE = 'lanvpn'
export const NFT_FAMILY = 'inet'

/** The destination rules' table (issue 22, core/render/nft-rules.ts): their sets, 10,000 CIDRs and
 * more, and the chain that re-marks by destination. A table of its own, with its own boot include,
 * so a device's or the tunnel's change never loads, checks or writes them again: it changes only
 * when the rules do. */
export const NFT_RULES_TABLE = 'lanvpn_rules'

/** First owned ip-rule priority; rules live in [PRIO_BASE, PRIO_BASE + 100), one kind of rule per
 * step of 10 so admins can insert rules between the kinds: PRIO_BASE the WAN-bound exception,
 * +10 the fwmark rules, +20 the source rules (core/plan/ip.ts). Within a kind each device group
 * has its own priority, +0 for the household's default group and +1…+MAX_GROUPS for the others
 * (groupPriority): every rule then has a priority of its own kind and group, so a rule is deleted
 * by priority and match without ever hitting another group's, and every group's fwmark rule comes
 * before every source rule (the mark, set by nft at once when a device moves, wins over a source
 * rule the same reconcile is about to move). Below `main` (32766) so a more specific route the
 * WAN's DHCP pushes into main cannot pull marked traffic out; above netifd's defaults (0, 32766,
 * 32767) and away from pbr (30000+) and mwan3 (1000–2000 and 2001+ per interface). */
export const PRIO_BASE = 5200
export const PRIO_SPAN = 100

/** Routing table for traffic that must use the tunnel. Carries its own `unreachable default`, so
 * routing fails closed when the tunnel route disappears. Chosen away from netifd's ip4table/ip6table
 * habits (small numbers) and pbr's (256+ by name). The default group's; group i uses
 * VPN_TABLE + i (groupTable), each with its own `unreachable default`. */
export const VPN_TABLE = 5201

/** Our fwmark bits. pbr claims 0x00ff0000 and mwan3 0x3f00; 0x0f000000 is free in both. */
export const MARK_MASK = 0x0f000000
/** Packet from a LAN device that must leave through the tunnel (mode `vpn`). */
export const MARK_VPN = 0x01000000
/** The tunnel's own encrypted UDP (wg fwmark): routed by main, never into the VPN table, since the
 * VPN rule matches MARK_VPN exactly under MARK_MASK. */
export const MARK_TUNNEL = 0x02000000
/** Packet from a `blocked` device: DHCP and nothing past the router. */
export const MARK_BLOCKED = 0x03000000
/** Packet from a `mediastreamer` device: WAN, DNS redirected to the smart-DNS servers. */
export const MARK_MEDIASTREAMER = 0x04000000

/** Packet a destination rule (issue 22, core/render/nft-rules.ts) sends directly, whatever its
 * device's mode: routed by main, by the ip rule at PRIO_RULE_DIRECT. A value of its own, not "no
 * mark": a vpn device's source rule (PRIO_BASE + 20) would take an unmarked packet back into its
 * tunnel. 0x0e: past the modes (0x01–0x04) and the nine group marks room is left for (0x05–0x0d). */
export const MARK_DIRECT = 0x0e000000
/** Set (a bit, outside MARK_MASK) on every packet from a managed LAN device that the rules' table
 * saw. While rules are configured the main table drops a managed device's forwarded packet without
 * it: a missing rules table (deleted, or not loaded) stops traffic rather than leave a `via vpn`
 * or `blocked` rule unenforced. Not under MARK_MASK, so no fwmark rule or mark test is changed by
 * it; 0x10000000 is free in pbr's and mwan3's masks too. */
export const MARK_RULES_SEEN = 0x10000000

/** The ip rule MARK_DIRECT → main: after the WAN-bound exception (PRIO_BASE), before every fwmark
 * and source rule, which it must beat for a vpn device's matched destinations. Its value is exact
 * under MARK_MASK, so no other mark is taken by it. */
export const PRIO_RULE_DIRECT = PRIO_BASE + 5

/** Metric of the VPN table's `unreachable default`: the largest, so the tunnel's default (metric 0)
 * wins while it exists and routing fails closed the moment it goes. */
export const UNREACHABLE_METRIC = 4278198272

/** Default name of the tunnel interface. wireguard-go sockets live in /var/run/wireguard/<name>.sock,
 * shared by every namespace on a machine, so the name must be unique there too (lab.md). */
export const TUNNEL_IFACE = 'lanvpn0'

/** UCI section types lanvpn's own config uses. Named sections carry only [A-Za-z0-9_]. */
export const UCI_TYPES = ['globals', 'profile', 'device', 'mediastreamer', 'group'] as const

/** Device groups besides the household's default one (issue 21): each its own tunnel, table, mark
 * and rule priorities, numbered 1…MAX_GROUPS by their order in /etc/config/lanvpn (index 0 is the
 * default group, whose names are the ones above). Four: the number the budgets are set
 * for (500 devices over 4 tunnels) and what a small router carries as tunnel processes (an OpenVPN
 * client holds 2–4 MB). The names below leave room for 9: priorities +1…+9 within a step of 10,
 * tables 5202…5210, marks 0x05…0x0d under MARK_MASK. */
export const MAX_GROUPS = 4

/** First group mark: 0x01–0x04 are the modes above, so group i is marked 0x04 + i (0x05…0x08 for
 * four groups); the default group keeps MARK_VPN. Exact values under MARK_MASK, never bits: each
 * fwmark rule matches one value, so no group's rule can take another group's packet. */
const MARK_GROUP_BASE = 0x04

function checkGroup(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > MAX_GROUPS)
    throw new RangeError(`group index ${index} is outside 0-${MAX_GROUPS}`)
}

/** The fwmark a group's vpn devices get: MARK_VPN for the default group (0). */
export function groupMark(index: number): number {
  checkGroup(index)
  return index === 0 ? MARK_VPN : (MARK_GROUP_BASE + index) << 24
}

/** A group's routing table: VPN_TABLE for the default group (0), then the next numbers. */
export function groupTable(index: number): number {
  checkGroup(index)
  return VPN_TABLE + index
}

/** A group's ip-rule priority of one kind (`base`: PRIO_BASE + 10 for fwmark rules, + 20 for
 * source rules); the default group's is `base` itself. */
export function groupPriority(base: number, index: number): number {
  checkGroup(index)
  return base + index
}

/** A group's tunnel interface from the default one (`base`, TUNNEL_IFACE or a lab's own name):
 * `lanvpn0` gives lanvpn1…lanvpn4. A base not ending in 0 gets the digit appended (cut to
 * IFNAMSIZ, 15 characters). */
export function groupIface(base: string, index: number): string {
  checkGroup(index)
  if (index === 0) return base
  return base.endsWith('0') ? `${base.slice(0, -1)}${index}` : `${base.slice(0, 14)}${index}`
}

/** Whether a routing table number is one of lanvpn's (the default group's or a group's). */
export function isOwnedTable(table: number): boolean {
  return table >= VPN_TABLE && table <= VPN_TABLE + MAX_GROUPS
}

/** UCI section name that may not name a group: phase 2's `lanvpn` words use it for the default
 * group. */
export const DEFAULT_GROUP_WORD = 'default'
