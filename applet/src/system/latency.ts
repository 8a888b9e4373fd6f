// The latency test's measuring half: one `ping` per endpoint, at most four at a time. ping (not a
// WireGuard handshake) because it needs no tunnel up and no key, and every provider's endpoints
// answer ICMP or are reported as unreachable, which the ranking puts last.
//
// The probes must leave through the WAN, not the tunnel: they are the router's own traffic, which
// uses the main table by default, and they carry no lanvpn mark. When router_via_vpn is on, the
// engine must exempt them: pass `device` (the WAN device: `ping -I`, BusyBox and iputils both have
// it) or `mark` (a mark its rules send to main: `ping -m`, iputils only — BusyBox ping has no -m).
import { errorText } from '../core/errors'
import { isHostname, isIp } from '../core/config/formats'
import { parsePingAvg } from '../core/observe/ping'
import type { LatencyResult, LatencyTarget } from '../core/tunnel/latency'
import type { Host } from '../host/host'
import { run } from './run'

/** How to measure. */
export type LatencyOptions = {
  /** Bind the probes to this device (`ping -I <device>`), e.g. the WAN's. */
  device?: string
  /** Mark the probes (`ping -m <mark>`, iputils ping only). */
  mark?: number
  /** Parallel pings; default 4, so a small router is never flooded with processes. */
  concurrency?: number
}

/** The argv of one probe: three echoes, two seconds' wait, summary only. */
export function pingArgv(host: string, opts: LatencyOptions = {}): string[] {
  const argv = ['ping', '-c', '3', '-W', '2', '-q']
  if (opts.device) argv.push('-I', opts.device)
  if (opts.mark !== undefined) argv.push('-m', String(opts.mark))
  return [...argv, host]
}

async function measureOne(
  host: Host,
  target: LatencyTarget,
  opts: LatencyOptions
): Promise<LatencyResult> {
  // Hosts come from validated config, but a name starting with '-' would be an option: check again.
  if (!(isHostname(target.host) || isIp(target.host))) {
    return { id: target.id, ms: null, error: 'not a host name or IP address' }
  }
  const result = await run(host, pingArgv(target.host, opts), { timeoutMs: 10_000 })
  const ms = parsePingAvg(result.stdout)
  if (ms !== null) return { id: target.id, ms }
  const error = result.timedOut
    ? 'timed out'
    : result.code === 127
      ? 'ping is not installed'
      : /bad address|unknown host|resolve/i.test(result.stderr)
        ? 'the host name does not resolve'
        : 'no reply'
  return { id: target.id, ms: null, error }
}

/** Measures every target (average round trip in ms, or null with a reason), in the targets' order.
 * Never rejects: a failing ping is a result. At most `concurrency` pings run at once. */
export async function measureLatency(
  host: Host,
  targets: readonly LatencyTarget[],
  opts: LatencyOptions = {}
): Promise<LatencyResult[]> {
  const results: LatencyResult[] = new Array(targets.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const i = next++
      try {
        results[i] = await measureOne(host, targets[i], opts)
      } catch (e) {
        results[i] = {
          id: targets[i].id,
          ms: null,
          error: errorText(e),
        }
      }
    }
  }
  const n = Math.max(1, Math.min(opts.concurrency ?? 4, targets.length))
  await Promise.all(Array.from({ length: n }, worker))
  return results
}
