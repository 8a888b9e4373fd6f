// Static leases from /etc/config/dhcp: `config host` sections (openwrt-contracts §6.4). dnsmasq's
// init script turns each into --dhcp-host=<mac>[,<mac>…],<ip>,<name>; `mac` may hold several MACs
// separated by spaces, or be a list. The file belongs to the user and to LuCI, so a bad section is
// skipped, never an error.
import { getOption, sectionsOfType } from '../uci/doc'
import { parseUci } from '../uci/parse'
import { isIpv4, normaliseMac } from '../config/formats'

/** One static lease. `ip` is '' when none (or `ignore`) is set. Sample:
 * `{ name: 'laptop', macs: ['00:11:22:33:44:55'], ip: '192.168.1.50' }` */
export type StaticLease = { name: string; macs: string[]; ip: string }

/** The static leases of a dhcp config text. A section without a usable MAC is skipped. Throws
 * UciSyntaxError when the text is not UCI at all (the caller reports it and goes on without). */
export function parseDhcpHosts(text: string): StaticLease[] {
  const out: StaticLease[] = []
  for (const s of sectionsOfType(parseUci(text), 'host')) {
    const rawMac = getOption(s, 'mac')
    const items = rawMac === undefined ? [] : Array.isArray(rawMac) ? rawMac : [rawMac]
    const macs: string[] = []
    for (const token of items.join(' ').split(/\s+/)) {
      const mac = normaliseMac(token)
      if (mac !== null && !macs.includes(mac)) macs.push(mac)
    }
    if (macs.length === 0) continue
    const name = getOption(s, 'name')
    const ip = getOption(s, 'ip')
    out.push({
      name: typeof name === 'string' ? name : '',
      macs,
      ip: typeof ip === 'string' && isIpv4(ip) ? ip : '',
    })
  }
  return out
}
