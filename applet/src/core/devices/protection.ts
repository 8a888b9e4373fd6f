// "Is this device protected?": the router's own counters for one device (core/observe/proof.ts)
// turned into a plain verdict. Pure: the rpc face reads the daemon's answer and calls this.
import type { DeviceMode } from '../config/types'
import type { ProofCounters } from '../observe/proof'

export type { ProofCounters } from '../observe/proof'

/** `protected`: something went through the tunnel and nothing by the WAN; `stopped`: nothing got
 * out, the kill switch (or the blocked mode) dropped it; `wan`: packets left by the WAN (a leak
 * for a vpn device, the point of a direct one); `quiet`: nothing sent since counting began. */
export type ProtectionVerdict = 'protected' | 'stopped' | 'wan' | 'quiet'

/** `checkProtection { device }` result: the router's counters for one device since counting began,
 * read live and never stored. Sample:
 * `{ "mac": "02:00:00:00:50:01", "name": "laptop", "mode": "vpn", "verdict": "protected",
 *    "counters": { "tunnel": 1234, "wan": 0, "stopped": 0, "dns": 12, "ipv6": 40 },
 *    "sinceWallMs": 1763800000000, "untilWallMs": 1763800600000, "started": false }` */
export type ProtectionAnswer = {
  mac: string
  /** The device's name as the device list shows it ('' when it has none). */
  name: string
  mode: DeviceMode
  verdict: ProtectionVerdict
  counters: ProofCounters
  /** When counting began: the first question about this device, or a later moment when the router
   * rebuilt its rules (counting starts anew then). */
  sinceWallMs: number
  /** When the router stops counting this device (the kernel empties its sets). */
  untilWallMs: number
  /** This question started the counting: every counter is 0, ask again after using the device. */
  started: boolean
}

/** The verdict for a device's counters. Any packet by the WAN outweighs everything else. */
export function judgeProtection(c: ProofCounters): ProtectionVerdict {
  if (c.wan > 0) return 'wan'
  if (c.tunnel > 0) return 'protected'
  if (c.stopped > 0) return 'stopped'
  return 'quiet'
}

/** 1234567 → "1,234,567" (the same under QuickJS, whose toLocaleString does not group). */
export function groupThousands(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** The answer in household words, for `lanvpn protected` (the web UI has its own, translated).
 * `clock` formats a wall time as the reader's local time. */
export function describeProtection(a: ProtectionAnswer, clock: (ms: number) => string): string {
  const c = a.counters
  const n = groupThousands
  const verdict = {
    protected: `protected: ${n(c.tunnel)} packets through the tunnel, ${n(c.wan)} left by the WAN`,
    stopped: `protected: the kill switch stopped ${n(c.stopped)} packets, ${n(c.wan)} left by the WAN`,
    wan: `NOT protected: ${n(c.wan)} packets left by the WAN, not through the tunnel`,
    quiet: 'nothing sent yet: use the device, then ask again',
  }[a.verdict]
  const who = a.name ? `${a.name} (${a.mac})` : a.mac
  const since = a.started
    ? `counting started now, until ${clock(a.untilWallMs)}`
    : `counted since ${clock(a.sinceWallMs)}, until ${clock(a.untilWallMs)}`
  const rows: Array<[string, number]> = [
    ['packets through the tunnel', c.tunnel],
    ['packets left by the WAN', c.wan],
    ['packets stopped by the kill switch', c.stopped],
    ["DNS lookups to the tunnel's resolver", c.dns],
    ['IPv6 packets out of the router', c.ipv6],
  ]
  return [
    `${who}, mode ${a.mode}: ${verdict}`,
    ...rows.map(([label, v]) => `  ${`${label}:`.padEnd(38)}${n(v)}`),
    `  (${since}; the router's own counters, read now and kept nowhere)`,
    '',
  ].join('\n')
}
