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
