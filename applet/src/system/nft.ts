// nft through Host.exec. One `nft -f` is one kernel transaction.
import { parseNftTables, type NftTableRef } from '../core/observe/nft'
import type { Host } from '../host/host'
import { run, runChecked } from './run'

/** The tables present, or [] when nft cannot list them (reported by apply). */
export async function observeNftTables(host: Host): Promise<NftTableRef[]> {
  const r = await run(host, ['nft', 'list', 'tables'])
  return r.code === 0 ? parseNftTables(r.stdout) : []
}

/** Checks the script (`nft -c`) and then applies it as one transaction; throws ExecError on failure,
 * leaving the rules that were in force before untouched. */
export async function applyNftScript(host: Host, script: string): Promise<void> {
  await runChecked(host, ['nft', '-c', '-f', '-'], { stdin: script })
  await runChecked(host, ['nft', '-f', '-'], { stdin: script })
}
