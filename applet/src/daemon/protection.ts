// The daemon's half of "is this device protected?": arms the counting for one device when it is
// not counted yet, reads its counters from the kernel and writes them to a RAM file the asking rpc
// process reads and removes (system/protection.ts). Nothing of it is kept anywhere else.
import { errorText } from '../core/errors'
import { NFT_FAMILY, NFT_TABLE } from '../core/ids'
import { parseProofCounters, type ProofReading } from '../core/observe/proof'
import type { Paths } from '../core/paths'
import { PROOF_SECONDS, renderProofArm } from '../core/render/proof'
import type { Host } from '../host/host'
import { answerPath, answersDir, type ProofAnswerFile } from '../system/protection'
import { runChecked } from '../system/run'

/** Answers nobody read within this long (the rpc gave up waiting) are removed. */
const STALE_ANSWER_MS = 60_000

/** Reads (arming first when needed) the counters of `mac` and writes the answer for `id`. Never
 * throws: a failure becomes an answer with `error`. */
export async function answerProtection(
  host: Host,
  paths: Paths,
  req: { id: string; mac: string }
): Promise<void> {
  let answer: ProofAnswerFile
  try {
    answer = await readOrArm(host, req.mac)
  } catch (e) {
    answer = { error: `counting the device's packets: ${errorText(e)}` }
  }
  host.mkdirp(answersDir(paths), 0o700)
  removeStaleAnswers(host, paths)
  host.writeFileAtomic(answerPath(paths, req.id), JSON.stringify(answer), {
    mode: 0o600,
    durable: false,
  })
}

async function readOrArm(host: Host, mac: string): Promise<ProofAnswerFile> {
  const list = ['nft', '-j', 'list', 'sets', 'table', NFT_FAMILY, NFT_TABLE]
  const now = host.wallMs()
  const found: ProofReading | null = parseProofCounters((await runChecked(host, list)).stdout, mac)
  if (found) {
    const sinceWallMs = now - found.elapsedSeconds * 1000
    return {
      counters: found.counters,
      sinceWallMs,
      untilWallMs: sinceWallMs + PROOF_SECONDS * 1000,
      started: false,
    }
  }
  await runChecked(host, ['nft', '-f', '-'], { stdin: renderProofArm(mac) })
  return {
    counters: { tunnel: 0, wan: 0, stopped: 0, dns: 0, ipv6: 0 },
    sinceWallMs: now,
    untilWallMs: now + PROOF_SECONDS * 1000,
    started: true,
  }
}

/** Answer files are named `<wall ms>-<pid>.json` by the asker. */
function removeStaleAnswers(host: Host, paths: Paths): void {
  const dir = answersDir(paths)
  for (const name of host.listDir(dir) ?? []) {
    const born = Number(name.split('-')[0])
    if (!(born > host.wallMs() - STALE_ANSWER_MS)) host.removeFile(`${dir}/${name}`)
  }
}
