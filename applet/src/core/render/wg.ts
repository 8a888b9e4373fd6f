// The configuration handed to `wg setconf IFACE FILE` (a root-only file in RAM, removed at once), so
// no key ever appears in a process's argv (readable by every user in /proc).
import { MARK_TUNNEL } from '../ids'
import type { WireguardPeer } from '../config/types'

/** A peer as wg needs it: the preshared key, when set, is read from its secret file. */
export type WgPeerSetup = WireguardPeer & { presharedKey: string | null }

/** wg(8) config text. `fwmark` marks the tunnel's own UDP so it is routed by main (the WAN), never
 * into the VPN table. Endpoints with IPv6 literals are bracketed. */
export function renderWgConfig(privateKey: string, peers: WgPeerSetup[]): string {
  const lines = [
    '[Interface]',
    `PrivateKey = ${privateKey}`,
    `FwMark = 0x${MARK_TUNNEL.toString(16)}`,
  ]
  for (const p of peers) {
    const host = p.endpointHost.includes(':') ? `[${p.endpointHost}]` : p.endpointHost
    lines.push('', '[Peer]', `PublicKey = ${p.publicKey}`)
    if (p.presharedKey) lines.push(`PresharedKey = ${p.presharedKey}`)
    lines.push(`Endpoint = ${host}:${p.endpointPort}`)
    lines.push(`AllowedIPs = ${p.allowedIps.join(', ')}`)
    if (p.persistentKeepalive > 0) lines.push(`PersistentKeepalive = ${p.persistentKeepalive}`)
  }
  return lines.join('\n') + '\n'
}
