/** What lanvpn reads of a WireGuard interface: per peer, no keys of ours. */
export type WgPeerState = {
  publicKey: string
  /** "host:port" as wg resolved it, or '' when none. */
  endpoint: string
  /** Seconds since the epoch of the latest handshake, 0 for never. */
  latestHandshake: number
  rxBytes: number
  txBytes: number
}

/** Parses `wg show IFACE dump`. The first line (the interface, with its private key) is dropped
 * at once; only peer lines are returned. */
export function parseWgDump(text: string): WgPeerState[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  return lines.slice(1).flatMap((line) => {
    const f = line.split('\t')
    if (f.length < 8) return []
    return [
      {
        publicKey: f[0],
        endpoint: f[2] === '(none)' ? '' : f[2],
        latestHandshake: Number(f[4]) || 0,
        rxBytes: Number(f[5]) || 0,
        txBytes: Number(f[6]) || 0,
      },
    ]
  })
}
