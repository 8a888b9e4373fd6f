// Everything lanvpn owns on a router, named once. `lanvpn cleanup` removes exactly these, and
// nothing else on the router may be touched (style.md, Boundaries).

/** Package, ubus object, UCI config and syslog tag. */
export const PKG = 'lanvpn'

/** Our own nft table. A separate table (not rules inside `inet fw4`) survives `fw4 reload`, which
 * flushes and re-declares `inet fw4` on every zone ifup (openwrt-contracts §6.1). */
export const NFT_TABLE = 'lanvpn'
export const NFT_FAMILY = 'inet'

/** First owned ip-rule priority; rules live in [PRIO_BASE, PRIO_BASE + 100), in steps of 10 so admins
 * can insert rules between them. Below `main` (32766) so a more specific route the WAN's DHCP pushes
 * into main cannot pull marked traffic out; above netifd's defaults (0, 32766, 32767) and away from
 * pbr (30000+) and mwan3 (1000–2000 and 2001+ per interface). */
export const PRIO_BASE = 5200
export const PRIO_SPAN = 100

/** Routing table for traffic that must use the tunnel. Carries its own `unreachable default`, so
 * routing fails closed when the tunnel route disappears. Chosen away from netifd's ip4table/ip6table
 * habits (small numbers) and pbr's (256+ by name). */
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

/** Metric of the VPN table's `unreachable default`: the largest, so the tunnel's default (metric 0)
 * wins while it exists and routing fails closed the moment it goes. */
export const UNREACHABLE_METRIC = 4278198272

/** Default name of the tunnel interface. wireguard-go sockets live in /var/run/wireguard/<name>.sock,
 * shared by every namespace on a machine, so the name must be unique there too (lab.md). */
export const TUNNEL_IFACE = 'lanvpn0'

/** UCI section types lanvpn's own config uses. Named sections carry only [A-Za-z0-9_]. */
export const UCI_TYPES = ['globals', 'profile', 'device', 'mediastreamer'] as const
