// dnsmasq's lease file (/tmp/dhcp.leases on OpenWrt), as dnsmasq's lease.c writes it:
//   <expiry> <hwaddr> <ipv4> <hostname|*> <client-id|*>        one line per DHCPv4 lease
//   duid <server duid>                                          then, with DHCPv6 leases:
//   <expiry> <[T]iaid> <ipv6> <hostname|*> <client duid|*>      one line per DHCPv6 lease
// A DHCPv6 line carries no MAC; the client's DUID does when it is DUID-LLT or DUID-LL over
// Ethernet, which is what most clients send. Non-Ethernet hardware addresses are written with a
// `<type>-` prefix and are not devices lanvpn can steer by MAC.
import { isIpv4, isIpv6, normaliseMac } from '../config/formats'

/** One lease. `mac` is null for a DHCPv6 lease whose DUID holds no Ethernet address. `expiresAt`
 * is epoch seconds as dnsmasq wrote it (0 = infinite). Sample:
 * `{ family: 4, mac: '02:00:00:00:50:01', ip: '192.168.50.183', hostname: 'laptop', expiresAt: 1763800000 }` */
export type DhcpLease = {
  family: 4 | 6
  mac: string | null
  ip: string
  hostname: string
  expiresAt: number
}

/** The Ethernet MAC inside a DHCPv6 client DUID (`00:01:00:01:<time>:<mac>` for DUID-LLT,
 * `00:03:00:01:<mac>` for DUID-LL), or null for other DUID types. */
export function macFromDuid(duid: string): string | null {
  const bytes = duid.toLowerCase().split(':')
  if (!bytes.every((b) => /^[0-9a-f]{2}$/.test(b))) return null
  const type = bytes.slice(0, 2).join('')
  const hwType = bytes.slice(2, 4).join('')
  if (hwType !== '0001') return null
  if (type === '0001' && bytes.length === 14) return bytes.slice(8).join(':')
  if (type === '0003' && bytes.length === 10) return bytes.slice(4).join(':')
  return null
}

/** Parses the lease file. Malformed lines are skipped (the file is dnsmasq's, not the user's);
 * never throws. Same text, same result. */
export function parseLeases(text: string): DhcpLease[] {
  const out: DhcpLease[] = []
  let inV6 = false
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f[0] === 'duid') {
      inV6 = true
      continue
    }
    if (f.length < 4 || !/^[0-9]+$/.test(f[0])) continue
    const expiresAt = Number(f[0])
    const hostname = f[3] === '*' ? '' : f[3]
    if (!inV6) {
      const mac = normaliseMac(f[1])
      if (mac !== null && isIpv4(f[2])) out.push({ family: 4, mac, ip: f[2], hostname, expiresAt })
    } else if (/^T?[0-9]+$/.test(f[1]) && isIpv6(f[2])) {
      const mac = f.length > 4 && f[4] !== '*' ? macFromDuid(f[4]) : null
      out.push({ family: 6, mac, ip: f[2].toLowerCase(), hostname, expiresAt })
    }
  }
  return out
}
