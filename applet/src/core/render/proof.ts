// Arming "is this device protected?" for one device: its MAC goes into every proof set of the table
// (core/render/nft.ts PROOF_SETS) with a timeout, so the kernel counts its packets for a while and
// then empties the sets by itself, with no daemon timer and nothing left if the daemon dies.
import { NFT_FAMILY, NFT_TABLE } from '../ids'
import { PROOF_SETS } from './nft'

/** How long a device is counted after the first question about it. Long enough to use the device
 * and look again; short enough that nobody is counted for good. */
export const PROOF_SECONDS = 600

/** One `nft -f` transaction that (re)starts counting `mac` from zero in every proof set. Adding,
 * deleting and adding again makes it the same whether the MAC was there or not: a plain `add` would
 * keep an element's old counter and timeout, a plain `delete` fails when there is none. */
export function renderProofArm(mac: string, seconds = PROOF_SECONDS): string {
  const lines: string[] = []
  for (const name of Object.values(PROOF_SETS)) {
    const set = `${NFT_FAMILY} ${NFT_TABLE} ${name}`
    lines.push(
      `add element ${set} { ${mac} }`,
      `delete element ${set} { ${mac} }`,
      `add element ${set} { ${mac} timeout ${seconds}s }`
    )
  }
  return `${lines.join('\n')}\n`
}
