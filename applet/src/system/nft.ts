// nft through Host.exec. One `nft -f` is one kernel transaction.
import { NFT_FAMILY, NFT_RULES_TABLE, NFT_TABLE } from '../core/ids'
import { keptElements, parseNftTables, type NftTableRef } from '../core/observe/nft'
import { parseAppliedHash } from '../core/render/nft'
import type { Host } from '../host/host'
import { run, runChecked } from './run'

/** The tables present, or [] when nft cannot list them. */
export async function observeNftTables(host: Host): Promise<NftTableRef[]> {
  const r = await run(host, ['nft', 'list', 'tables'])
  return r.code === 0 ? parseNftTables(r.stdout) : []
}

/** The content hash one of our tables carries (the main one by default), '' when the table (or
 * its marker) is missing. */
export async function observeNftHash(host: Host, table: string = NFT_TABLE): Promise<string> {
  const r = await run(host, ['nft', 'list', 'chain', NFT_FAMILY, table, 'applied'])
  return r.code === 0 ? parseAppliedHash(r.stdout) : ''
}

/** Applies the script as one transaction; throws ExecError on failure, leaving the rules that were
 * in force before untouched (nft commits all or nothing, so a separate `nft -c` check would only
 * cost a process: the apply budget is 1.3 × a raw `nft -f`). */
export async function applyNftScript(host: Host, script: string): Promise<void> {
  await runChecked(host, ['nft', '-f', '-'], { stdin: script })
}

/** Checks a script without applying it (for text that is persisted, not loaded now). */
export async function checkNftScript(host: Host, script: string): Promise<void> {
  await runChecked(host, ['nft', '-c', '-f', '-'], { stdin: script })
}

/** What the sets `keep` names (with their comments) of the live rules' table hold now, as lines
 * that add it to a new table's script (core/observe/nft.ts keptElements): one process, none when
 * `keep` is empty; '' when the table or its sets are missing. */
export async function keptSets(host: Host, keep: Record<string, string>): Promise<string> {
  if (!Object.keys(keep).length) return ''
  const r = await run(host, ['nft', '-j', 'list', 'sets', 'table', NFT_FAMILY, NFT_RULES_TABLE])
  return r.code === 0 ? keptElements(r.stdout, keep) : ''
}
