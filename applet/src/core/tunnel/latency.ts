// The latency test: which endpoint of each profile to measure, and how to rank what came back.
// Measuring is system/latency.ts; the daemon (or the CLI) calls it with latencyTargets' output.
import type { Profile } from '../config/types'

/** One endpoint to measure, named by the profile it belongs to. */
export type LatencyTarget = { id: string; host: string; port: number; proto: 'udp' | 'tcp' }

/** A measurement: the average round trip in ms, or null with a plain-words reason. */
export type LatencyResult = { id: string; ms: number | null; error?: string }

/** The endpoint that stands for each profile: the first WireGuard peer, or the first OpenVPN remote
 * (the one openvpn tries first). Profiles without one are left out. */
export function latencyTargets(profiles: readonly Profile[]): LatencyTarget[] {
  const out: LatencyTarget[] = []
  for (const p of profiles) {
    const peer = p.peers[0]
    const remote = p.remotes?.[0]
    if (p.type === 'wireguard' && peer) {
      out.push({ id: p.id, host: peer.endpointHost, port: peer.endpointPort, proto: 'udp' })
    } else if (p.type === 'openvpn' && remote) {
      out.push({ id: p.id, host: remote.host, port: remote.port, proto: remote.proto })
    }
  }
  return out
}

/** Results fastest first; unreachable ones last in their original order. `fastest` is the first
 * reachable id, or null when none answered. Pure and stable: equal times keep the input order. */
export function rankLatency(results: readonly LatencyResult[]): {
  ranked: LatencyResult[]
  fastest: string | null
} {
  const ranked = results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      if (a.r.ms === null || b.r.ms === null) {
        return a.r.ms === b.r.ms ? a.i - b.i : a.r.ms === null ? 1 : -1
      }
      return a.r.ms - b.r.ms || a.i - b.i
    })
    .map((x) => x.r)
  const first = ranked[0]
  return { ranked, fastest: first && first.ms !== null ? first.id : null }
}
