// Carries out plan steps. Independent steps all run; their errors are collected and reported
// together (style.md, Errors).
import { errorText } from '../core/errors'
import type { Paths } from '../core/paths'
import type { PlanStep } from '../core/plan/plan'
import { withoutLoadedElements } from '../core/render/nft-check'
import { replacingTable } from '../core/render/nft-keep'
import type { Host } from '../host/host'
import { applyNftScript, checkNftScript, keptSets } from './nft'
import { runChecked } from './run'

/** `notes`: what went wrong but was mended on the way (logged as warnings). */
export type ApplyResult = { ok: boolean; errors: string[]; notes: string[] }

/** What each step changes, in the words of an error about it ("applying the nft table: …"). */
function stepName(step: PlanStep): string {
  switch (step.kind) {
    case 'nft-apply':
      return 'the nft table'
    case 'nft-rules':
      return "the destination rules' table"
    case 'nft-sets':
      return 'the device sets'
    case 'nft-delete':
      return "the nft table's removal"
    case 'ip-batch':
      return `the IPv${step.family} routing rules`
    case 'persist-include':
      return step.file === 'fw4Include'
        ? 'the boot-time firewall include'
        : "the destination rules' boot-time include"
  }
}

async function applyStep(
  host: Host,
  paths: Paths,
  step: PlanStep,
  notes: string[],
  keep: Record<string, string>,
  live: string[] | null
): Promise<void> {
  /** The rules' table, in the same transaction with what its DNS sets `keep` held before (they
   * would start empty: a domain rule would miss until its clients ask again): over the live table
   * as the daemon knows it (`live`, render/nft-keep.ts), or else with their addresses read first.
   * Should nft refuse those addresses, the table goes in without them (the error, which quotes
   * them, is not kept). */
  const rulesTable = async (script: string) => {
    const names = Object.keys(keep)
    if (live && names.length) {
      try {
        return await applyNftScript(host, replacingTable(script, live, names))
      } catch {
        notes.push('the table could not be replaced keeping its domain sets: read them instead')
      }
    }
    const kept = await keptSets(host, keep)
    if (kept) {
      try {
        return await applyNftScript(host, script + kept)
      } catch {
        notes.push('domain sets not kept: nft refused them')
      }
    }
    await applyNftScript(host, script)
  }
  switch (step.kind) {
    case 'nft-apply':
      return applyNftScript(host, step.script)
    case 'nft-rules':
      return rulesTable(step.script)
    case 'nft-sets':
      try {
        await runChecked(host, ['nft', '-f', '-'], { stdin: step.script })
      } catch (e) {
        // The whole table is one transaction too: the devices still move at once.
        notes.push(`updating the device sets: ${errorText(e)}; applied the whole table instead`)
        await applyNftScript(host, step.table)
      }
      return
    case 'nft-delete':
      await runChecked(host, ['nft', '-f', '-'], { stdin: step.script })
      return
    case 'ip-batch':
      await runChecked(host, ['ip', `-${step.family}`, '-batch', '-'], {
        stdin: step.lines.join('\n') + '\n',
      })
      return
    case 'persist-include':
      // fw4 loads these files on every start and reload; a broken one would stop the whole
      // firewall from loading, so only text nft has checked is written: checked now, but for the
      // sets nft loaded in the live table just as they are here (render/nft-check.ts).
      const file = paths[step.file]
      if (step.text === '') return host.removeFile(file)
      await checkNftScript(
        host,
        step.live ? withoutLoadedElements(step.text, step.live) : step.text
      )
      host.mkdirp(file.replace(/\/[^/]+$/, ''), 0o755)
      // Root-only: they name configured devices by MAC, and fw4 (root) is their only reader.
      host.writeFileAtomic(file, step.text, { mode: 0o600, durable: true })
  }
}

/** Runs each step; a failed step is reported in plain words and the rest still run, except that
 * an include is only persisted when every step before it succeeded. `keep`: the DNS sets the
 * rules' table keeps the addresses of (core/render/nft-rules.ts keptDnsSets); `live`: the objects
 * of the rules' table loaded now, when the daemon knows them (render/nft-keep.ts tableObjects). */
export async function applyPlan(
  host: Host,
  paths: Paths,
  steps: PlanStep[],
  keep: Record<string, string> = {},
  live: string[] | null = null
): Promise<ApplyResult> {
  const result: ApplyResult = { ok: true, errors: [], notes: [] }
  for (const step of steps) {
    if (step.kind === 'persist-include' && !result.ok) continue
    try {
      await applyStep(host, paths, step, result.notes, keep, live)
    } catch (e) {
      result.ok = false
      result.errors.push(`applying ${stepName(step)}: ${errorText(e)}`)
    }
  }
  return result
}
