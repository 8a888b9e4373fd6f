// `ip -j neigh show` (iproute2 JSON): the kernel's neighbour tables, IPv4 (ARP) and IPv6 (NDP).
// Sample line of output: [{"dst":"192.168.50.183","dev":"br-lan","lladdr":"02:00:00:00:50:01",
// "state":["REACHABLE"]}, {"dst":"fd50::1","dev":"br-lan","state":["FAILED"]}]
// With `dev X` iproute2 leaves out "dev"; entries being resolved have no "lladdr".
import { isIpv4, isIpv6, normaliseMac } from '../config/formats'
import { parseJsonArray } from './ip'

/** One neighbour entry with a link-layer address. `isPresent` is false for FAILED and INCOMPLETE
 * (the kernel asked and nobody answered). Sample:
 * `{ family: 4, ip: '192.168.50.183', mac: '02:00:00:00:50:01', isPresent: true }` */
export type Neighbour = { family: 4 | 6; ip: string; mac: string; isPresent: boolean }

/** States in which the kernel has heard from the address recently enough to use it. */
const PRESENT = ['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT']

/** Parses `ip -j neigh show` output. Entries without a usable MAC or address are skipped;
 * text that is not JSON gives []. Never throws. */
export function parseNeighbours(text: string): Neighbour[] {
  const out: Neighbour[] = []
  for (const e of parseJsonArray(text)) {
    if (typeof e !== 'object' || e === null) continue
    const dst = typeof e.dst === 'string' ? e.dst.toLowerCase() : ''
    const mac = typeof e.lladdr === 'string' ? normaliseMac(e.lladdr) : null
    const family = isIpv4(dst) ? 4 : isIpv6(dst) ? 6 : 0
    if (mac === null || family === 0) continue
    const states = Array.isArray(e.state) ? e.state.filter((s) => typeof s === 'string') : []
    const isPresent = states.some((s) => PRESENT.includes(s as string))
    out.push({ family, ip: dst, mac, isPresent })
  }
  return out
}
