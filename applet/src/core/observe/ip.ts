// Parsers of `ip` output. JSON (`ip -j`) needs the full ip (ip-full on OpenWrt), which lanvpn
// depends on anyway for `rule` support.

/** Priorities of `ip rule show` lines ("5200:\tfrom all fwmark … lookup 5201"). */
export function parseRulePriorities(text: string): number[] {
  const out: number[] = []
  for (const line of text.split('\n')) {
    const m = /^(\d+):/.exec(line.trim())
    if (m) out.push(Number(m[1]))
  }
  return out
}

/** One policy rule as lanvpn compares them (`oif` only for the WAN-bound exception). */
export type IpRule = {
  priority: number
  fwmark: string
  table: string
  oif?: string
  /** Source prefix (`addr/len`) of a `from` rule; absent for `from all`. */
  from?: string
}

/** One route of a table as lanvpn compares them: `unreachable default` or `default dev X`. */
export type IpRoute = { dst: string; type: 'unicast' | 'unreachable'; dev: string; metric: number }

/** JSON text as an array of objects' fields; [] for bad JSON, an empty text or another value. */
export function parseJsonArray(text: string): Array<Record<string, unknown>> {
  try {
    const v = JSON.parse(text.trim() || '[]') as unknown
    return Array.isArray(v) ? (v as Array<Record<string, unknown>>) : []
  } catch {
    return []
  }
}

/** `ip -j rule show` → rules (fwmark as "0x1000000/0xf000000", or '' without one). */
export function parseIpRules(text: string): IpRule[] {
  return parseJsonArray(text).map((r) => {
    const rule: IpRule = {
      priority: Number(r.priority ?? 0),
      fwmark: r.fwmark ? `${String(r.fwmark)}${r.fwmask ? `/${String(r.fwmask)}` : ''}` : '',
      table: String(r.table ?? ''),
    }
    if (r.oif) rule.oif = String(r.oif)
    if (typeof r.src === 'string' && r.src !== 'all') {
      const len = r.srclen ?? (r.src.includes(':') ? 128 : 32)
      rule.from = `${r.src}/${String(len)}`
    }
    return rule
  })
}

/** `ip -j route show table N` → routes. Kernel-added fields (flags, pref, protocol) are ignored. */
export function parseIpRoutes(text: string): IpRoute[] {
  return parseJsonArray(text).map(routeOf)
}

function routeOf(r: Record<string, unknown>): IpRoute {
  return {
    dst: String(r.dst ?? ''),
    type: r.type === 'unreachable' ? 'unreachable' : 'unicast',
    dev: r.type === 'unreachable' ? '' : String(r.dev ?? ''),
    metric: Number(r.metric ?? 0),
  }
}

/** `ip -j route show table all` → the routes of lanvpn's own tables (`isOwned`, core/ids.ts
 * isOwnedTable), each with its table: one process reads every group's table, and a table of a
 * group the config no longer has is read too, so its routes go. */
export function parseOwnedRoutes(
  text: string,
  isOwned: (table: number) => boolean
): Array<IpRoute & { table: number }> {
  const out: Array<IpRoute & { table: number }> = []
  for (const r of parseJsonArray(text)) {
    // main's routes carry no `table`; local's says "local".
    const table = /^[0-9]+$/.test(String(r.table ?? '')) ? Number(r.table) : NaN
    if (isOwned(table)) out.push({ ...routeOf(r), table })
  }
  return out
}

/** `ip -j addr show dev NAME` → its addresses as `addr/len` (link-local ones left out: the kernel
 * makes those, lanvpn never sets them). [] for bad JSON or no such device. */
export function parseIfaceAddresses(text: string): string[] {
  const out: string[] = []
  for (const link of parseJsonArray(text)) {
    const infos = Array.isArray(link.addr_info)
      ? (link.addr_info as Array<Record<string, unknown>>)
      : []
    for (const a of infos) {
      if (typeof a.local !== 'string' || a.scope === 'link') continue
      out.push(`${a.local}/${String(a.prefixlen ?? (a.local.includes(':') ? 128 : 32))}`)
    }
  }
  return out
}

/** An interface address as the kernel writes it back: a prefix length always, IPv6 in lower case.
 * (The kernel also compresses IPv6; a differently written address is then removed and set again,
 * which costs a moment, never a wrong address.) */
function normalAddress(a: string): string {
  const withLen = a.includes('/') ? a : `${a}/${a.includes(':') ? 128 : 32}`
  return withLen.toLowerCase()
}

/** `ip -batch` lines that give `iface` exactly the addresses `wanted`, in place: the ones it has
 * that are not wanted are removed, the wanted ones are set with `replace` (no error when present).
 * An address the interface keeps is never absent, not even for a moment, so a reply to it that
 * arrives meanwhile is delivered, never routed elsewhere. */
export function addressLines(iface: string, present: string[], wanted: string[]): string[] {
  const keep = new Set(wanted.map(normalAddress))
  const lines = present
    .filter((a) => !keep.has(normalAddress(a)))
    .map((a) => `address del ${a} dev ${iface}`)
  for (const a of wanted) lines.push(`address replace ${a} dev ${iface}`)
  return lines
}
