// The rules' table (render/nft-rules.ts) applied anew over the live one without losing what its
// DNS sets hold. `delete table` empties them, and reading them back first (system/nft.ts keptSets) lists every set of the table:
// with 10,000 destination CIDRs that read cost as much as the apply. When the daemon knows what is
// loaded (the table it applied last, still there unchanged), one transaction can instead drop the
// rules, delete every chain and every other set, and declare the new table: a set declared again
// as it was keeps its elements (`flush table` removes rules only: "Flushing a table does not empty
// the sets in the table nor remove any chains", nftables' src/evaluate.c; seen so with nft 1.0.6).
import { NFT_FAMILY, NFT_RULES_TABLE } from '../ids'

const OBJECT = /^\t(chain|set) (\S+) \{$/gm

/** The chains and sets a table script declares (render/nft.ts renderTable's text), as
 * `chain NAME` and `set NAME`. Pure. */
export function tableObjects(script: string): string[] {
  return [...script.matchAll(OBJECT)].map((m) => `${m[1]} ${m[2]}`)
}

/** `script` (renderRulesTable's: `table`, `delete table`, then the table) as one transaction over the
 * live table whose objects are `live` (tableObjects), keeping its sets `keep` as they are. nft
 * refuses it when `live` is not what is loaded or a kept set is declared otherwise now. Pure. */
export function replacingTable(script: string, live: string[], keep: string[]): string {
  const t = `${NFT_FAMILY} ${NFT_RULES_TABLE}`
  const head = `table ${t}\ndelete table ${t}\n`
  if (!script.startsWith(head))
    throw new Error('replacing the table: not a rules table renderRulesTable made')
  const deletes = live
    .filter((o) => !keep.some((name) => o === `set ${name}`))
    .map((o) => o.replace(' ', ` ${t} `))
  return (
    [`table ${t}`, `flush table ${t}`, ...deletes.map((d) => `delete ${d}`), ''].join('\n') +
    script.slice(head.length)
  )
}
