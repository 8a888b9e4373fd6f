// A walker over lanvpn's rendered nft chains and ip rules, for tests that prove where a packet
// goes (issue 21's group kill switch, issue 22's rules by destination). It reads the rule lines
// themselves (the golden and kernel tests check that nft takes them); a rule it does not
// understand fails the test rather than being skipped.
import { groupTable } from '../../applet/src/core/ids'
import type { IpState } from '../../applet/src/core/plan/ip'

/** A packet as the rules see it. `dst`, `proto` and `dport` only matter to rules matching on
 * them; a packet without them matches none of those. */
export type Packet = {
  mark: number
  mac: string
  iif: string
  oif: string
  v6: boolean
  dst?: string
  proto?: 'tcp' | 'udp' | 'icmp' | 'ipv6-icmp'
  dport?: number
}

/** The rules of one chain, one per line, without its `type … hook` line. */
export function chain(script: string, name: string): string[] {
  const m = new RegExp(`\\tchain ${name} \\{\\n([\\s\\S]*?)\\n\\t\\}`).exec(script)
  if (!m) throw new Error(`no chain ${name}`)
  return m[1]
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => !l.startsWith('type '))
}

/** Members of each named set. */
export function sets(script: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const m of script.matchAll(/\tset (\w+) \{\n([\s\S]*?)\n\t\}/g)) {
    const el = /elements = \{ ([^}]*) \}/.exec(m[2])
    out[m[1]] = el ? el[1].split(', ') : []
  }
  return out
}

const names = (s: string): string[] =>
  s
    .replace(/[{}"]/g, '')
    .split(',')
    .map((x) => x.trim())

/** An address as a number (IPv4 in 32 bits, IPv6 in 128). */
function toBig(addr: string): bigint {
  if (!addr.includes(':')) return addr.split('.').reduce((n, o) => (n << 8n) | BigInt(o), 0n)
  const [head, tail = ''] = addr.split('::')
  const h = head ? head.split(':') : []
  const t = addr.includes('::') ? (tail ? tail.split(':') : []) : []
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n)
}

/** Whether `addr` is in `cidr` (a bare address: itself). */
export function inCidr(addr: string, cidr: string): boolean {
  const [net, len] = cidr.split('/')
  if (net.includes(':') !== addr.includes(':')) return false
  const bits = net.includes(':') ? 128 : 32
  const shift = BigInt(bits - Number(len ?? bits))
  return toBig(addr) >> shift === toBig(net) >> shift
}

/** Runs a packet through a chain's rules: the verdict ('drop', 'return', 'accept', 'jump X',
 * 'goto X' or 'end') and the mark it leaves with. */
export function walk(
  rules: string[],
  p: Packet,
  members: Record<string, string[]>
): { verdict: string; mark: number } {
  let mark = p.mark
  for (const rule of rules) {
    let rest = rule
    let matches = true
    const take = (re: RegExp, test: (m: RegExpExecArray) => boolean): boolean => {
      const m = re.exec(rest)
      if (!m) return false
      rest = rest.slice(m[0].length).trim()
      if (!test(m)) matches = false
      return true
    }
    const inPorts = (list: string) =>
      p.dport !== undefined &&
      names(list).some((x) => {
        const [a, b = a] = x.split('-').map(Number)
        return p.dport! >= a && p.dport! <= b
      })
    while (rest && matches) {
      const known =
        take(/^meta mark & (0x[0-9a-f]+) (==|!=) (0x[0-9a-f]+)/, (m) => {
          const eq = (mark & Number(m[1])) >>> 0 === Number(m[3])
          return m[2] === '==' ? eq : !eq
        }) ||
        take(/^(iifname|oifname) (!= )?("[^"]+"|\{ [^}]+ \})/, (m) => {
          const inSet = names(m[3]).includes(m[1] === 'iifname' ? p.iif : p.oif)
          return m[2] ? !inSet : inSet
        }) ||
        take(/^ether saddr (!= )?@(\w+)/, (m) => {
          const inSet = (members[m[2]] ?? []).includes(p.mac)
          return m[1] ? !inSet : inSet
        }) ||
        take(/^(ip|ip6) daddr @(\w+)/, (m) => {
          if ((m[1] === 'ip6') !== p.v6 || !p.dst) return false
          return (members[m[2]] ?? []).some((c) => inCidr(p.dst!, c))
        }) ||
        take(/^meta nfproto (ipv4|ipv6)/, (m) => (m[1] === 'ipv6') === p.v6) ||
        take(
          /^meta l4proto \{ tcp, udp \} th dport 53/,
          () => (p.proto === 'tcp' || p.proto === 'udp') && p.dport === 53
        ) ||
        take(/^meta l4proto (icmp|ipv6-icmp)(?= )/, (m) => p.proto === m[1]) ||
        take(/^(tcp|udp) dport \{ ([^}]+) \}/, (m) => p.proto === m[1] && inPorts(m[2])) ||
        take(/^meta mark set meta mark & (0x[0-9a-f]+) \| (0x[0-9a-f]+)/, (m) => {
          mark = ((mark & Number(m[1])) | Number(m[2])) >>> 0
          return true
        }) ||
        take(/^meta mark set meta mark \| (0x[0-9a-f]+)/, (m) => {
          mark = (mark | Number(m[1])) >>> 0
          return true
        })
      if (known) continue
      const verdict = /^(drop|return|accept|jump \w+|goto \w+)$/.exec(rest)
      if (!verdict) throw new Error(`the walker does not know: ${rule}`)
      return { verdict: verdict[1], mark }
    }
  }
  return { verdict: 'end', mark }
}

/** walk from a base chain, following `goto` into the chains it names: the last chain's verdict
 * and the mark. */
export function walkFrom(
  script: string,
  name: string,
  p: Packet,
  members: Record<string, string[]>
): { verdict: string; mark: number } {
  let res = walk(chain(script, name), p, members)
  for (let hops = 0; res.verdict.startsWith('goto ') && hops < 8; hops++)
    res = walk(chain(script, res.verdict.slice(5)), { ...p, mark: res.mark }, members)
  return res
}

/** The table routing picks for a packet with this mark and source (ip rules in priority order),
 * and that table's usable ways out ('unreachable' when none, 'main' for the main table). */
export function route(ip: IpState, mark: number, from: string): string[] {
  const rules = [...ip.rules].sort((a, b) => a.priority - b.priority)
  for (const r of rules) {
    if (r.oif) continue
    if (r.fwmark) {
      const [value, mask] = r.fwmark.split('/').map(Number)
      if ((mark & mask) !== value) continue
    } else if (r.from && r.from.split('/')[0] !== from) continue
    if (r.table === 'main') return ['main']
    const table = Number(r.table)
    const routes = ip.routes.filter((x) => (x.table ?? groupTable(0)) === table)
    const best = routes.sort((a, b) => a.metric - b.metric)[0]
    return !best || best.type === 'unreachable' ? ['unreachable'] : [best.dev]
  }
  return ['main']
}
