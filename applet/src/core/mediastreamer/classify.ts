// What kind of WAN address the router has, from the address on its WAN interface and (when that
// is not public) the address an IP-echo service saw. Pure: IPv4 text in, a kind out.
//
// MediaStreamer registers an IPv4 address: smart-DNS services unlock the IPv4 address a TV's
// streaming traffic comes from, so IPv6 plays no part here.

/** What kind of WAN the router sits on (shown to the user, never the address itself).
 * - `public`: the WAN address is the public one; no echo is needed.
 * - `private`: the WAN address is private and the public one is not known yet (echo pending or
 *   failed).
 * - `double-nat`: a box in front (ISP modem, another router) translates again; the echo gave the
 *   public address, which is what gets registered.
 * - `cgnat`: the ISP shares one public address among many customers (100.64.0.0/10); registration
 *   cannot work.
 * - `unknown`: no IPv4 address on the WAN (down, or IPv6 only). */
export type WanKind = 'public' | 'private' | 'cgnat' | 'double-nat' | 'unknown'

/** Where an IPv4 address can be reached from: the internet, a private network, the ISP's shared
 * CGNAT space, or nowhere (not an address). */
export type Ipv4Scope = 'public' | 'private' | 'cgnat' | 'invalid'

/** The four octets of a dotted-quad IPv4 address, or null for anything else (no leading zeros,
 * no spaces, no prefix length). */
export function parseIpv4(text: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (!m) return null
  const octets = m.slice(1).map(Number)
  if (octets.some((o, i) => o > 255 || (m[i + 1].length > 1 && m[i + 1][0] === '0'))) return null
  return octets
}

/** Scope of an IPv4 address. The documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24)
 * count as public: the real internet never routes them, so no router gets one from an ISP, and the
 * lab uses them as its internet (lab.md). */
export function ipv4Scope(text: string): Ipv4Scope {
  const o = parseIpv4(text)
  if (!o) return 'invalid'
  const [a, b, c] = o
  if (a === 100 && b >= 64 && b <= 127) return 'cgnat'
  const isPrivate =
    a === 0 ||
    a === 10 ||
    a === 127 ||
    a >= 224 || // multicast and reserved
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && c === 0) || // IETF protocol assignments (DS-Lite B4 192.0.0.2)
    (a === 198 && (b === 18 || b === 19)) // benchmarking, used by some ISP modems
  return isPrivate ? 'private' : 'public'
}

/** The kind of WAN, from the WAN interface's IPv4 address (null: none) and the address an IP-echo
 * service saw (null: not asked or no usable answer). An echo answer that is not a public address
 * is ignored: no service on the internet can see one. */
export function classifyWan(wanAddress: string | null, echoAddress: string | null): WanKind {
  const local = wanAddress === null ? 'invalid' : ipv4Scope(wanAddress)
  const echo = echoAddress !== null && ipv4Scope(echoAddress) === 'public' ? echoAddress : null
  switch (local) {
    case 'invalid':
      return 'unknown'
    case 'cgnat':
      return 'cgnat'
    case 'public':
      // A public-looking address that the internet sees as another one: a NAT we cannot see.
      return echo !== null && echo !== wanAddress ? 'double-nat' : 'public'
    case 'private':
      return echo !== null ? 'double-nat' : 'private'
  }
}

/** The public IPv4 address to register for this WAN, or null when there is none (unknown,
 * private without an echo answer, or CGNAT, where registering would unlock a shared address). */
export function publicAddress(
  wanAddress: string | null,
  echoAddress: string | null
): string | null {
  const kind = classifyWan(wanAddress, echoAddress)
  if (kind === 'public') return wanAddress
  if (kind === 'double-nat') return echoAddress
  return null
}

/** Whether the public address must be asked of an IP-echo service (the WAN address is not public,
 * or there is none worth registering). Never true for a public WAN: then the router makes no echo
 * request at all. */
export function needsEcho(wanAddress: string | null): boolean {
  if (wanAddress === null) return false
  const scope = ipv4Scope(wanAddress)
  return scope === 'private' || scope === 'cgnat'
}
