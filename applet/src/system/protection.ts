// The rpc face's half of "is this device protected?": asks the daemon (the one that may touch nft)
// to count one device and waits for its answer in a RAM file, which it removes once read
// (daemon/protection.ts writes it).
import type { ProofCounters } from '../core/observe/proof'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { readDaemonPid } from './files'
import { postRequest } from './requests'

/** What the daemon answers. Sample:
 * `{ "counters": { "tunnel": 12, "wan": 0, "stopped": 0, "dns": 3, "ipv6": 0 },
 *    "sinceWallMs": 1763800000000, "untilWallMs": 1763800600000, "started": false }`
 * or `{ "error": "counting the device's packets: nft exited 1: …" }`. */
export type ProofAnswerFile =
  | { counters: ProofCounters; sinceWallMs: number; untilWallMs: number; started: boolean }
  | { error: string }

/** How long to wait for the daemon: it answers after the reconcile the request wakes, well under
 * rpcd's 30 s. */
const WAIT_MS = 10_000
const POLL_MS = 100

export function answersDir(paths: Paths): string {
  return `${paths.runDir}/answers`
}

export function answerPath(paths: Paths, id: string): string {
  return `${answersDir(paths)}/${id}.json`
}

/** Asks the daemon for `mac`'s counters (arming them when needed) and returns its answer, or an
 * error in plain words when no daemon answers. */
export async function askProtection(
  host: Host,
  paths: Paths,
  mac: string
): Promise<ProofAnswerFile> {
  // Asked first: a question left queued for a later daemon would be answered to nobody.
  const pid = readDaemonPid(host, paths)
  const id = `${host.wallMs()}-${host.pid()}`
  if (pid === 0 || !postRequest(host, paths, { kind: 'protection', id, mac }))
    return { error: 'lanvpn is not running, so nothing counts the packets now' }
  const path = answerPath(paths, id)
  const start = host.monotonicMs()
  while (host.monotonicMs() - start < WAIT_MS) {
    await new Promise((resolve) => host.setTimeout(() => resolve(null), POLL_MS))
    const text = host.readFile(path)
    if (text === null) continue
    host.removeFile(path)
    try {
      return JSON.parse(text) as ProofAnswerFile
    } catch {
      return { error: 'the daemon answered with an unreadable file' }
    }
  }
  return { error: 'lanvpn did not answer within 10 seconds' }
}
