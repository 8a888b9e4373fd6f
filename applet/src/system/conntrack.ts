// Existing connections follow a mode change: lanvpn marks packets per packet by MAC, but a flow's
// NAT binding lives in its conntrack entry, so a TCP connection that started `direct` would keep
// its WAN masquerade after the device moved to `vpn`. Deleting the device's entries makes the next
// packet start a new flow under the new mode (TCP connections then reset, which is the point:
// nothing of a vpn device may keep flowing over the WAN).
import { parseConntrackDeleted } from '../core/observe/conntrack'
import type { Host } from '../host/host'
import { run } from './run'

/** Outcome of dropConntrack: entries deleted, and failures in plain words (argv is not included:
 * it holds addresses, which must not reach the log at default level). */
export type ConntrackResult = { deleted: number; errors: string[] }

/** Deletes every conntrack entry from or to each address or CIDR (`conntrack -D -s IP`, `-D -d
 * IP`, with `-f ipv6` for IPv6). "0 flow entries" (exit 1) is not an error. Each run happens even
 * when an earlier one failed. Needs the `conntrack` tool (OpenWrt package conntrack). */
export async function dropConntrack(host: Host, ips: string[]): Promise<ConntrackResult> {
  const result: ConntrackResult = { deleted: 0, errors: [] }
  for (const ip of ips) {
    const family = ip.includes(':') ? ['-f', 'ipv6'] : []
    for (const dir of ['-s', '-d']) {
      const r = await run(host, ['conntrack', '-D', ...family, dir, ip])
      const n = parseConntrackDeleted(r.stderr)
      if (n !== null && !r.timedOut) result.deleted += n
      else if (r.code === 127) {
        result.errors.push('conntrack could not be started (is the conntrack package installed?)')
        return result
      } else {
        const detail = r.stderr.trim().split('\n')[0] || `exit ${r.code}`
        result.errors.push(`deleting connections: conntrack ${dir}: ${detail}`)
      }
    }
  }
  return result
}
